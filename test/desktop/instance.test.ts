import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { claimInstance } from '../../src/desktop/instance.js';
import { makeTempDir, startTestApp } from '../helpers/app.js';

test('the first launch claims the data folder; a second finds it over loopback once published', async (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const lock = path.join(temp.dir, 'desktop.lock');
  const first = await claimInstance(lock);
  assert.equal(first.kind, 'claimed');
  const service = await startTestApp();
  t.after(() => service.close());
  if (first.kind !== 'claimed') return;
  first.publish(service.url);
  const second = await claimInstance(lock);
  assert.deepEqual(second, { kind: 'running', pid: process.pid, url: service.url });
  first.release();
  assert.equal(fs.existsSync(lock), false);
});

test('a lock left by a process that is gone is taken over', async (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const lock = path.join(temp.dir, 'desktop.lock');
  // A pid that cannot exist (above Linux's pid_max, and Windows pids are multiples of 4).
  fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 1, url: 'http://127.0.0.1:9' }));
  const claim = await claimInstance(lock);
  assert.equal(claim.kind, 'claimed');
  assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
});

test('a lock naming a live process whose URL does not answer as the service is not taken over', async (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  // Something else on the port: it answers, but not as comfyui-automa.
  const other = http.createServer((_, res) => res.end('not us'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  t.after(() => other.close());
  const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  const lock = path.join(temp.dir, 'desktop.lock');
  fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, url }));
  assert.deepEqual(await claimInstance(lock), { kind: 'running', pid: process.ppid, url: null });
  assert.equal(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.ppid, 'the lock was changed');
});
