import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { AppError } from '../../src/errors.js';
import { createSqliteStore, DATABASE_FILE } from '../../src/store/index.js';
import { createSqliteDocumentStore } from '../../src/store/sqlite/documents.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { makeTempDir } from '../helpers/app.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const temp = makeTempDir('automa-store-');
  t.after(temp.remove);
  return temp.dir;
}

test('a new database is migrated to the latest version, in WAL mode, with the default collection', async (t) => {
  const dir = tempDir(t);
  const store = createSqliteStore({ dataDir: dir });
  t.after(() => store.close());
  assert.deepEqual(await store.documents.collections(), [{ name: 'default', count: 0 }]);
  assert.equal(await store.ping(), true);
  await store.close();
  assert.equal(await store.ping(), false, 'a closed store says so');

  const db = new DatabaseSync(path.join(dir, DATABASE_FILE), { readOnly: true });
  t.after(() => db.close());
  assert.equal(db.prepare('PRAGMA user_version').get()?.user_version, MIGRATIONS.at(-1)?.version);
  assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
    'migrations are numbered 1, 2, 3… without gaps',
  );
});

test('documents survive close and reopen; migrations do not run twice', async (t) => {
  const dir = tempDir(t);
  const first = createSqliteStore({ dataDir: dir });
  const created = await first.documents.create('notes', { text: 'hello', n: 1, nested: { list: [1, 'two', null] } });
  await first.documents.create('default', { x: true });
  await first.close();

  const second = createSqliteStore({ dataDir: dir });
  t.after(() => second.close());
  const again = await second.documents.get('notes', created.document.id);
  assert.deepEqual(again, created);
  assert.deepEqual(await second.documents.collections(), [
    { name: 'default', count: 1 },
    { name: 'notes', count: 1 },
  ]);
});

test('server fields are the store\'s: ids are UUID v4, times ISO 8601 UTC with ms, client copies ignored', async (t) => {
  const store = createSqliteStore({ dataDir: tempDir(t) });
  t.after(() => store.close());
  const { document, revision } = await store.documents.create('default', {
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

test('update_time advances on every write even when the clock stands still or steps back', async (t) => {
  const db = openSqliteDatabase(path.join(tempDir(t), DATABASE_FILE));
  t.after(() => db.close());
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const documents = createSqliteDocumentStore(db, () => new Date(clock));
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

test('a revision mismatch throws 412 and changes nothing; absent documents are undefined', async (t) => {
  const store = createSqliteStore({ dataDir: tempDir(t) });
  t.after(() => store.close());
  const docs = store.documents;
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

  const absent = '00000000-0000-4000-8000-000000000000';
  assert.equal(await docs.replace('default', absent, { v: 1 }), undefined);
  assert.equal(await docs.patch('default', absent, { v: 1 }), undefined);
  assert.equal(await docs.remove('default', absent), false);
  assert.equal(await docs.get('other', id), undefined, 'a document lives in one collection only');
  assert.equal(await docs.replace('other', id, { v: 9 }), undefined);
  assert.equal(await docs.remove('other', id), false);
  assert.deepEqual((await docs.get('default', id))?.document.v, 1);
});

test('dropping a collection removes its documents; default cannot be dropped', async (t) => {
  const store = createSqliteStore({ dataDir: tempDir(t) });
  t.after(() => store.close());
  const docs = store.documents;
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

test('a clean close checkpoints the WAL into the database file and removes -wal and -shm', async (t) => {
  const dir = tempDir(t);
  const store = createSqliteStore({ dataDir: dir });
  await store.documents.create('default', { a: 1 });
  assert.ok(fs.existsSync(path.join(dir, `${DATABASE_FILE}-wal`)), 'WAL mode while open');
  await store.close();
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith(DATABASE_FILE)), [DATABASE_FILE]);
});
