import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import type { DocumentStore, Store } from '../../src/store/index.js';
import { createPostgresDocumentStore } from '../../src/store/postgres/documents.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { createSqliteDocumentStore } from '../../src/store/sqlite/documents.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { makeTempDir } from '../helpers/app.js';
import { openSharedTestStore, openTestStore, STORE_KINDS, type StoreKind } from '../helpers/stores.js';

const ABSENT = '00000000-0000-4000-8000-000000000000';

/** A document store of `kind` whose clock the test moves. */
async function documentsWithClock(kind: StoreKind, t: Parameters<typeof openTestStore>[1], now: () => Date): Promise<DocumentStore> {
  if (kind === 'postgres') {
    const store = (await openTestStore(kind, t)) as PostgresStore;
    return createPostgresDocumentStore(store.db, now);
  }
  const temp = makeTempDir();
  t.after(temp.remove);
  const db = openSqliteDatabase(`${temp.dir}/automa.sqlite`);
  t.after(() => db.close());
  return createSqliteDocumentStore(db, now);
}

const ids = (page: { items: readonly { id: string }[] }): string[] => page.items.map((item) => item.id);

for (const kind of STORE_KINDS) {
  test(`${kind}: a new store has the default collection, empty`, async (t) => {
    const store = await openTestStore(kind, t);
    assert.deepEqual(await store.documents.collections(), [{ name: 'default', count: 0 }]);
    assert.equal(await store.ping(), true);
    await store.close();
    assert.equal(await store.ping(), false, 'a closed store says so');
  });

  test(`${kind}: documents survive close and reopen`, async (t) => {
    const { store: first, another } = await openSharedTestStore(kind, t);
    const created = await first.documents.create('notes', { text: 'hello', n: 1, nested: { list: [1, 'two', null] } });
    await first.documents.create('default', { x: true });
    await first.close();

    const second = await another();
    assert.deepEqual(await second.documents.get('notes', created.document.id), created);
    assert.deepEqual(await second.documents.collections(), [
      { name: 'default', count: 1 },
      { name: 'notes', count: 1 },
    ]);
  });

  test(`${kind}: server fields are the store's: ids are UUID v4, times ISO 8601 UTC with ms, client copies ignored`, async (t) => {
    const { documents } = await openTestStore(kind, t);
    const { document, revision } = await documents.create('default', {
      id: 'mine',
      create_time: '2000-01-01T00:00:00.000Z',
      update_time: '2000-01-01T00:00:00.000Z',
      keep: 1,
    });
    assert.match(document.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(document.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(document.update_time, document.create_time);
    assert.equal(document.keep, 1);
    assert.equal(revision, 1);
  });

  test(`${kind}: update_time advances on every write even when the clock stands still or steps back`, async (t) => {
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const documents = await documentsWithClock(kind, t, () => new Date(clock));
    const created = await documents.create('default', { v: 0 });
    const replaced = await documents.replace('default', created.document.id, { v: 1 });
    clock -= 60_000; // NTP stepped the clock back a minute
    const patched = await documents.patch('default', created.document.id, { v: 2 });
    assert.ok(replaced && patched);
    assert.equal(replaced.document.create_time, created.document.create_time);
    assert.equal(patched.document.create_time, created.document.create_time);
    assert.ok(replaced.document.update_time > created.document.update_time, `${replaced.document.update_time} > ${created.document.update_time}`);
    assert.ok(patched.document.update_time > replaced.document.update_time, `${patched.document.update_time} > ${replaced.document.update_time}`);
    assert.deepEqual(await documents.get('default', created.document.id), patched, 'what the write returned is what is stored');
  });

  test(`${kind}: a revision mismatch throws 412 and changes nothing; absent documents are undefined`, async (t) => {
    const docs = (await openTestStore(kind, t)).documents;
    const created = await docs.create('default', { v: 0 });
    const id = created.document.id;
    for (const write of [
      () => docs.replace('default', id, { v: 1 }, { expectedRevision: 2 }),
      () => docs.patch('default', id, { v: 1 }, { expectedRevision: 0 }),
    ]) {
      await assert.rejects(write, (err: unknown) => err instanceof AppError && err.status === 412);
    }
    assert.deepEqual(await docs.get('default', id), created);
    const ok = await docs.patch('default', id, { v: 1 }, { expectedRevision: 1 });
    assert.equal(ok?.revision, 2);

    assert.equal(await docs.replace('default', ABSENT, { v: 1 }), undefined);
    assert.equal(await docs.patch('default', ABSENT, { v: 1 }), undefined);
    assert.equal(await docs.remove('default', ABSENT), false);
    assert.equal(await docs.get('other', id), undefined, 'a document lives in one collection only');
    assert.equal(await docs.replace('other', id, { v: 9 }), undefined);
    assert.equal(await docs.remove('other', id), false);
    assert.deepEqual((await docs.get('default', id))?.document.v, 1);
    assert.equal(await docs.remove('default', id), true);
    assert.equal(await docs.get('default', id), undefined);
  });

  test(`${kind}: dropping a collection removes its documents; default cannot be dropped`, async (t) => {
    const docs = (await openTestStore(kind, t)).documents;
    const doomed = await docs.create('doomed', { a: 1 });
    await docs.create('doomed', { a: 2 });
    const kept = await docs.create('default', { a: 3 });
    assert.equal(await docs.dropCollection('doomed'), true);
    assert.equal(await docs.dropCollection('doomed'), false);
    assert.equal(await docs.dropCollection('default'), false);
    assert.equal(await docs.get('doomed', doomed.document.id), undefined);
    assert.deepEqual((await docs.list('doomed', { order: 'desc', limit: 10 })).items, []);
    assert.deepEqual(await docs.get('default', kept.document.id), kept);
    assert.deepEqual(await docs.collections(), [{ name: 'default', count: 1 }]);
    // The name can be used again, starting empty.
    await docs.create('doomed', { a: 4 });
    assert.deepEqual(await docs.collections(), [
      { name: 'default', count: 1 },
      { name: 'doomed', count: 1 },
    ]);
  });

  test(`${kind}: collections are listed in byte order of their names`, async (t) => {
    const docs = (await openTestStore(kind, t)).documents;
    for (const name of ['b', 'B', 'a_b', 'ab', 'é', 'Z', '_x']) await docs.create(name, {});
    assert.deepEqual(
      (await docs.collections()).map((c) => c.name),
      ['B', 'Z', '_x', 'a_b', 'ab', 'b', 'default', 'é'],
    );
  });

  test(`${kind}: where-filters match top-level fields by JSON type; server fields by their columns`, async (t) => {
    const docs = (await openTestStore(kind, t)).documents;
    const made: Record<string, string> = {};
    const bodies: Record<string, Record<string, unknown>> = {
      num: { v: 5 },
      float: { v: 5.5 },
      str: { v: '5' },
      yes: { v: true },
      strTrue: { v: 'true' },
      nested: { w: { v: 5 }, x: '"v":5' },
      nul: { v: 'a\u0000b', lone: '\ud800' },
      fifty: { v: 50 },
      zero: { v: -0 },
    };
    for (const [name, body] of Object.entries(bodies)) made[name] = (await docs.create('c', body)).document.id;
    const find = async (where: Record<string, string | number | boolean>): Promise<string[]> => {
      const page = await docs.list('c', { order: 'asc', limit: 100, where });
      const text = await docs.listJson('c', { order: 'asc', limit: 100, where });
      assert.deepEqual(text.items, page.items.map((item) => JSON.stringify(item)));
      return ids(page);
    };
    assert.deepEqual(await find({ v: 5 }), [made.num]);
    assert.deepEqual(await find({ v: 5.0 }), [made.num], '5.0 is 5');
    assert.deepEqual(await find({ v: '5' }), [made.str]);
    assert.deepEqual(await find({ v: true }), [made.yes]);
    assert.deepEqual(await find({ v: 'true' }), [made.strTrue]);
    assert.deepEqual(await find({ v: 0 }), [made.zero]);
    assert.deepEqual(await find({ v: 'a\u0000b' }), [made.nul]);
    assert.deepEqual(await find({ lone: '\ud800' }), [], 'a stored lone surrogate equals no filter text (SQLite reads it as bytes UTF-8 never holds)');
    assert.deepEqual(await find({ v: 'a\u0000b', w: 'x' }), [], 'every filter must match');
    assert.deepEqual(await find({ v: 6 }), []);
    assert.deepEqual(await find({ missing: 'x' }), []);
    assert.deepEqual(await find({ id: made.float ?? '' }), [made.float]);
    assert.deepEqual(await find({ id: 5 }), [], 'server fields are strings');
    const created = (await docs.get('c', made.yes ?? ''))?.document.create_time;
    assert.ok((await find({ create_time: created ?? '' })).includes(made.yes ?? ''));
  });

  test(`${kind}: filtered pages fill up past rows that only look like matches, and cursors resume after the last item`, async (t) => {
    const docs = (await openTestStore(kind, t)).documents;
    const matching: string[] = [];
    for (let i = 0; i < 30; i++) {
      // Most rows hold the filter's text in a nested object only.
      const body = i % 3 === 0 ? { kind: 'k', i } : { inner: { kind: 'k' }, i };
      const { document } = await docs.create('mixed', body);
      if (i % 3 === 0) matching.push(document.id);
    }
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await docs.list('mixed', { order, limit: 3, where: { kind: 'k' }, ...(cursor !== undefined && { cursor }) });
        assert.ok(page.items.length === 3 || page.nextCursor === null, 'a page is full unless it is the last');
        seen.push(...ids(page));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined && pages < 20);
      assert.deepEqual(seen, order === 'asc' ? matching : [...matching].reverse());
      assert.equal(pages, 4, 'ten matches in pages of three');
    }
    await assert.rejects(docs.list('mixed', { order: 'asc', limit: 3, cursor: 'not a cursor' }), (err: unknown) => err instanceof AppError && err.status === 400);
  });
}

