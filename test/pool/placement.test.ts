import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';
import { acceptedBy, backendArgs, checkpointGraph, imageGraph, ranOn, startFakes, startGateway, THREE } from './pool-helpers.js';

interface Rejection {
  error: { type: string; message: string; details: string; extra_info: Record<string, unknown> };
  node_errors: Record<string, { errors: { type: string; message: string; details: string }[]; class_type: string }>;
}

async function submit(url: string, prompt: Record<string, unknown>, clientId: string): Promise<string> {
  const response = await postJson(`${url}/prompt`, { prompt, client_id: clientId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

test('prompts spread over the pool and each runs only where its classes and models exist', async (t) => {
  const fakes = await startFakes(t, THREE);
  for (const fake of Object.values(fakes)) fake.control.setNodeDelay(30, 'ImageInvert');
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'spread');
  t.after(() => client.close());

  // Six plain prompts at once: each backend holds at most 1 + prefetch(1), so all three get work.
  const plain = [];
  for (let i = 0; i < 6; i++) plain.push(await submit(app.url, imageGraph(100 + i), 'spread'));
  // Only c has ImageBlur; only b has only-b.safetensors; only a has only-a.safetensors.
  const blurred = [await submit(app.url, imageGraph(200, { blur: true }), 'spread'), await submit(app.url, imageGraph(201, { blur: true }), 'spread')];
  const onB = [await submit(app.url, checkpointGraph('only-b.safetensors', 300), 'spread'), await submit(app.url, checkpointGraph('only-b.safetensors', 301), 'spread')];
  const onA = await submit(app.url, checkpointGraph('only-a.safetensors', 400), 'spread');
  const all = [...plain, ...blurred, ...onB, onA];
  for (const id of all) await client.waitForDone(id);

  for (const name of ['a', 'b', 'c'] as const) {
    assert.ok(plain.some((id) => ranOn(fakes, id) === name), `backend ${name} ran some of the plain prompts`);
  }
  for (const id of blurred) assert.equal(ranOn(fakes, id), 'c', 'ImageBlur exists only on c');
  for (const id of onB) assert.equal(ranOn(fakes, id), 'b', 'only-b.safetensors exists only on b');
  assert.equal(ranOn(fakes, onA), 'a');
  // No backend was ever handed a prompt it could not run.
  for (const fake of Object.values(fakes)) {
    assert.deepEqual(fake.control.received.prompts.filter((p) => p.status !== 200), [], 'no backend answered 400');
  }
  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history`);
  for (const id of all) assert.equal(history[id]?.status.status_str, 'success', `${id} succeeded`);
});

test('a prompt that needs a busy backend waits for it instead of going to an idle one', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'waits');
  t.after(() => client.close());

  const stall = fakes.c.control.stall({ classType: 'ImageBlur' });
  const first = await submit(app.url, imageGraph(1, { blur: true }), 'waits');
  await stall.reached;
  // c is busy (running one, one slot of prefetch left); these two exceed what c can hold.
  const second = await submit(app.url, imageGraph(2, { blur: true }), 'waits');
  const third = await submit(app.url, imageGraph(3, { blur: true }), 'waits');
  const plain = await submit(app.url, imageGraph(4), 'waits');
  await client.waitForDone(plain);
  assert.notEqual(ranOn(fakes, plain), 'c', 'the plain prompt went to an idle backend');
  assert.equal(acceptedBy(fakes.a).length + acceptedBy(fakes.b).length, 1, 'a and b got nothing but the plain prompt');
  stall.release();
  for (const id of [first, second, third]) {
    await client.waitForDone(id);
    assert.equal(ranOn(fakes, id), 'c');
  }
});

test('a prompt no backend can run is refused with ComfyUI’s 400 naming the missing node or model', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });

  // A node class nobody has.
  const unknownClass = await postJson(`${app.url}/prompt`, {
    prompt: { ...imageGraph(1), '5': { class_type: 'ImageScale', inputs: { image: ['2', 0], upscale_method: 'nearest-exact', width: 4, height: 4, crop: 'disabled' } }, '6': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'x' } } },
  });
  assert.equal(unknownClass.status, 400);
  const missing = unknownClass.body as Rejection;
  // ComfyUI 0.8 (the recorded version) calls it invalid_prompt; later versions missing_node_type.
  assert.ok(['invalid_prompt', 'missing_node_type'].includes(missing.error.type), missing.error.type);
  assert.match(missing.error.message, /ImageScale/);
  assert.equal(missing.error.details, "Node ID '#5'");
  assert.deepEqual(missing.node_errors, {});

  // A checkpoint nobody has, in the prompt's only output.
  const unknownModel = await postJson(`${app.url}/prompt`, { prompt: pick(checkpointGraph('nowhere.safetensors', 2), ['10', '11']) });
  assert.equal(unknownModel.status, 400);
  const model = unknownModel.body as Rejection;
  assert.equal(model.error.type, 'prompt_outputs_failed_validation');
  const nodeError = model.node_errors['10'];
  assert.ok(nodeError, 'the checkpoint loader is named');
  assert.equal(nodeError.class_type, 'CheckpointLoaderSimple');
  assert.equal(nodeError.errors[0]?.type, 'value_not_in_list');
  assert.match(nodeError.errors[0]?.details ?? '', /ckpt_name: 'nowhere\.safetensors' not in/);

  // Nothing was queued and no backend saw either.
  assert.deepEqual(await getJson(`${app.url}/queue`), { queue_running: [], queue_pending: [] });
  for (const fake of Object.values(fakes)) assert.equal(fake.control.received.prompts.length, 0);

  // ImageBlur (only c) and only-b.safetensors (only b) in separate outputs: as ComfyUI does with
  // an output it cannot run, the prompt is taken with that output dropped and its reason given,
  // and it runs where the remaining output can run.
  const client = await ComfyTestClient.connect(app.wsUrl, 'split');
  t.after(() => client.close());
  const split = await postJson(`${app.url}/prompt`, {
    prompt: { ...imageGraph(3, { blur: true }), ...pick(checkpointGraph('only-b.safetensors', 3), ['10', '11']) },
    client_id: 'split',
  });
  assert.equal(split.status, 200);
  const accepted = split.body as { prompt_id: string; node_errors: Rejection['node_errors'] };
  assert.equal(accepted.node_errors['10']?.errors[0]?.type, 'value_not_in_list');
  await client.waitForDone(accepted.prompt_id);
  assert.equal(ranOn(fakes, accepted.prompt_id), 'c');
  const history = await getJson<Record<string, { status: { status_str: string }; outputs: Record<string, unknown> }>>(`${app.url}/history/${accepted.prompt_id}`);
  assert.equal(history[accepted.prompt_id]?.status.status_str, 'success');
  assert.deepEqual(Object.keys(history[accepted.prompt_id]?.outputs ?? {}), ['3']);
});

test('model affinity: prompts with the same checkpoint go to the backend that last ran it', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'affinity');
  t.after(() => client.close());

  // With a draining, the first shared-checkpoint prompt lands on b (the next in order).
  assert.equal((await patchJson(`${app.url}/automa/backends/a`, { draining: true })).status, 200);
  const warm = await submit(app.url, checkpointGraph('shared.safetensors', 20), 'affinity');
  await client.waitForDone(warm);
  assert.equal(ranOn(fakes, warm), 'b');
  assert.equal((await patchJson(`${app.url}/automa/backends/a`, { draining: false })).status, 200);

  // Now the pool is idle and equal; without affinity the first backend (a) would be chosen.
  for (const tag of [21, 22]) {
    const id = await submit(app.url, checkpointGraph('shared.safetensors', tag), 'affinity');
    await client.waitForDone(id);
    assert.equal(ranOn(fakes, id), 'b', 'b still has shared.safetensors loaded');
  }
  // A prompt without model files has no preference: the first idle backend takes it.
  const plain = await submit(app.url, imageGraph(30), 'affinity');
  await client.waitForDone(plain);
  assert.equal(ranOn(fakes, plain), 'a');
});

async function patchJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as unknown };
}

function pick(graph: Record<string, unknown>, ids: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(ids.map((id) => [id, graph[id]]));
}

test('queue order holds across the pool: priority first, and a later prompt never overtakes an earlier one the same backend could run', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, c: THREE.c });
  const app = await startGateway(t, [...backendArgs(fakes), '--prefetch', '0'], { waitFor: ['a', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'order');
  t.after(() => client.close());

  const stallA = fakes.a.control.stall();
  const stallC = fakes.c.control.stall();
  const onA = await submit(app.url, imageGraph(1), 'order');
  const onC = await submit(app.url, imageGraph(2), 'order');
  await Promise.all([stallA.reached, stallC.reached]);
  // Both busy (no prefetch): these wait in our queue.
  const blur = await submit(app.url, imageGraph(3, { blur: true }), 'order');
  const plain1 = await submit(app.url, imageGraph(4), 'order');
  const plain2 = await submit(app.url, imageGraph(5), 'order');
  const front = (await postJson(`${app.url}/prompt`, { prompt: imageGraph(6), client_id: 'order', front: true })).body as { prompt_id: string };
  const pending = (await getJson<{ queue_pending: [number, string][] }>(`${app.url}/queue`)).queue_pending.map(([, id]) => id);
  assert.deepEqual(pending, [front.prompt_id, blur, plain1, plain2], 'front first, then FIFO');

  // Only c frees up: it takes them strictly in that order while a stays busy.
  stallC.release();
  for (const id of [onC, front.prompt_id, blur, plain1, plain2]) await client.waitForDone(id);
  assert.deepEqual(acceptedBy(fakes.c), [onC, front.prompt_id, blur, plain1, plain2]);
  stallA.release();
  await client.waitForDone(onA);
  assert.deepEqual(acceptedBy(fakes.a), [onA]);
});
