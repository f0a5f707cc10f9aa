/**
 * A data directory written by release 0.1.0 (better-sqlite3 on Node 20) opens and reads unchanged
 * on node:sqlite. test/fixtures/data-0.1.0/automa.sqlite was written by that release's store
 * (documents in two collections, one patched; a pending and a finished prompt with a seed of
 * 2^64-1; a runtime backend change; a backend file record), and expected.json is what that
 * release's store read back from it, through the same calls as below.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringifyExactJson } from '../../src/json.js';
import { createSqliteStore, DATABASE_FILE } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'data-0.1.0');

test('a database written by 0.1.0 opens and reads exactly as 0.1.0 read it', async (t) => {
  const temp = makeTempDir();
  t.after(() => temp.remove());
  fs.copyFileSync(path.join(FIXTURE, DATABASE_FILE), path.join(temp.dir, DATABASE_FILE));
  const store = createSqliteStore({ dataDir: temp.dir });
  t.after(() => store.close());
  const read = {
    collections: await store.documents.collections(),
    default: (await store.documents.list('default', { order: 'asc', limit: 10 })).items,
    notes: await store.documents.list('notes', { order: 'asc', limit: 10 }),
    notesJson: await store.documents.listJson('notes', { order: 'desc', limit: 10 }),
    backendChanges: await store.backendChanges.list(),
    backendFile: await store.backendFiles.get({ backend: 'local', type: 'input', subfolder: '', name: 'cat.png' }),
    unfinished: await store.prompts.unfinished(),
    lastSeq: await store.prompts.lastSeq(),
    historyPage: (await store.prompts.historyPageJson(null, null)).toString(),
    jobs: await store.prompts.jobs({
      statuses: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'],
      runningIds: [],
      sortBy: 'created_at',
      order: 'asc',
      limit: null,
      offset: 0,
    }),
  };
  assert.equal(stringifyExactJson(read), fs.readFileSync(path.join(FIXTURE, 'expected.json'), 'utf8'));

  // Its prompts are found by the jobs filters added since (search text filled in by the migration).
  const found = await store.prompts.jobs({ statuses: ['completed', 'pending'], runningIds: [], sortBy: 'created_at', order: 'asc', limit: null, offset: 0, text: '20' });
  assert.deepEqual(found.rows.map((row) => row.record.id), ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222']);
  const none = await store.prompts.jobs({ statuses: ['completed', 'pending'], runningIds: [], sortBy: 'created_at', order: 'asc', limit: null, offset: 0, text: 'ksampler' });
  assert.equal(none.total, 0, 'class names are not searched');

  // And it takes new writes on top of the old data.
  const created = await store.documents.create('notes', { text: 'third' });
  assert.equal((await store.documents.get('notes', created.document.id))?.document['text'], 'third');
  assert.equal((await store.documents.collections()).find((c) => c.name === 'notes')?.count, 2);
});
