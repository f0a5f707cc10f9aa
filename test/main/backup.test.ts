import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createSqliteStore, DATABASE_FILE } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';
import { closedPort, runBin, startService, stopService } from './service.js';

test('backup copies the database while the service runs and keeps writing', async (t) => {
  const data = makeTempDir('automa-backup-');
  const out = makeTempDir('automa-backup-out-');
  t.after(() => {
    data.remove();
    out.remove();
  });
  const service = await startService(['--data-dir', data.dir, '--comfyui', `http://127.0.0.1:${await closedPort()}`]);
  t.after(() => stopService(service));
  const post = (i: number) =>
    fetch(`${service.url}/automa/db/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) });
  for (let i = 0; i < 50; i++) assert.equal((await post(i)).status, 201);

  // Writers keep going during the backup: it must neither block them nor fail because of them.
  let writing = true;
  let writes = 0;
  const writer = (async () => {
    while (writing) {
      assert.equal((await post(1000 + writes)).status, 201);
      writes++;
    }
  })();
  const file = path.join(out.dir, 'copy.sqlite');
  const result = await runBin(['backup', file, '--data-dir', data.dir]);
  writing = false;
  await writer;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /backed up .* to .*copy\.sqlite \(\d+ bytes\)/);
  assert.ok(writes > 0, 'the service took writes while the backup ran');
  assert.deepEqual(fs.readdirSync(out.dir), ['copy.sqlite'], 'no partial file left beside it');

  // The copy is a complete database of its own: the service's store opens it and finds the notes.
  const restoreDir = makeTempDir('automa-restore-');
  t.after(() => restoreDir.remove());
  fs.copyFileSync(file, path.join(restoreDir.dir, DATABASE_FILE));
  const restored = createSqliteStore({ dataDir: restoreDir.dir });
  t.after(() => restored.close());
  const notes = (await restored.documents.collections()).find((c) => c.name === 'notes');
  assert.ok(notes !== undefined && notes.count >= 50 && notes.count <= 50 + writes, JSON.stringify(notes));
});

test('backup: a clear error and non-zero exit without a file or without a database', async () => {
  const empty = makeTempDir('automa-backup-empty-');
  try {
    const missing = await runBin(['backup']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /usage: comfyui-automa backup <file>/);
    const noDb = await runBin(['backup', path.join(empty.dir, 'x.sqlite'), '--data-dir', path.join(empty.dir, 'nothing-here')]);
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /no database at/);
    assert.doesNotMatch(noDb.stderr, /\n\s+at /);
  } finally {
    empty.remove();
  }
});
