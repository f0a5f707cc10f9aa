import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { createSqliteStore, DATABASE_FILE } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
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

test('a clean close checkpoints the WAL into the database file and removes -wal and -shm', async (t) => {
  const dir = tempDir(t);
  const store = createSqliteStore({ dataDir: dir });
  await store.documents.create('default', { a: 1 });
  assert.ok(fs.existsSync(path.join(dir, `${DATABASE_FILE}-wal`)), 'WAL mode while open');
  await store.close();
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.startsWith(DATABASE_FILE)), [DATABASE_FILE]);
});
