import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { DATABASE_FILE } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';
import { closedPort, startService, stopService, type Service } from './service.js';

async function serve(t: TestContext, dataDir: string, extra: readonly string[] = []): Promise<Service> {
  const service = await startService(['--data-dir', dataDir, '--comfyui', `http://127.0.0.1:${await closedPort()}`, ...extra]);
  t.after(() => stopService(service));
  return service;
}

function tempDir(t: TestContext): string {
  const temp = makeTempDir('automa-main-');
  t.after(temp.remove);
  return temp.dir;
}

/** Opens the database file as an outsider would after the service is gone. */
function inspectDatabase(dataDir: string): { integrity: unknown; documents: { id: string; body: string }[] } {
  const db = new DatabaseSync(path.join(dataDir, DATABASE_FILE));
  try {
    return {
      integrity: db.prepare('PRAGMA integrity_check').get()?.integrity_check,
      documents: db.prepare('SELECT id, body FROM documents ORDER BY seq').all().map((row) => ({ id: String(row.id), body: String(row.body) })),
    };
  } finally {
    db.close();
  }
}

interface SlowRequest {
  /** Resolves once the server answered `100 Continue`: the request is in flight. */
  readonly inFlight: Promise<void>;
  sendRest(): void;
  /** Status and body of the final response, or null if the connection closed without one. */
  readonly response: Promise<{ status: number; body: string } | null>;
}

/**
 * A POST whose body arrives in two parts, the second only when the test says so. The request
 * announces `Expect: 100-continue`, so the server's `100 Continue` proves it is being handled.
 */
function slowPost(port: number, requestPath: string, body: string): SlowRequest {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let continued: () => void = () => {};
  const inFlight = new Promise<void>((resolve) => (continued = resolve));
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
    if (received.startsWith('HTTP/1.1 100')) continued();
  });
  const response = new Promise<{ status: number; body: string } | null>((resolve) => {
    socket.on('close', () => {
      const final = received.replace(/^HTTP\/1\.1 100[^\r]*\r\n\r\n/, '');
      const match = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(final);
      resolve(match ? { status: Number(match[1]), body: match[2] ?? '' } : null);
    });
    socket.on('error', () => {});
  });
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST ${requestPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  );
  void inFlight.then(() => socket.write(body.slice(0, half)));
  return { inFlight, sendRest: () => socket.end(body.slice(half)), response };
}

test('with an unreachable ComfyUI the service starts, stays up and says the backend is down', async (t) => {
  const backendPort = await closedPort();
  const dataDir = tempDir(t);
  const service = await startService(['--data-dir', dataDir, '--comfyui', `http://127.0.0.1:${backendPort}`]);
  t.after(() => stopService(service));
  // The first probe has been refused by now; the process must have shrugged it off.
  await service.waitForLog((line) => line.msg === 'backend unreachable');
  const health = (await (await fetch(`${service.url}/automa/health`)).json()) as {
    status: string;
    store: { ok: boolean };
    backends: { url: string; reachable: boolean }[];
  };
  assert.equal(health.status, 'ok');
  assert.deepEqual(health.store, { ok: true });
  assert.deepEqual(health.backends.map((b) => [b.url, b.reachable]), [[`http://127.0.0.1:${backendPort}`, false]]);
  const created = await fetch(`${service.url}/automa/db/default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(created.status, 201);
  assert.equal(service.child.exitCode, null, 'still running');
});

test('SIGTERM lets an in-flight request finish, closes the database cleanly and exits 0', async (t) => {
  const dataDir = tempDir(t);
  const service = await serve(t, dataDir);
  const body = JSON.stringify({ slow: true, text: 'x'.repeat(5_000) });
  const request = slowPost(service.port, '/automa/db/slow', body);
  await request.inFlight;

  service.child.kill('SIGTERM');
  await service.waitForLog((line) => line.msg === 'shutting down');
  request.sendRest();

  const response = await request.response;
  assert.equal(response?.status, 201, `the in-flight POST completed: ${JSON.stringify(response)}`);
  const created = JSON.parse(response.body) as { id: string; slow: boolean };
  assert.equal((await service.exited).code, 0, service.stderr());
  assert.ok(service.logs.some((line) => line.msg === 'stopped'));

  assert.deepEqual(fs.readdirSync(dataDir).filter((f) => f.startsWith(DATABASE_FILE)), [DATABASE_FILE], 'WAL checkpointed and removed on close');
  const db = inspectDatabase(dataDir);
  assert.equal(db.integrity, 'ok');
  assert.deepEqual(db.documents.map((d) => d.id), [created.id]);
});

test('SIGTERM with a request that never finishes: shutdown is bounded by --shutdown-timeout and exits 0', async (t) => {
  const dataDir = tempDir(t);
  const service = await serve(t, dataDir, ['--shutdown-timeout', '300']);
  const stalled = slowPost(service.port, '/automa/db/stalled', JSON.stringify({ never: 'finished' }));
  await stalled.inFlight;
  service.child.kill('SIGTERM');
  await service.waitForLog((line) => /did not finish in time/.test(String(line.msg)));
  assert.equal((await service.exited).code, 0, service.stderr());
  const response = await stalled.response;
  assert.ok(response === null || response.status >= 400, `the stalled request was not acknowledged: ${JSON.stringify(response)}`);
  const db = inspectDatabase(dataDir);
  assert.equal(db.integrity, 'ok');
  assert.deepEqual(db.documents, [], 'nothing half-written');
});

test('documents survive a normal restart (SIGINT) unchanged, ETags included', async (t) => {
  const dataDir = tempDir(t);
  const first = await serve(t, dataDir);
  const post = async (collection: string, body: unknown): Promise<{ id: string }> => {
    const res = await fetch(`${first.url}/automa/db/${collection}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 201);
    return (await res.json()) as { id: string };
  };
  const docs = [
    ['notes', await post('notes', { title: 'one', nested: { a: [1, 2] } })],
    ['notes', await post('notes', { title: 'two' })],
    ['default', await post('default', { flag: true })],
  ] as const;
  const patched = await fetch(`${first.url}/automa/db/notes/${docs[0][1].id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: '{"title":"one, edited"}',
  });
  assert.equal(patched.status, 200);

  const read = async (service: Service) => ({
    collections: await (await fetch(`${service.url}/automa/db`)).json(),
    documents: await Promise.all(
      docs.map(async ([collection, { id }]) => {
        const res = await fetch(`${service.url}/automa/db/${collection}/${id}`);
        return { status: res.status, etag: res.headers.get('etag'), body: await res.json() };
      }),
    ),
    list: await (await fetch(`${service.url}/automa/db/notes?order=asc`)).json(),
  });
  const before = await read(first);
  first.child.kill('SIGINT'); // Ctrl-C: the same graceful path as SIGTERM
  assert.equal((await first.exited).code, 0);

  const second = await serve(t, dataDir);
  assert.deepEqual(await read(second), before);
  assert.equal((before.documents[0]?.body as { title: string }).title, 'one, edited');
});
