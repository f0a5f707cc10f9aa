import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { OPTIONS } from '../../src/config/index.js';
import { DATABASE_FILE } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';
import { closedPort, runBin, startService, stopService } from './service.js';

test('--help prints every flag and exits 0', async () => {
  const result = await runBin(['--help']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: comfyui-automa/);
  for (const option of OPTIONS) assert.ok(result.stdout.includes(`--${option.flag}`), option.flag);
  assert.equal(result.stderr, '');
});

test('bad flags: every problem on stderr, nothing on stdout, exit code 2', async () => {
  const dir = makeTempDir('automa-cli-');
  try {
    const result = await runBin([
      '--port', 'eighty',
      '--comfyui', 'ftp://nope',
      '--log-level', 'shouty',
      '--max-upload-size', '-1',
      '--no-such-flag',
      '--data-dir', dir.dir,
    ]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    for (const needle of ['--port', 'ftp://nope', '--log-level', '--max-upload-size', '--no-such-flag']) {
      assert.ok(result.stderr.includes(needle), `stderr mentions ${needle}:\n${result.stderr}`);
    }
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'a list of problems, not a stack trace');
  } finally {
    dir.remove();
  }
});

test('a port already in use: a clear message and exit code 1', async (t) => {
  const first = makeTempDir('automa-cli-');
  const second = makeTempDir('automa-cli-');
  t.after(() => {
    first.remove();
    second.remove();
  });
  const backend = `http://127.0.0.1:${await closedPort()}`;
  const running = await startService(['--data-dir', first.dir, '--comfyui', backend]);
  t.after(() => stopService(running));
  const result = await runBin(['--port', String(running.port), '--data-dir', second.dir, '--comfyui', backend, '--log-level', 'silent']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${running.port}: .*EADDRINUSE`));
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'a reason, not a stack trace');
  assert.deepEqual(
    fs.readdirSync(second.dir).filter((name) => name.startsWith(DATABASE_FILE)),
    [DATABASE_FILE],
    'the store it opened was closed cleanly (no -wal or -shm left)',
  );
  assert.equal((await fetch(`${running.url}/automa/health`)).status, 200, 'the first service is unharmed');
});

test('a data dir that cannot hold the database: a one-line reason and exit code 1', async (t) => {
  const temp = makeTempDir('automa-cli-');
  t.after(temp.remove);
  const file = path.join(temp.dir, 'a-file');
  fs.writeFileSync(file, 'not a directory');
  const notDatabase = path.join(temp.dir, 'not-db');
  fs.mkdirSync(notDatabase);
  fs.writeFileSync(path.join(notDatabase, DATABASE_FILE), 'this is not SQLite '.repeat(100));
  const backend = `http://127.0.0.1:${await closedPort()}`;
  for (const [dataDir, expected] of [
    [path.join(file, 'sub'), /ENOTDIR/],
    [notDatabase, /not a database/],
  ] as const) {
    const result = await runBin(['--port', '0', '--data-dir', dataDir, '--comfyui', backend]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot open the database in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    assert.match(result.stderr, expected);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'a reason, not a stack trace');
  }
  assert.equal(fs.readFileSync(path.join(notDatabase, DATABASE_FILE), 'utf8').slice(0, 18), 'this is not SQLite', 'the foreign file is left alone');
});
