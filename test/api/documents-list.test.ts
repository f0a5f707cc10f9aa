import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startTestApp } from '../helpers/app.js';

type Doc = Record<string, unknown> & { id: string };
interface Page {
  items: Doc[];
  next_cursor: string | null;
}

async function start(t: TestContext) {
  const app = await startTestApp();
  t.after(() => app.close());
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const create = async (collection: string, body: Record<string, unknown>): Promise<Doc> => {
    const reply = await request('POST', `/automa/db/${collection}`, body);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    return reply.body as Doc;
  };
  /** Creates one after the other, so their order is known. */
  const createMany = async (collection: string, count: number) => {
    const docs: Doc[] = [];
    for (let i = 0; i < count; i++) docs.push(await create(collection, { i }));
    return docs;
  };
  const list = async (collection: string, query = ''): Promise<Page> => {
    const reply = await request('GET', `/automa/db/${collection}${query === '' ? '' : `?${query}`}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body as Page;
  };
  /** Follows next_cursor to the end; returns every page. */
  const pages = async (collection: string, query: string, between: () => Promise<void> = async () => {}): Promise<Page[]> => {
    const all: Page[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(collection, cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`);
      all.push(page);
      cursor = page.next_cursor;
      await between();
    } while (cursor !== null);
    return all;
  };
  return { request, create, createMany, list, pages };
}

const ids = (docs: readonly Doc[]): string[] => docs.map((d) => d.id);

test('newest first by default; order=asc and order=desc', async (t) => {
  const { createMany, list } = await start(t);
  const docs = await createMany('notes', 5);
  assert.deepEqual(ids((await list('notes')).items), ids(docs).reverse());
  assert.deepEqual(ids((await list('notes', 'order=desc')).items), ids(docs).reverse());
  assert.deepEqual(ids((await list('notes', 'order=asc')).items), ids(docs));
  assert.equal((await list('notes')).next_cursor, null, 'one page: no cursor');
  assert.deepEqual((await list('notes')).items[0], docs.at(-1), 'items are whole documents');
});

test('limit: default 50, 1..500 accepted, anything else 400', async (t) => {
  const { createMany, list, request } = await start(t);
  await createMany('notes', 51);
  const first = await list('notes');
  assert.equal(first.items.length, 50);
  assert.ok(first.next_cursor);
  assert.equal((await list('notes', 'limit=1')).items.length, 1);
  assert.equal((await list('notes', 'limit=500')).items.length, 51);
  assert.equal((await list('notes', 'limit=500')).next_cursor, null);
  for (const bad of ['0', '501', '-1', '1.5', 'abc', '', '1e3']) {
    const reply = await request('GET', `/automa/db/notes?limit=${bad}`);
    assert.equal(reply.status, 400, `limit=${bad}: ${JSON.stringify(reply.body)}`);
    assert.equal((reply.body as { error: { type: string } }).error.type, 'bad_request');
  }
});

test('cursor paging visits every document exactly once, in order, both ways', async (t) => {
  const { createMany, pages } = await start(t);
  const docs = await createMany('notes', 23);
  for (const [order, expected] of [['desc', ids(docs).reverse()], ['asc', ids(docs)]] as const) {
    for (const limit of [1, 5, 23, 50]) {
      const walked = await pages('notes', `order=${order}&limit=${limit}`);
      assert.deepEqual(walked.flatMap((p) => ids(p.items)), expected, `${order} limit=${limit}`);
      assert.ok(walked.every((p) => p.items.length > 0), `${order} limit=${limit}: no empty trailing page`);
      assert.equal(walked.length, Math.ceil(23 / limit));
    }
  }
  // A collection that divides evenly into pages ends on a full page with next_cursor null.
  const even = await createMany('even', 10);
  const walked = await pages('even', 'limit=5');
  assert.deepEqual(walked.map((p) => p.items.length), [5, 5]);
  assert.deepEqual(walked.flatMap((p) => ids(p.items)), ids(even).reverse());
});

test('cursors stay stable while documents are inserted and deleted between and during pages', async (t) => {
  const { createMany, create, list, pages, request } = await start(t);
  const original = await createMany('notes', 12);
  let added: Doc[] = [];
  const insertThree = async (): Promise<void> => {
    added = added.concat(await Promise.all([1, 2, 3].map((k) => create('notes', { added: k }))));
  };

  // Newest first: new documents are newer than the cursor, so they never show up mid-walk.
  const desc = await pages('notes', 'limit=4', insertThree);
  assert.deepEqual(desc.flatMap((p) => ids(p.items)), ids(original).reverse());

  // Oldest first: new documents come after everything seen, each exactly once.
  added = [];
  const before = (await pages('notes', 'order=asc&limit=500')).flatMap((p) => ids(p.items));
  const asc = (await pages('notes', 'order=asc&limit=5', insertThree)).flatMap((p) => ids(p.items));
  assert.deepEqual(asc.slice(0, before.length), before);
  assert.equal(new Set(asc).size, asc.length, 'no document twice');
  assert.ok(asc.length >= before.length + 3, 'documents added during the walk are reached');
  for (const id of asc.slice(before.length)) assert.ok(ids(added).includes(id));

  // Deleting the document a cursor points at does not break the walk.
  const fresh = await createMany('fresh', 6);
  const page1 = await list('fresh', 'limit=2');
  assert.ok(page1.next_cursor);
  const cursorDoc = page1.items.at(-1);
  assert.ok(cursorDoc);
  assert.equal((await request('DELETE', `/automa/db/fresh/${cursorDoc.id}`)).status, 204);
  const rest = await request('GET', `/automa/db/fresh?limit=500&cursor=${encodeURIComponent(page1.next_cursor)}`);
  assert.deepEqual(ids((rest.body as Page).items), ids(fresh).reverse().slice(2));

  // Concurrent: pages and inserts in flight at the same time.
  const busy = await createMany('busy', 20);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const [page] = await Promise.all([
      request('GET', `/automa/db/busy?${query}`).then((r) => r.body as Page),
      create('busy', { noise: 1 }),
      create('busy', { noise: 2 }),
    ]);
    seen.push(...ids(page.items).filter((id) => ids(busy).includes(id)));
    if (cursor !== null) assert.ok(page.items.every((d) => d.noise === undefined), 'no newer document slips into a desc walk');
    cursor = page.next_cursor;
  } while (cursor !== null);
  assert.deepEqual(seen, ids(busy).reverse());
});

