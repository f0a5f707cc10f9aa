import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorOf, request, startCustomApp } from '../security/helpers.js';
import { closedPort, sample, startProbeTarget } from './helpers.js';

test('ready: 200 once the store is writable and a backend answers', async (t) => {
  const probe = await startProbeTarget();
  t.after(() => probe.close());
  const service = await startCustomApp(['--comfyui', `down=http://127.0.0.1:${await closedPort()}`, '--comfyui', `up=${probe.url}`]);
  t.after(() => service.close());
  await service.app.backends.probeAll();
  const response = await request(`${service.url}/automa/ready`);
  assert.equal(response.status, 200, response.body);
  assert.deepEqual(JSON.parse(response.body), { status: 'ready', store: { ok: true }, backends: { total: 2, reachable: 1 } });
});

test('not ready: 503 naming each backend that is down, while liveness still answers', async (t) => {
  const port = await closedPort();
  const service = await startCustomApp(['--comfyui', `only=http://127.0.0.1:${port}`]);
  t.after(() => service.close());
  await service.app.backends.probeAll();
  const response = await request(`${service.url}/automa/ready`);
  assert.equal(response.status, 503);
  const error = errorOf(response.body);
  assert.equal(error.type, 'not_ready');
  assert.match(error.details, /no ComfyUI backend is reachable/);
  assert.match(error.details, /only: .*ECONNREFUSED/);
  assert.deepEqual(error.extra_info, { store: { ok: true }, backends: { total: 1, reachable: 0 } });
  // Liveness is a different question: the process answers.
  assert.equal((await request(`${service.url}/automa/health`)).status, 200);
});

test('not ready: 503 when the store stops accepting writes, counted as a store error', async (t) => {
  const probe = await startProbeTarget();
  t.after(() => probe.close());
  const service = await startCustomApp(['--comfyui', probe.url]);
  t.after(() => service.close());
  await service.app.backends.probeAll();
  assert.equal((await request(`${service.url}/automa/ready`)).status, 200);
  await service.store.close();
  const response = await request(`${service.url}/automa/ready`);
  assert.equal(response.status, 503);
  const error = errorOf(response.body);
  assert.match(error.details, /store does not accept writes/);
  assert.doesNotMatch(error.details, /backend/, 'the backend is fine');
  assert.equal(sample((await request(`${service.url}/metrics`)).body, 'automa_store_errors_total', { operation: 'ping' }), 1);
});
