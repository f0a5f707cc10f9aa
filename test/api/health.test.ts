import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeComfy } from '../fake-comfy/server.js';
import { startTestApp } from '../helpers/app.js';
import { closedPort } from '../main/service.js';

interface Health {
  status: string;
  version: string;
  uptime_s: number;
  store: { ok: boolean };
  backends: { name: string; url: string; reachable: boolean; last_error: string | null }[];
}

/** A ComfyUI to link to: the fake, with its socket and /system_stats. */
async function systemStatsServer(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  return fake.url;
}

async function health(url: string): Promise<Health> {
  const res = await fetch(`${url}/automa/health`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return (await res.json()) as Health;
}

test('health reports the store and each backend, reachable or not', async (t) => {
  const down = `http://127.0.0.1:${await closedPort()}`;
  const up = await systemStatsServer(t);
  const app = await startTestApp(['--comfyui', `down=${down}`, '--comfyui', `up=${up}`]);
  t.after(() => app.close());
  await app.app.backends.probeAll();

  const body = await health(app.url);
  assert.equal(body.status, 'ok');
  assert.equal(body.version, '0.0.0-test');
  assert.ok(Number.isInteger(body.uptime_s) && body.uptime_s >= 0);
  assert.deepEqual(body.store, { ok: true });
  assert.equal(body.backends.length, 2);
  const [first, second] = body.backends;
  assert.equal(first?.url, down);
  assert.equal(first?.reachable, false);
  assert.ok(first?.last_error, 'says why it is unreachable');
  assert.equal(second?.url, up);
  assert.equal(second?.reachable, true);
  assert.equal(second?.last_error, null);
});

test('with only unreachable backends the service keeps answering', async (t) => {
  const down = `http://127.0.0.1:${await closedPort()}`;
  const app = await startTestApp(['--comfyui', down]);
  t.after(() => app.close());
  for (let round = 0; round < 3; round++) {
    await app.app.backends.probeAll();
    const body = await health(app.url);
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.backends.map((b) => [b.url, b.reachable]), [[down, false]]);
  }
  const created = await fetch(`${app.url}/automa/db/default`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"still":"working"}',
  });
  assert.equal(created.status, 201);
});

test('a store that stopped answering makes health report degraded, not crash', async (t) => {
  const app = await startTestApp(['--comfyui', `http://127.0.0.1:${await closedPort()}`]);
  t.after(() => app.close());
  await app.store.close();
  const body = await health(app.url);
  assert.equal(body.status, 'degraded');
  assert.deepEqual(body.store, { ok: false });
});