test('postgres: two gateways writing one document with If-Match: exactly one of each pair wins', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  const { document } = await a.documents.create('shared', { n: 0 });
  for (let round = 1; round <= 10; round++) {
    const results = await Promise.allSettled(
      [a, b].map((store: Store, i) => store.documents.patch('shared', document.id, { n: round, by: i }, { expectedRevision: round })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: one write wins`);
    const lost = results.find((r) => r.status === 'rejected');
    assert.ok(lost?.status === 'rejected' && lost.reason instanceof AppError && lost.reason.status === 412);
  }
  const final = await b.documents.get('shared', document.id);
  assert.equal(final?.revision, 11);
  assert.equal(final?.document.n, 10);
});

test('postgres: unconditional writes from two gateways all land, one after the other', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  const { document } = await a.documents.create('shared', { list: [] });
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).documents.patch('shared', document.id, { [`k${i}`]: i })),
  );
  const final = await a.documents.get('shared', document.id);
  assert.equal(final?.revision, 21, 'no write was lost');
  for (let i = 0; i < 20; i++) assert.equal(final?.document[`k${i}`], i);
});

test('postgres: a collection dropped while another gateway creates in it never fails the create', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  for (let round = 0; round < 10; round++) {
    await a.documents.create('churn', { round });
    const [created] = await Promise.all([b.documents.create('churn', { round, late: true }), a.documents.dropCollection('churn')]);
    // Either the drop took it, or it came after the drop and the collection exists again.
    const found = await a.documents.get('churn', created.document.id);
    const names = (await a.documents.collections()).map((c) => c.name);
    assert.equal(found !== undefined, names.includes('churn'));
    await a.documents.dropCollection('churn');
  }
});
