import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { startFakes, startGateway, THREE, waitForState } from './pool-helpers.js';

interface Health {
  status: string;
  backends: { name: string; url: string; state: string; reachable: boolean; last_error: string | null }[];
}

test('/automa/health and /automa/ready follow the pool: runtime-added, draining, removed and dead backends', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, b: THREE.b });
  const app = await startGateway(t, ['--comfyui', `a=${fakes.a.url}`], { waitFor: ['a'] });
  assert.equal((await postJson(`${app.url}/automa/backends`, { name: 'b', url: fakes.b.url })).status, 201);
  await waitForState(app, ['b'], 'up');
  const drain = await fetch(`${app.url}/automa/backends/a`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"draining":true}' });
  assert.equal(drain.status, 200);

  const health = await getJson<Health>(`${app.url}/automa/health`);
  assert.equal(health.status, 'ok');
  assert.deepEqual(
    health.backends.map((b) => [b.name, b.url, b.state, b.reachable, b.last_error]),
    [
      ['a', fakes.a.url, 'draining', true, null],
      ['b', fakes.b.url, 'up', true, null],
    ],
  );
  const ready = await fetch(`${app.url}/automa/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual((await ready.json()) as unknown, { status: 'ready', store: { ok: true }, backends: { total: 2, reachable: 2 } });

  // A removed backend is no longer reported.
  assert.equal((await fetch(`${app.url}/automa/backends/a`, { method: 'DELETE' })).status, 204);
  assert.deepEqual((await getJson<Health>(`${app.url}/automa/health`)).backends.map((b) => b.name), ['b']);

  // The only backend dies: health says so and why; the service is not ready, but alive.
  await fakes.b.control.crash();
  await eventually(async () => (await getJson<Health>(`${app.url}/automa/health`)).backends[0]?.state === 'down', 10_000, 'b down');
  const down = (await getJson<Health>(`${app.url}/automa/health`)).backends[0];
  assert.equal(down?.reachable, false);
  assert.ok(down?.last_error, 'says why');
  const notReady = await fetch(`${app.url}/automa/ready`);
  assert.equal(notReady.status, 503);
  const body = (await notReady.json()) as { error: { details: string; extra_info: unknown } };
  assert.match(body.error.details, /no ComfyUI backend is reachable \(b: /);
  assert.deepEqual(body.error.extra_info, { store: { ok: true }, backends: { total: 1, reachable: 0 } });

  // Back again: ready again.
  await fakes.b.control.restart();
  await waitForState(app, ['b'], 'up');
  assert.equal((await fetch(`${app.url}/automa/ready`)).status, 200);
});
