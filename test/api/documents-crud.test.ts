import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startTestApp } from '../helpers/app.js';

type Doc = Record<string, unknown> & { id: string; create_time: string; update_time: string };

interface Reply {
  readonly status: number;
  readonly etag: string | null;
  readonly body: unknown;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ABSENT_ID = '00000000-0000-4000-8000-000000000000';

async function start(t: TestContext) {
  const app = await startTestApp();
  t.after(() => app.close());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...headers };
    }
    const res = await fetch(`${app.url}${path}`, init);
    const text = await res.text();
    return { status: res.status, etag: res.headers.get('etag'), body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const create = async (collection: string, body: Record<string, unknown>): Promise<{ doc: Doc; etag: string }> => {
    const reply = await call('POST', `/automa/db/${collection}`, body);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.ok(reply.etag);
    return { doc: reply.body as Doc, etag: reply.etag };
  };
  return { call, create, url: app.url };
}

function assertError(reply: Reply, status: number, type: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  const body = reply.body as { error?: { type?: unknown; message?: unknown; details?: unknown; extra_info?: unknown } };
  assert.equal(body.error?.type, type);
  assert.equal(typeof body.error?.message, 'string');
  assert.equal(typeof body.error?.details, 'string');
  assert.equal(typeof body.error?.extra_info, 'object');
}

