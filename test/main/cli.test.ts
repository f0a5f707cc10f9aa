import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPTIONS } from '../../src/config/index.js';
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
  assert.match(result.stderr, /EADDRINUSE/);
  assert.equal((await fetch(`${running.url}/automa/health`)).status, 200, 'the first service is unharmed');
});
