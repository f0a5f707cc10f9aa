/** What the fake does beyond the recorded scenarios, kept to ComfyUI's rules. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { decodeBinaryFrame } from '../../src/upstream/protocol/index.js';
import { request } from './replay/http-client.js';
import { call, connect, fakeFor, queuePrompt, SIMPLE, textFrames, untilDone } from './test-helpers.js';

test('a fake with its own node classes and model files serves and validates against them', async (t) => {
  const fake = await fakeFor(t, {
    nodeClasses: ['CheckpointLoaderSimple', 'PreviewAny', 'EmptyImage', 'SaveImage'],
    models: { checkpoints: ['sd15.safetensors'], extra_folder: ['x.bin'] },
  });
  const info = (await call(fake, 'GET', '/object_info')).json as Record<string, { input: { required: Record<string, unknown[]> } }>;
  assert.deepEqual(Object.keys(info).sort(), ['CheckpointLoaderSimple', 'EmptyImage', 'PreviewAny', 'SaveImage']);
  assert.deepEqual(info['CheckpointLoaderSimple']?.input.required['ckpt_name']?.[0], ['sd15.safetensors']);
  assert.deepEqual((await call(fake, 'GET', '/models/checkpoints')).json, ['sd15.safetensors']);
  assert.ok(((await call(fake, 'GET', '/models')).json as string[]).includes('extra_folder'));
  const loader = (ckpt: string) => ({
    '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
    '2': { class_type: 'PreviewAny', inputs: { source: ['1', 2] } },
  });
  assert.equal((await call(fake, 'POST', '/prompt', { prompt: loader('sd15.safetensors') })).status, 200);
  const missing = await call(fake, 'POST', '/prompt', { prompt: loader('sdxl.safetensors') });
  assert.equal((missing.json as { node_errors: Record<string, { errors: Array<{ type: string }> }> }).node_errors['1']?.errors[0]?.type, 'value_not_in_list');
  const unknown = await call(fake, 'POST', '/prompt', { prompt: { ...SIMPLE } });
  assert.equal((unknown.json as { error: { message: string } }).error.message, 'Cannot execute because node ImageInvert does not exist.');
  fake.control.setModels('checkpoints', ['sdxl.safetensors']);
  assert.equal((await call(fake, 'POST', '/prompt', { prompt: loader('sdxl.safetensors') })).status, 200, 'models can change at runtime');
});

test('unknown routes 404, wrong methods 405, oversized bodies 413, like aiohttp', async (t) => {
  const fake = await fakeFor(t, { maxUploadSize: 1000 });
  const missing = await call(fake, 'GET', '/api/nope');
  assert.deepEqual([missing.status, missing.text], [404, '404: Not Found']);
  assert.equal((await call(fake, 'GET', '/jobs')).status, 404, '/api/jobs exists only under /api');
  assert.equal((await call(fake, 'GET', '/api/internal/logs')).status, 404, '/internal is not mirrored');
  assert.equal((await call(fake, 'PUT', '/prompt')).status, 405);
  const big = await call(fake, 'POST', '/prompt', { prompt: {}, pad: 'x'.repeat(2000) });
  assert.equal(big.status, 413);
  assert.equal((await call(fake, 'HEAD', '/queue')).status, 200);
});

test('POST /free {free_memory}: the cache is dropped after the next prompt, as ComfyUI checks flags between prompts', async (t) => {
  const fake = await fakeFor(t);
  const client = await connect(t, fake, 'f');
  const cachedNodes = async (): Promise<unknown> => {
    const id = await queuePrompt(fake, SIMPLE, { client_id: 'f' });
    await untilDone(client, id);
    return textFrames(client.frames).filter((f) => f.type === 'execution_cached' && f.data['prompt_id'] === id)[0]?.data['nodes'];
  };
  assert.deepEqual(await cachedNodes(), []);
  assert.deepEqual(await cachedNodes(), ['1', '2', '3']);
  assert.equal((await call(fake, 'POST', '/free', { free_memory: true })).status, 200);
  assert.deepEqual(await cachedNodes(), ['1', '2', '3']);
  assert.deepEqual(await cachedNodes(), []);
});

test('sampler-style nodes report their steps; with a preview method each step carries a preview', async (t) => {
  const fake = await fakeFor(t, { previewMethod: 'auto' });
  const modern = await connect(t, fake, 'm');
  const legacy = await connect(t, fake, 'l', false);
  // A class the fake does not simulate, with a "steps" input: it reports that many steps.
  const sigmas = (steps: number) => ({
    '1': { class_type: 'KarrasScheduler', inputs: { steps, sigma_max: 14.6, sigma_min: 0.03, rho: 7.0 } },
    '2': { class_type: 'PreviewAny', inputs: { source: ['1', 0] } },
  });
  const run = async (client: typeof modern, clientId: string, steps: number): Promise<void> => {
    await untilDone(client, await queuePrompt(fake, sigmas(steps), { client_id: clientId }));
  };
  await run(modern, 'm', 3);
  await run(legacy, 'l', 2);
  const kinds = (frames: typeof modern.frames) => frames.flatMap((f) => ('binary' in f ? [decodeBinaryFrame(f.binary).kind] : []));
  const steps = (frames: typeof modern.frames) => textFrames(frames).filter((f) => f.type === 'progress').map((f) => f.data['value']);
  assert.deepEqual(steps(modern.frames), [1, 2, 3]);
  assert.deepEqual(kinds(modern.frames), Array(3).fill('preview_image_with_metadata'), 'metadata previews for a client that asked');
  assert.deepEqual(steps(legacy.frames), [1, 2]);
  assert.deepEqual(kinds(legacy.frames), Array(2).fill('preview_image'), 'type-1 JPEG previews for one that did not');
});

test('a second socket with the same client id takes over; when the first closes, ComfyUI 0.8.0 forgets the id', async (t) => {
  const fake = await fakeFor(t);
  const first = await connect(t, fake, 'same');
  const second = await connect(t, fake, 'same');
  const id = await queuePrompt(fake, SIMPLE, { client_id: 'same' });
  await untilDone(second, id);
  assert.ok(!textFrames(first.frames).some((f) => f.type === 'execution_start'), 'the replaced socket hears no prompt events');
  await first.close();
  await fake.control.waitForIdle();
  assert.deepEqual(fake.control.connectedClients(), [], 'the table lost "same" although the second socket is open');
});

test('API-key secrets in extra_data never show in /queue, /history or /api/jobs', async (t) => {
  const fake = await fakeFor(t);
  const id = await queuePrompt(fake, SIMPLE, { extra_data: { api_key_comfy_org: 'sk-secret', auth_token_comfy_org: 'tok' } });
  await fake.control.waitForHistory(id);
  for (const path of ['/queue', `/history/${id}`, `/api/jobs/${id}`, '/api/jobs']) {
    const text = (await call(fake, 'GET', path)).text;
    assert.ok(!text.includes('sk-secret') && !text.includes('tok"'), path);
  }
});

test('history paging and the jobs view of pending, running and finished prompts', async (t) => {
  const fake = await fakeFor(t);
  const ids = [];
  for (const color of [1, 2, 3]) {
    ids.push(await queuePrompt(fake, { ...SIMPLE, '1': { ...SIMPLE['1'], inputs: { ...SIMPLE['1'].inputs, color } } }));
  }
  await fake.control.waitForIdle();
  assert.deepEqual(Object.keys((await call(fake, 'GET', '/history?max_items=1')).json as object), [ids[2]]);
  assert.deepEqual(Object.keys((await call(fake, 'GET', '/history?max_items=1&offset=1')).json as object), [ids[1]]);
  assert.equal((await call(fake, 'GET', '/history?max_items=x')).status, 500);
  const stall = fake.control.stall('ImageInvert');
  const running = await queuePrompt(fake, { ...SIMPLE, '1': { ...SIMPLE['1'], inputs: { ...SIMPLE['1'].inputs, color: 9 } } });
  const pending = await queuePrompt(fake, { ...SIMPLE, '1': { ...SIMPLE['1'], inputs: { ...SIMPLE['1'].inputs, color: 10 } } });
  await stall.reached;
  const jobs = (await call(fake, 'GET', '/api/jobs?sort_order=asc')).json as { jobs: Array<{ id: string; status: string }>; pagination: { total: number } };
  assert.equal(jobs.pagination.total, 5);
  assert.deepEqual(new Map(jobs.jobs.map((j) => [j.id, j.status])).get(running), 'in_progress');
  assert.deepEqual(new Map(jobs.jobs.map((j) => [j.id, j.status])).get(pending), 'pending');
  assert.equal(((await call(fake, 'GET', `/api/jobs/${ids[0]}`)).json as { status: string }).status, 'completed');
  assert.equal((await call(fake, 'GET', '/api/jobs/nope')).status, 404);
  assert.equal((await call(fake, 'POST', '/queue', { delete: [pending] })).status, 200);
  stall.release();
  await fake.control.waitForIdle();
  assert.deepEqual((await call(fake, 'GET', `/history/${pending}`)).json, {});
});

test('the origin check guards HTTP and the WebSocket upgrade alike', async (t) => {
  const fake = await fakeFor(t);
  const evil = { origin: 'http://evil.example' };
  assert.equal((await request('GET', '/queue', evil, undefined, fake.port)).status, 403);
  assert.equal((await request('GET', '/queue', { 'sec-fetch-site': 'cross-site' }, undefined, fake.port)).status, 403);
  const upgrade = await request('GET', '/ws', { ...evil, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }, undefined, fake.port).catch((e: Error) => e);
  assert.ok(upgrade instanceof Error || upgrade.status === 403);
  const open = await fakeFor(t, { enableCorsHeader: true });
  assert.equal((await request('GET', '/queue', evil, undefined, open.port)).status, 200, '--enable-cors-header turns the check off');
});
