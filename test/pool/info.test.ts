import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson } from '../helpers/comfy-client.js';
import { MODEL_FOLDERS } from '../fake-comfy/options.js';
import { BASE_CLASSES, backendArgs, startFakes, startGateway, THREE, waitForState } from './pool-helpers.js';

interface SystemStats {
  system: { argv: string[]; comfyui_version: string };
  devices: { name: string; type: string; backend: string }[];
}

const SPECS = { ...THREE, c: { ...THREE.c, models: { ...THREE.c.models, ipadapter: ['ip-c.bin'] } } };

test('/system_stats lists every backend’s devices, tagged; models and embeddings are unions over the backends that are up', async (t) => {
  const fakes = await startFakes(t, SPECS);
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });

  for (const prefix of ['', '/api']) {
    const stats = await getJson<SystemStats>(`${app.url}${prefix}/system_stats`);
    // `system` is the default backend's (each fake names its own data dir in argv).
    assert.ok(stats.system.argv.some((arg) => arg.startsWith(fakes.a.dirs.root)), 'system from the default backend');
    assert.deepEqual(stats.devices.map((d) => [d.backend, d.type]), [['a', 'cpu'], ['b', 'cpu'], ['c', 'cpu']]);

    assert.deepEqual(await getJson(`${app.url}${prefix}/models`), [...MODEL_FOLDERS, 'ipadapter']);
    assert.deepEqual(await getJson(`${app.url}${prefix}/models/checkpoints`), ['shared.safetensors', 'only-a.safetensors', 'only-b.safetensors']);
    assert.deepEqual(await getJson(`${app.url}${prefix}/models/loras`), ['lora-b.safetensors']);
    assert.deepEqual(await getJson(`${app.url}${prefix}/models/ipadapter`), ['ip-c.bin']);
    assert.deepEqual(await getJson(`${app.url}${prefix}/embeddings`), ['emb-a', 'emb-shared', 'emb-b']);
  }
  // object_info: every class, and each combo lists every backend's choices (a client picks a
  // checkpoint only b has; placement then sends the prompt to b).
  type Info = Record<string, { input: { required: Record<string, unknown[]> } }>;
  const info = await getJson<Info>(`${app.url}/object_info`);
  assert.deepEqual(Object.keys(info).sort(), [...BASE_CLASSES, 'ImageBlur'].sort());
  assert.deepEqual(info['CheckpointLoaderSimple']?.input.required['ckpt_name']?.[0], ['shared.safetensors', 'only-a.safetensors', 'only-b.safetensors']);
  const one = await getJson<Info>(`${app.url}/api/object_info/CheckpointLoaderSimple`);
  assert.deepEqual(one['CheckpointLoaderSimple']?.input.required['ckpt_name']?.[0], ['shared.safetensors', 'only-a.safetensors', 'only-b.safetensors']);

  // A folder no backend has: ComfyUI's 404.
  assert.equal((await fetch(`${app.url}/models/no-such-folder`)).status, 404);

  // b goes down: its devices and files leave the unions.
  await fakes.b.control.crash();
  await waitForState(app, ['b'], 'down');
  const stats = await getJson<SystemStats>(`${app.url}/system_stats`);
  assert.deepEqual(stats.devices.map((d) => d.backend), ['a', 'c']);
  assert.deepEqual(await getJson(`${app.url}/models/checkpoints`), ['shared.safetensors', 'only-a.safetensors']);
  assert.deepEqual(await getJson(`${app.url}/models/loras`), []);
  assert.deepEqual(await getJson(`${app.url}/embeddings`), ['emb-a', 'emb-shared']);

  // The default backend down too: `system` comes from one that answers.
  await fakes.a.control.crash();
  await waitForState(app, ['a'], 'down');
  const fromC = await getJson<SystemStats>(`${app.url}/system_stats`);
  assert.ok(fromC.system.argv.some((arg) => arg.startsWith(fakes.c.dirs.root)));
  assert.deepEqual(fromC.devices.map((d) => d.backend), ['c']);

  // Nobody up: a clear 502 in the error shape.
  await fakes.c.control.crash();
  await waitForState(app, ['c'], 'down');
  for (const path of ['/system_stats', '/models', '/models/checkpoints', '/embeddings']) {
    const response = await fetch(`${app.url}${path}`);
    assert.equal(response.status, 502, path);
    const body = (await response.json()) as { error: { type: string; message: string } };
    assert.equal(typeof body.error.message, 'string');
  }

  // Back up: back in.
  await fakes.b.control.restart();
  await waitForState(app, ['b'], 'up');
  assert.deepEqual(await getJson(`${app.url}/models/loras`), ['lora-b.safetensors']);
});