test('where.<field>=<value> filters strings, numbers and booleans by JSON type', async (t) => {
  const { create, list, pages } = await start(t);
  const a = await create('jobs', { status: 'done', n: 1, ok: true, zip: '0123' });
  const b = await create('jobs', { status: 'todo', n: 2, ok: false, zip: '123' });
  const c = await create('jobs', { status: 'done', n: '1', ok: 'true' });
  const d = await create('jobs', { status: '1', n: 1.5, ok: true, zip: 123 });
  const e = await create('jobs', { other: 'no status' });
  const e2 = await create('jobs', { status: 'Done', note: 'space & = signs' });

  const match = async (query: string): Promise<string[]> => ids((await list('jobs', `order=asc&${query}`)).items);
  assert.deepEqual(await match('where.status=done'), ids([a, c]), 'string equality, case-sensitive');
  assert.deepEqual(await match('where.n=1'), ids([a]), 'number 1, not the string "1"');
  assert.deepEqual(await match('where.n=1.5'), ids([d]));
  assert.deepEqual(await match('where.n=%221%22'), ids([c]), 'a quoted value is a string');
  assert.deepEqual(await match('where.ok=true'), ids([a, d]), 'boolean true, not the string "true"');
  assert.deepEqual(await match('where.ok=false'), ids([b]));
  assert.deepEqual(await match('where.ok=%22true%22'), ids([c]));
  assert.deepEqual(await match('where.status=1'), [], 'the number 1 does not match the string "1"');
  assert.deepEqual(await match('where.status=%221%22'), ids([d]));
  assert.deepEqual(await match('where.zip=0123'), ids([a]), '0123 is not a JSON number, so it is the string');
  assert.deepEqual(await match('where.zip=123'), ids([d]));
  assert.deepEqual(await match('where.note=space%20%26%20%3D%20signs'), ids([e2]), 'URL-encoded values');
  assert.deepEqual(await match('where.status=done&where.n=1'), ids([a]), 'filters combine with AND');
  assert.deepEqual(await match('where.status=nope'), []);
  assert.deepEqual(await match('where.missing=x'), []);
  // The server's own fields filter too, although they are not stored in the body.
  assert.deepEqual(await match(`where.id=${b.id}`), ids([b]));
  const everything = (await list('jobs', 'order=asc')).items;
  const sameTime = everything.filter((doc) => doc.create_time === e.create_time); // several may share a millisecond
  assert.deepEqual(await match(`where.create_time=${encodeURIComponent(String(e.create_time))}`), ids(sameTime));
  assert.ok(ids(sameTime).includes(e.id));
  assert.deepEqual(await match(`where.update_time=${encodeURIComponent(String(e2.update_time))}&where.status=Done`), ids([e2]));
  assert.deepEqual(await match('where.id=5'), []);

  // Filters page with cursors like everything else.
  for (let i = 0; i < 7; i++) await create('jobs', { status: 'done', i });
  const walked = await pages('jobs', 'where.status=done&limit=2');
  const all = walked.flatMap((p) => p.items);
  assert.equal(all.length, 9);
  assert.ok(all.every((doc) => doc.status === 'done'));
  assert.equal(new Set(ids(all)).size, 9);
});

test('an unknown collection lists as empty and is not created by looking', async (t) => {
  const { list, request } = await start(t);
  assert.deepEqual(await list('nobody-home'), { items: [], next_cursor: null });
  assert.deepEqual(await list('nobody-home', 'where.a=1&order=asc&limit=5'), { items: [], next_cursor: null });
  assert.deepEqual((await request('GET', '/automa/db')).body, { collections: [{ name: 'default', count: 0 }] });
});

test('bad list parameters are 400: cursor, order, unknown or malformed filters', async (t) => {
  const { createMany, request } = await start(t);
  await createMany('notes', 3);
  const cursorOf = (value: unknown): string => encodeURIComponent(Buffer.from(JSON.stringify(value)).toString('base64url'));
  for (const query of [
    'cursor=zzz',
    'cursor=!!!',
    `cursor=${cursorOf({ s: -1 })}`,
    `cursor=${cursorOf({ s: 'x' })}`,
    `cursor=${cursorOf([1])}`,
    `cursor=${'A'.repeat(300)}`,
    'order=sideways',
    'order=DESC',
    'sort=asc',
    'where.=x',
    'where.a.b=1',
    'where.a=1&where.a=2',
  ]) {
    const reply = await request('GET', `/automa/db/notes?${query}`);
    assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`);
    const error = (reply.body as { error?: { type?: string; message?: string } }).error;
    assert.equal(error?.type, 'bad_request', query);
    assert.ok(error?.message, query);
  }
});
