/**
 * --request-timeout and --max-connections over real sockets: a body that never finishes is cut
 * off with 408, and connections past the cap are closed at once.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { errorOf, request, rowCounts, startCustomApp } from './helpers.js';

/** Connect, send `data`, and collect what comes back until the server closes. */
function connect(port: number, data: string): { socket: net.Socket; answer: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  const answer = new Promise<string>((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1'))));
  socket.write(data);
  return { socket, answer };
}

const bodyOf = (answer: string): string => answer.slice(answer.indexOf('\r\n\r\n') + 4);

test('a request body that does not arrive within --request-timeout gets 408 and the connection is closed; nothing is written', async (t) => {
  const service = await startCustomApp(['--request-timeout', '1000', '--header-timeout', '500']);
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  // Headers in full, then a body that stops halfway: only the request timeout can end this.
  const slow = connect(
    service.port,
    'POST /automa/db/notes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
  );
  const answer = await slow.answer;
  assert.match(answer, /^HTTP\/1\.1 408 /);
  const error = errorOf(bodyOf(answer));
  assert.equal(error.type, 'request_timeout');
  assert.match(error.details, /--request-timeout/);
  assert.deepEqual(await rowCounts(service.dataDir), before);
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('connections past --max-connections are closed unanswered; once one closes, a new one is served', async (t) => {
  const service = await startCustomApp(['--max-connections', '2'], { captureLogs: true });
  t.after(() => service.close());
  const keepAlive = 'GET /automa/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
  const held = [0, 1].map(() => {
    const connection = connect(service.port, keepAlive);
    const answered = new Promise<void>((resolve) => connection.socket.once('data', () => resolve()));
    return { ...connection, answered };
  });
  t.after(() => held.forEach((h) => h.socket.destroy()));
  await Promise.all(held.map((h) => h.answered)); // both accepted and served, and kept open

  // Closed before anything is read: an answer would need the request parsed, which is the load
  // the cap is there to shed.
  assert.equal(await connect(service.port, keepAlive).answer, '');
  assert.ok(service.logs.some((line) => line.msg === 'connection refused: --max-connections reached' && line.maxConnections === 2));

  const first = held[0];
  assert.ok(first);
  first.socket.destroy();
  await first.answer;
  const served = await connect(service.port, 'GET /automa/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n').answer;
  assert.match(served, /^HTTP\/1\.1 200 /);
});

test('--request-timeout and --max-connections: flags, AUTOMA_* variables, defaults and bad values', () => {
  const load = (argv: string[], env: Record<string, string> = {}) => loadConfig(['--comfyui', 'http://127.0.0.1:9', ...argv], env);
  const defaults = load([]);
  assert.equal(defaults.kind, 'config');
  if (defaults.kind === 'config') {
    assert.equal(defaults.config.requestTimeoutMs, 300_000);
    assert.equal(defaults.config.maxConnections, 4096);
  }
  const fromEnv = load([], { AUTOMA_REQUEST_TIMEOUT: '60000', AUTOMA_MAX_CONNECTIONS: '10' });
  assert.ok(fromEnv.kind === 'config' && fromEnv.config.requestTimeoutMs === 60_000 && fromEnv.config.maxConnections === 10);
  const bad = load(['--request-timeout', '1000', '--header-timeout', '5000', '--max-connections', '0']);
  assert.equal(bad.kind, 'invalid');
  if (bad.kind === 'invalid') {
    assert.ok(bad.problems.some((p) => p.startsWith('--request-timeout') && p.includes('--header-timeout')), bad.problems.join('\n'));
    assert.ok(bad.problems.some((p) => p.startsWith('--max-connections')), bad.problems.join('\n'));
  }
});