test('POST creates: 201, server id/create_time/update_time, client copies ignored, ETag; GET returns it', async (t) => {
  const { call } = await start(t);
  const sent = {
    id: 'client-id',
    create_time: '1999-01-01T00:00:00.000Z',
    update_time: '1999-01-01T00:00:00.000Z',
    title: 'héllo ✓',
    n: 42.5,
    big: 9007199254740991,
    ok: false,
    nothing: null,
    nested: { list: [1, 'two', { three: 3 }], empty: {} },
  };
  const created = await call('POST', '/automa/db/notes', sent);
  assert.equal(created.status, 201);
  assert.match(created.etag ?? '', /^"[^"]+"$/, 'a strong ETag');
  const doc = created.body as Doc;
  assert.match(doc.id, UUID_V4);
  assert.match(doc.create_time, ISO_UTC_MS);
  assert.equal(doc.update_time, doc.create_time);
  assert.ok(Math.abs(Date.parse(doc.create_time) - Date.now()) < 60_000, 'create_time is now, not the client value');
  const { id: _i, create_time: _c, update_time: _u, ...clientFields } = sent;
  assert.deepEqual(doc, { ...clientFields, id: doc.id, create_time: doc.create_time, update_time: doc.update_time });

  const got = await call('GET', `/automa/db/notes/${doc.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, doc);
  assert.equal(got.etag, created.etag);
  const upper = await call('GET', `/automa/db/notes/${doc.id.toUpperCase()}`);
  assert.deepEqual(upper.body, doc, 'ids compare case-insensitively, as UUIDs do');

  const second = (await call('POST', '/automa/db/notes', sent)).body as Doc;
  assert.notEqual(second.id, doc.id, 'every create gets a fresh id');
});

test('GET of an absent document is 404; of a document from another collection too', async (t) => {
  const { call, create } = await start(t);
  assertError(await call('GET', `/automa/db/notes/${ABSENT_ID}`), 404, 'not_found');
  const { doc } = await create('notes', { a: 1 });
  assertError(await call('GET', `/automa/db/other/${doc.id}`), 404, 'not_found');
});

test('PUT replaces the whole document, keeps id and create_time, advances update_time and the ETag', async (t) => {
  const { call, create } = await start(t);
  const { doc, etag } = await create('notes', { a: 1, b: { c: 2 } });
  const put = await call('PUT', `/automa/db/notes/${doc.id}`, {
    x: 9,
    id: ABSENT_ID,
    create_time: '2000-01-01T00:00:00.000Z',
    update_time: '2000-01-01T00:00:00.000Z',
  });
  assert.equal(put.status, 200);
  const replaced = put.body as Doc;
  assert.deepEqual(Object.keys(replaced).sort(), ['create_time', 'id', 'update_time', 'x']);
  assert.equal(replaced.x, 9);
  assert.equal(replaced.id, doc.id);
  assert.equal(replaced.create_time, doc.create_time);
  assert.match(replaced.update_time, ISO_UTC_MS);
  assert.ok(replaced.update_time > doc.update_time, `${replaced.update_time} > ${doc.update_time}`);
  assert.ok(put.etag && put.etag !== etag, 'a new ETag');
  const got = await call('GET', `/automa/db/notes/${doc.id}`);
  assert.deepEqual(got.body, replaced);
  assert.equal(got.etag, put.etag);
  assertError(await call('GET', `/automa/db/notes/${ABSENT_ID}`), 404, 'not_found');
});

test('PUT with If-Match: the current ETag → 200, a stale one → 412 and nothing changes; absent → 404', async (t) => {
  const { call, create } = await start(t);
  const { doc, etag: first } = await create('notes', { v: 0 });
  const ok = await call('PUT', `/automa/db/notes/${doc.id}`, { v: 1 }, { 'if-match': first });
  assert.equal(ok.status, 200);
  const stale = await call('PUT', `/automa/db/notes/${doc.id}`, { v: 2 }, { 'if-match': first });
  assertError(stale, 412, 'precondition_failed');
  assert.equal((await call('GET', `/automa/db/notes/${doc.id}`)).etag, ok.etag);
  assert.equal(((await call('GET', `/automa/db/notes/${doc.id}`)).body as Doc).v, 1, 'the stale write changed nothing');
  assertError(await call('PUT', `/automa/db/notes/${doc.id}`, { v: 2 }, { 'if-match': '"nonsense"' }), 412, 'precondition_failed');
  assert.equal((await call('PUT', `/automa/db/notes/${doc.id}`, { v: 3 }, { 'if-match': `"x", ${ok.etag}` })).status, 200, 'a list matches any');
  assert.equal((await call('PUT', `/automa/db/notes/${doc.id}`, { v: 4 }, { 'if-match': '*' })).status, 200);
  assertError(await call('PUT', `/automa/db/notes/${ABSENT_ID}`, { v: 1 }), 404, 'not_found');
  assertError(await call('PUT', `/automa/db/notes/${ABSENT_ID}`, { v: 1 }, { 'if-match': first }), 404, 'not_found');
  assertError(await call('PUT', `/automa/db/elsewhere/${doc.id}`, { v: 1 }), 404, 'not_found');
  assert.equal(((await call('GET', `/automa/db/notes/${doc.id}`)).body as Doc).v, 4);
});

test('PATCH applies an RFC 7396 merge patch (null deletes, objects merge, arrays replace) with either JSON type', async (t) => {
  const { call, create, url } = await start(t);
  for (const contentType of ['application/merge-patch+json', 'application/merge-patch+json; charset=utf-8', 'application/json']) {
    const { doc, etag } = await create('notes', { title: 't', tags: ['a', 'b'], meta: { a: 1, b: { c: 2, d: 3 } }, gone: 1 });
    const patch = { meta: { b: { c: null, e: 4 } }, gone: null, tags: ['z'], added: { deep: true }, id: null, create_time: null };
    const res = await fetch(`${url}/automa/db/notes/${doc.id}`, {
      method: 'PATCH',
      headers: { 'content-type': contentType },
      body: JSON.stringify(patch),
    });
    assert.equal(res.status, 200, `${contentType}: ${await res.clone().text()}`);
    const patched = (await res.json()) as Doc;
    assert.deepEqual(patched, {
      title: 't',
      tags: ['z'],
      meta: { a: 1, b: { d: 3, e: 4 } },
      added: { deep: true },
      id: doc.id,
      create_time: doc.create_time,
      update_time: patched.update_time,
    });
    assert.ok(patched.update_time > doc.update_time);
    assert.notEqual(res.headers.get('etag'), etag);
    assert.deepEqual((await call('GET', `/automa/db/notes/${doc.id}`)).body, patched, contentType);
  }
});

test('PATCH with If-Match: match → 200, stale → 412 and unchanged; absent → 404', async (t) => {
  const { call, create } = await start(t);
  const { doc, etag } = await create('notes', { v: 0, keep: 'yes' });
  const ok = await call('PATCH', `/automa/db/notes/${doc.id}`, { v: 1 }, { 'if-match': etag });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { ...doc, v: 1, update_time: (ok.body as Doc).update_time });
  assertError(await call('PATCH', `/automa/db/notes/${doc.id}`, { v: 2 }, { 'if-match': etag }), 412, 'precondition_failed');
  const now = await call('GET', `/automa/db/notes/${doc.id}`);
  assert.deepEqual(now.body, ok.body);
  assert.equal(now.etag, ok.etag);
  assertError(await call('PATCH', `/automa/db/notes/${ABSENT_ID}`, { v: 1 }), 404, 'not_found');
  assertError(await call('PATCH', `/automa/db/notes/${ABSENT_ID}`, { v: 1 }, { 'if-match': etag }), 404, 'not_found');
});

test('DELETE a document: 204, then it is gone (GET and DELETE 404)', async (t) => {
  const { call, create } = await start(t);
  const { doc } = await create('notes', { a: 1 });
  const { doc: other } = await create('notes', { a: 2 });
  const deleted = await call('DELETE', `/automa/db/notes/${doc.id}`);
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, undefined);
  assertError(await call('GET', `/automa/db/notes/${doc.id}`), 404, 'not_found');
  assertError(await call('DELETE', `/automa/db/notes/${doc.id}`), 404, 'not_found');
  assertError(await call('DELETE', `/automa/db/other/${other.id}`), 404, 'not_found');
  assert.equal((await call('GET', `/automa/db/notes/${other.id}`)).status, 200, 'the neighbour is untouched');
});

test('GET /automa/db lists collections with counts; default always exists', async (t) => {
  const { call, create } = await start(t);
  assert.deepEqual((await call('GET', '/automa/db')).body, { collections: [{ name: 'default', count: 0 }] });
  await create('notes', { a: 1 });
  await create('notes', { a: 2 });
  const { doc } = await create('jobs-2026_x', { a: 3 });
  await create('default', { a: 4 });
  await call('DELETE', `/automa/db/jobs-2026_x/${doc.id}`);
  assert.deepEqual((await call('GET', '/automa/db')).body, {
    collections: [
      { name: 'default', count: 1 },
      { name: 'jobs-2026_x', count: 0 },
      { name: 'notes', count: 2 },
    ],
  });
});

test('DELETE a collection: 204 and its documents go; unknown → 404; default → 400 and kept', async (t) => {
  const { call, create } = await start(t);
  const { doc } = await create('scratch', { a: 1 });
  const { doc: kept } = await create('default', { a: 2 });
  assert.equal((await call('DELETE', '/automa/db/scratch')).status, 204);
  assertError(await call('GET', `/automa/db/scratch/${doc.id}`), 404, 'not_found');
  assert.deepEqual((await call('GET', '/automa/db/scratch')).body, { items: [], next_cursor: null });
  assertError(await call('DELETE', '/automa/db/scratch'), 404, 'not_found');
  assertError(await call('DELETE', '/automa/db/never-made'), 404, 'not_found');
  assertError(await call('DELETE', '/automa/db/default'), 400, 'bad_request');
  assert.equal((await call('GET', `/automa/db/default/${kept.id}`)).status, 200);
  assert.deepEqual((await call('GET', '/automa/db')).body, { collections: [{ name: 'default', count: 1 }] });
});

test('concurrent writes: merge patches never lose each other; one If-Match wins, the rest get 412', async (t) => {
  const { call, create } = await start(t);
  const { doc, etag } = await create('notes', { base: true });
  const patches = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call('PATCH', `/automa/db/notes/${doc.id}`, { [`k${i}`]: i })),
  );
  assert.ok(patches.every((p) => p.status === 200));
  const merged = (await call('GET', `/automa/db/notes/${doc.id}`)).body as Doc;
  for (let i = 0; i < 20; i++) assert.equal(merged[`k${i}`], i, `patch k${i} survived`);
  assert.equal(new Set(patches.map((p) => p.etag)).size, 20, 'every write made its own revision');

  const current = (await call('GET', `/automa/db/notes/${doc.id}`)).etag ?? etag;
  const racing = await Promise.all(
    Array.from({ length: 10 }, (_, i) => call('PUT', `/automa/db/notes/${doc.id}`, { winner: i }, { 'if-match': current })),
  );
  assert.deepEqual(racing.map((r) => r.status).sort(), [200, ...Array<number>(9).fill(412)]);
  const winner = racing.find((r) => r.status === 200);
  assert.deepEqual((await call('GET', `/automa/db/notes/${doc.id}`)).body, winner?.body);
});
