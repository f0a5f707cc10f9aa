import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { startTestApp } from '../helpers/app.js';

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Doc = Record<string, unknown> & { id: string };

const JSON_TYPE = { 'content-type': 'application/json' };
const MERGE_TYPE = { 'content-type': 'application/merge-patch+json' };
const LIMIT_MB = '0.01'; // 10485 bytes

/**
 * A request with the path sent byte for byte (fetch would resolve `..`) and the body either
 * whole with a content-length or, with `chunked`, as chunks without one.
 */
function raw(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}, chunked = false): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
        } catch {
          reject(new Error(`${method} ${path}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (!chunked) req.end(body);
    else {
      for (let i = 0; i < body.length; i += 4096) req.write(body.slice(i, i + 4096));
      req.end();
    }
  });
}

async function start(t: TestContext) {
  const app = await startTestApp(['--max-json-body-size', LIMIT_MB]);
  t.after(() => app.close());
  const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}, chunked = false) =>
    raw(app.url, method, path, body, headers, chunked);
  const created: Doc[] = [];
  for (const [collection, body] of [['notes', { a: 1 }], ['notes', { a: 2, nested: { b: [1] } }], ['default', { c: 3 }]] as const) {
    const reply = await send('POST', `/automa/db/${collection}`, JSON.stringify(body), JSON_TYPE);
    assert.equal(reply.status, 201);
    created.push(reply.body as Doc);
  }
  /** Everything the store holds, as the API shows it. */
  const snapshot = async (): Promise<unknown> => {
    const { collections } = (await send('GET', '/automa/db')).body as { collections: { name: string }[] };
    const contents: Record<string, unknown> = {};
    for (const { name } of collections) contents[name] = (await send('GET', `/automa/db/${name}?order=asc&limit=500`)).body;
    return { collections, contents };
  };
  const before = await snapshot();
  /** Sends a bad request, checks the error reply, then checks that nothing changed. */
  const expectRejected = async (
    label: string,
    status: number,
    type: string | null,
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
    chunked = false,
  ): Promise<void> => {
    const reply = await send(method, path, body, headers, chunked);
    assert.equal(reply.status, status, `${label}: ${method} ${path.slice(0, 80)} → ${JSON.stringify(reply.body)}`);
    const error = (reply.body as { error?: Record<string, unknown> } | undefined)?.error;
    assert.ok(error, `${label}: the project's error shape`);
    if (type !== null) assert.equal(error.type, type, label);
    assert.equal(typeof error.message, 'string', label);
    assert.equal(typeof error.details, 'string', label);
    assert.equal(typeof error.extra_info, 'object', label);
    assert.deepEqual(await snapshot(), before, `${label}: nothing changed`);
  };
  return { send, created, expectRejected };
}

test('an id that is not a UUID → 400 invalid_id on every document route, nothing changes', async (t) => {
  const { created, expectRejected } = await start(t);
  const id = created[0]?.id ?? '';
  const badIds = ['not-a-uuid', '123', `${id}0`, id.replaceAll('-', ''), `{${id}}`, '%2e%2e', 'zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz'];
  for (const bad of badIds) {
    for (const [method, body] of [['GET'], ['DELETE'], ['PUT', '{"a":9}'], ['PATCH', '{"a":9}']] as const) {
      await expectRejected(`id ${bad}`, 400, 'invalid_id', method, `/automa/db/notes/${bad}`, body, body ? JSON_TYPE : {});
    }
  }
  // Longer than the router's parameter limit: still the project's error shape, still 400.
  for (const method of ['GET', 'DELETE']) await expectRejected('a 600-character id', 400, null, method, `/automa/db/notes/${'a'.repeat(600)}`);
  // Broken percent-encoding never reaches a route, and still answers in the project's shape.
  await expectRejected('bad percent-encoding', 400, 'bad_request', 'GET', '/automa/db/notes/%zz');
  await expectRejected('bad percent-encoding', 400, 'bad_request', 'POST', '/automa/db/%E0%A4%A', '{}', JSON_TYPE);
});

test('a body that is not a JSON object → 400 on POST, PUT and PATCH, nothing changes', async (t) => {
  const { created, expectRejected } = await start(t);
  const docPath = `/automa/db/notes/${created[0]?.id ?? ''}`;
  for (const body of ['[1,2]', '[]', '"a string"', 'null', '42', 'true']) {
    await expectRejected(`POST ${body}`, 400, 'bad_request', 'POST', '/automa/db/notes', body, JSON_TYPE);
    await expectRejected(`POST new collection ${body}`, 400, 'bad_request', 'POST', '/automa/db/brand-new', body, JSON_TYPE);
    await expectRejected(`PUT ${body}`, 400, 'bad_request', 'PUT', docPath, body, JSON_TYPE);
    await expectRejected(`PATCH ${body}`, 400, 'bad_request', 'PATCH', docPath, body, MERGE_TYPE);
    await expectRejected(`PATCH json ${body}`, 400, 'bad_request', 'PATCH', docPath, body, JSON_TYPE);
  }
  await expectRejected('POST text/plain', 400, 'bad_request', 'POST', '/automa/db/notes', 'hello', { 'content-type': 'text/plain' });
});

test('invalid JSON → 400 invalid_json, a prototype key → 400 forbidden_json_key, on POST, PUT and PATCH; nothing changes', async (t) => {
  const { created, expectRejected } = await start(t);
  const docPath = `/automa/db/notes/${created[1]?.id ?? ''}`;
  for (const body of ['{bad', '{"a":1', '{"a":1}trailing', "{'a':1}", '']) {
    await expectRejected(`POST ${body}`, 400, 'invalid_json', 'POST', '/automa/db/notes', body, JSON_TYPE);
    await expectRejected(`PUT ${body}`, 400, 'invalid_json', 'PUT', docPath, body, JSON_TYPE);
    await expectRejected(`PATCH ${body}`, 400, 'invalid_json', 'PATCH', docPath, body, MERGE_TYPE);
  }
  // Valid JSON whose keys could reach a prototype: refused as such, not called invalid JSON.
  for (const body of ['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":{"b":[{"__proto__":{}}]}}']) {
    await expectRejected(`POST ${body}`, 400, 'forbidden_json_key', 'POST', '/automa/db/notes', body, JSON_TYPE);
    await expectRejected(`PUT ${body}`, 400, 'forbidden_json_key', 'PUT', docPath, body, JSON_TYPE);
    await expectRejected(`PATCH ${body}`, 400, 'forbidden_json_key', 'PATCH', docPath, body, MERGE_TYPE);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a bad collection name → 400 invalid_collection_name on every route, nothing changes', async (t) => {
  const { created, expectRejected } = await start(t);
  const id = created[0]?.id ?? '';
  const badNames = ['Notes', 'NOTES', 'a'.repeat(65), '-lead', '_lead', '..', '%2e%2e', '.', 'a.b', 'a%20b', 'a%2Fb', 'caf%C3%A9'];
  for (const name of badNames) {
    const label = `collection ${name.slice(0, 20)}`;
    await expectRejected(label, 400, 'invalid_collection_name', 'POST', `/automa/db/${name}`, '{"a":1}', JSON_TYPE);
    await expectRejected(label, 400, 'invalid_collection_name', 'GET', `/automa/db/${name}`);
    await expectRejected(label, 400, 'invalid_collection_name', 'DELETE', `/automa/db/${name}`);
    await expectRejected(label, 400, 'invalid_collection_name', 'GET', `/automa/db/${name}/${id}`);
    await expectRejected(label, 400, 'invalid_collection_name', 'PUT', `/automa/db/${name}/${id}`, '{"a":1}', JSON_TYPE);
    await expectRejected(label, 400, 'invalid_collection_name', 'PATCH', `/automa/db/${name}/${id}`, '{"a":1}', MERGE_TYPE);
    await expectRejected(label, 400, 'invalid_collection_name', 'DELETE', `/automa/db/${name}/${id}`);
  }
  // The longest legal name works, and so do digits first and inner - and _.
  const { send } = await start(t);
  for (const good of ['a'.repeat(64), '0abc', 'a-b_c']) {
    assert.equal((await send('POST', `/automa/db/${good}`, '{}', JSON_TYPE)).status, 201, good);
  }
});

test('a body over --max-json-body-size → 413, with or without content-length, nothing changes', async (t) => {
  const { created, expectRejected, send } = await start(t);
  const docPath = `/automa/db/notes/${created[0]?.id ?? ''}`;
  const big = JSON.stringify({ blob: 'x'.repeat(20_000) });
  for (const chunked of [false, true]) {
    const label = chunked ? 'chunked' : 'content-length';
    await expectRejected(`POST ${label}`, 413, 'payload_too_large', 'POST', '/automa/db/notes', big, JSON_TYPE, chunked);
    await expectRejected(`POST new ${label}`, 413, 'payload_too_large', 'POST', '/automa/db/brand-new', big, JSON_TYPE, chunked);
    await expectRejected(`PUT ${label}`, 413, 'payload_too_large', 'PUT', docPath, big, JSON_TYPE, chunked);
    await expectRejected(`PATCH ${label}`, 413, 'payload_too_large', 'PATCH', docPath, big, MERGE_TYPE, chunked);
  }
  // Just under the limit is fine.
  const fits = JSON.stringify({ blob: 'x'.repeat(10_000) });
  assert.equal((await send('POST', '/automa/db/notes', fits, JSON_TYPE)).status, 201);
});

test('a body nested deeper than 100 levels → 400 on POST, PUT and PATCH, nothing changes; filters keep working', async (t) => {
  const { created, expectRejected, send } = await start(t);
  const docPath = `/automa/db/notes/${created[0]?.id ?? ''}`;
  /** An object `levels` deep counting itself: {"a":[[…[1]…]]}. */
  const nested = (levels: number): string => `{"a":${'['.repeat(levels - 1)}1${']'.repeat(levels - 1)}}`;
  for (const levels of [101, 1_001, 5_000]) {
    await expectRejected(`POST depth ${levels}`, 400, 'bad_request', 'POST', '/automa/db/notes', nested(levels), JSON_TYPE);
    await expectRejected(`PUT depth ${levels}`, 400, 'bad_request', 'PUT', docPath, nested(levels), JSON_TYPE);
    await expectRejected(`PATCH depth ${levels}`, 400, 'bad_request', 'PATCH', docPath, nested(levels), MERGE_TYPE);
  }
  const deepest = await send('POST', '/automa/db/notes', nested(100), JSON_TYPE);
  assert.equal(deepest.status, 201, '100 levels are fine');
  const filtered = await send('GET', '/automa/db/notes?where.a=1');
  assert.equal(filtered.status, 200, `a where filter over the deepest allowed document: ${JSON.stringify(filtered.body).slice(0, 200)}`);
});
