/**
 * ComfyUI routes the gateway does not own: /object_info from its cache (refreshed when the
 * backend reconnects), the pool's /system_stats, /models and /embeddings, and everything else
 * relayed to the default backend and answered verbatim, bare and under /api, including routes
 * only a custom node knows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStack } from '../helpers/stack.js';
import { eventually, getJson } from '../helpers/comfy-client.js';
import { type FakeComfy } from '../fake-comfy/server.js';

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

async function answer(url: string, init?: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

const backendHits = (fake: FakeComfy, method: string, path: string): number =>
  fake.control.received.requests.filter((r) => r.method === method && r.path === path).length;

test('/object_info comes from the gateway’s cache: the same document as the backend’s, per class too, unknown class {}', async (t) => {
  // A 0.33 backend: its document already has every field the gateway presents (0.8 ones gain them, see mixed-pool.test.ts).
  const { fake, app } = await startStack(t, { comfyuiVersion: '0.33.0' });
  const direct = await getJson<Record<string, unknown>>(`${fake.url}/object_info`);
  const fetchedByGateway = backendHits(fake, 'GET', '/object_info');

  for (const prefix of ['', '/api']) {
    const response = await fetch(`${app.url}${prefix}/object_info`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), direct);
    const etag = response.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${app.url}${prefix}/object_info`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  }
  assert.equal(backendHits(fake, 'GET', '/object_info'), fetchedByGateway, 'answered without asking the backend again');

  for (const name of ['EmptyImage', 'KSampler', 'LoadImage', 'SaveImage']) {
    for (const prefix of ['', '/api']) {
      assert.deepEqual(await getJson(`${app.url}${prefix}/object_info/${name}`), await getJson(`${fake.url}/object_info/${name}`), name);
    }
  }
  const unknown = await answer(`${app.url}/object_info/NoSuchNode`);
  assert.equal(unknown.status, 200);
  assert.equal(unknown.body, '{}');
  assert.equal(backendHits(fake, 'GET', '/object_info/EmptyImage'), 2, 'only our direct reads reached the backend');
});

test('a backend that reconnects with other node classes refreshes the cached /object_info', async (t) => {
  const { fake, app } = await startStack(t);
  const full = await getJson<Record<string, unknown>>(`${app.url}/object_info`);
  assert.ok('KSampler' in full);

  const fewer = Object.fromEntries(['EmptyImage', 'ImageInvert', 'SaveImage'].map((name) => [name, full[name]]));
  fake.control.setObjectInfo(fewer as never);
  assert.ok('KSampler' in (await getJson<object>(`${app.url}/object_info`)), 'still the cached copy while connected');
  fake.control.dropSockets();
  await eventually(async () => Object.keys(await getJson<object>(`${app.url}/object_info`)).length === 3, 15_000, 'refreshed object_info');
  assert.deepEqual(await getJson(`${app.url}/object_info/KSampler`), {});
  assert.deepEqual(await getJson(`${app.url}/api/object_info`), await getJson(`${fake.url}/object_info`));
});

test('the other ComfyUI routes reach the default backend and come back verbatim (or as the same JSON for the pool’s routes), bare and under /api', async (t) => {
  // A 0.33 backend: the pool's /system_stats and /features are then its own (0.8 ones are bridged, see mixed-pool.test.ts).
  const { fake, app } = await startStack(t, {
    comfyuiVersion: '0.33.0',
    models: { checkpoints: ['sd15.safetensors', 'sdxl.safetensors'], loras: ['detail.safetensors'] },
    embeddings: ['EasyNegative'],
  });
  for (const prefix of ['', '/api']) assert.deepEqual(await getJson(`${app.url}${prefix}/features`), await getJson(`${fake.url}/features`), `${prefix}/features`);

  const relayed = [
    '/models/nonexistent_folder',
    '/extensions',
    '/users',
    '/settings',
    '/view_metadata/checkpoints?filename=none.safetensors',
    '/userdata?dir=workflows',
  ];
  for (const path of relayed) {
    for (const prefix of ['', '/api']) {
      const before = fake.control.received.requests.length;
      const viaGateway = await answer(`${app.url}${prefix}${path}`);
      const seen = fake.control.received.requests.slice(before).map((r) => r.path);
      assert.ok(seen.some((p) => p.endsWith(path.split('?')[0] as string)), `${prefix}${path} reached the backend`);
      const direct = await answer(`${fake.url}${prefix}${path}`);
      assert.deepEqual(viaGateway, direct, `${prefix}${path} verbatim`);
    }
  }

  // The pool's answers (one backend here): the same JSON as the backend's, /system_stats'
  // devices tagged with the backend they belong to.
  for (const path of ['/models', '/models/checkpoints', '/models/loras', '/embeddings']) {
    for (const prefix of ['', '/api']) {
      assert.deepEqual(await getJson(`${app.url}${prefix}${path}`), await getJson(`${fake.url}${path}`), `${prefix}${path}`);
    }
  }
  assert.deepEqual(await getJson(`${app.url}/models/checkpoints`), ['sd15.safetensors', 'sdxl.safetensors']);
  assert.deepEqual(await getJson(`${app.url}/api/embeddings`), ['EasyNegative']);
  const direct = await getJson<{ system: unknown; devices: Record<string, unknown>[] }>(`${fake.url}/system_stats`);
  for (const prefix of ['', '/api']) {
    const stats = await getJson<{ system: unknown; devices: Record<string, unknown>[] }>(`${app.url}${prefix}/system_stats`);
    // ram_free is live (the fake reports the host's free memory), the rest is the backend's.
    const steady = (system: unknown) => ({ ...(system as Record<string, unknown>), ram_free: 0 });
    assert.deepEqual(steady(stats.system), steady(direct.system));
    assert.deepEqual(
      stats.devices.map(({ backend, ...device }) => [typeof backend, device.name, device.type]),
      direct.devices.map((device) => ['string', device.name, device.type]),
    );
  }

  // /internal/* exists bare only, as in ComfyUI.
  const logs = await answer(`${app.url}/internal/logs`);
  assert.equal(logs.status, 200);
  assert.match(JSON.parse(logs.body) as string, /Fake ComfyUI started/);

  // A route only a custom node knows, GET and POST with a body: relayed as is, answer as is.
  for (const init of [undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' }]) {
    const before = fake.control.received.requests.length;
    const viaGateway = await answer(`${app.url}/api/custom_node_route`, init);
    assert.deepEqual(
      fake.control.received.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      [`${init?.method ?? 'GET'} /api/custom_node_route`],
      'the backend saw the request',
    );
    assert.deepEqual(viaGateway, await answer(`${fake.url}/api/custom_node_route`, init));
  }

  // POST /free goes to the backend too (ComfyUI answers an empty 200).
  const free = await answer(`${app.url}/free`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"unload_models":true}' });
  assert.equal(free.status, 200);
  assert.equal(free.body, '');
  assert.equal(backendHits(fake, 'POST', '/free'), 1);
});
