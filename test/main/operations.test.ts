/**
 * What an operator sees running the service: --version, one "listening" line, and a clean stop
 * that logs no warning.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startFakeComfy } from '../fake-comfy/server.js';
import { makeTempDir } from '../helpers/app.js';
import { ROOT, runBin, startService, stopService } from './service.js';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('--version prints the package version and exits 0', async () => {
  const result = await runBin(['--version']);
  assert.deepEqual({ code: result.code, stdout: result.stdout, stderr: result.stderr }, { code: 0, stdout: `${version}\n`, stderr: '' });
  assert.equal((await runBin(['-v'])).stdout, `${version}\n`);
});

test('one "listening" line at start, and SIGTERM with a backend connected logs no warning after "shutting down"', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const data = makeTempDir('automa-ops-');
  t.after(data.remove);
  const service = await startService(['--data-dir', data.dir, '--comfyui', fake.url]);
  t.after(() => stopService(service));
  await service.waitForLog((line) => line.msg === 'backend up and reconciled');
  const listening = service.logs.filter((line) => /listening/i.test(String(line.msg)));
  assert.equal(listening.length, 1, JSON.stringify(listening));

  service.child.kill('SIGTERM');
  assert.deepEqual(await service.exited, { code: 0, signal: null });
  const from = service.logs.findIndex((line) => line.msg === 'shutting down');
  assert.ok(from >= 0);
  const after = service.logs.slice(from);
  assert.ok(after.some((line) => line.msg === 'stopped'));
  assert.deepEqual(after.filter((line) => (line.level ?? 0) >= 40), [], 'a clean stop logs no warnings');
});
