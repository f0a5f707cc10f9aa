import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { getJson } from '../helpers/comfy-client.js';
import { acceptedBy, backendArgs, startFakes, startGateway, THREE } from '../pool/pool-helpers.js';
import { ComfyTestClient } from '../helpers/comfy-client.js';
import { call, defaultWorkflowPrompt, importDefaultApp, startAutomaStack, type ErrorReply } from './helpers.js';

interface RunBody {
  id: string;
  prompt_id: string;
  status: string;
  inputs: Record<string, unknown>;
  backend: string | null;
  progress: { fraction: number };
  timings: { created_at: number; started_at: number | null; finished_at: number | null };
  error: unknown;
  outputs: { node: string; kind: string; filename: string | null; subfolder: string | null; type: string | null; url: string | null; text?: string }[];
  links: Record<string, string>;
}

const png = (width: number, height: number, color: string) => sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();

async function upload(url: string, name: string, bytes: Buffer): Promise<void> {
  const form = new FormData();
  form.set('image', new Blob([bytes], { type: 'image/png' }), name);
  const response = await fetch(`${url}/upload/image`, { method: 'POST', body: form });
  assert.equal(response.status, 200);
}

/** The default workflow plus an image loader and a boolean, so every input type has a widget to bind. */
function everyTypeWorkflow(): Record<string, unknown> {
  return {
    ...defaultWorkflowPrompt(),
    '10': { class_type: 'LoadImage', inputs: { image: 'start.png' } },
    '11': { class_type: 'PreviewImage', inputs: { images: ['10', 0] } },
    '12': { class_type: 'PrimitiveBoolean', inputs: { value: false } },
    '13': { class_type: 'PreviewAny', inputs: { source: ['12', 0] } },
  };
}

const EVERY_TYPE_INPUTS = [
  { name: 'prompt', node: '6', input: 'text' },
  { name: 'seed', node: '3', input: 'seed' },
  { name: 'steps', node: '3', input: 'steps' },
  { name: 'cfg', node: '3', input: 'cfg' },
  { name: 'sampler', node: '3', input: 'sampler_name' },
  { name: 'image', node: '10', input: 'image' },
  { name: 'flag', node: '12', input: 'value' },
];

test('a run with every input type goes through the gateway queue and reports status, timings, backend and typed outputs', async (t) => {
  const { app, fake, client } = await startAutomaStack(t);
  await upload(app.url, 'start.png', await png(8, 8, '#000000'));
  const imported = await call<{ id: string; inputs: { name: string; type: string }[] }>(`${app.url}/automa/apps`, 'POST', { name: 'every type', workflow: everyTypeWorkflow(), inputs: EVERY_TYPE_INPUTS, outputs: ['9', '11', '13'] });
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  assert.deepEqual(imported.body.inputs.map((i) => i.type), ['string', 'seed', 'int', 'float', 'enum', 'image', 'boolean']);

  const dataUrl = `data:image/png;base64,${(await png(24, 16, '#ff0000')).toString('base64')}`;
  const created = await call<RunBody>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', {
    inputs: { prompt: 'a red fox in the snow', seed: 'random', steps: 3, cfg: 6.5, sampler: 'dpmpp_2m', image: dataUrl, flag: true },
    client_id: client.clientId,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.status, 'queued');
  const seed = created.body.inputs.seed;
  assert.ok(typeof seed === 'number' && Number.isInteger(seed), 'the random seed is drawn and recorded');
  assert.match(String(created.body.inputs.image), /^automa-[0-9a-f]{20}\.png$/, 'the data URL became an uploaded input file');
  await client.waitForDone(created.body.prompt_id);

  // What the backend ran is the app's prompt with the run's values in place.
  // (The fake keeps Python floats as PyFloat; JSON brings them back to numbers.)
  const received = fake.control.received.prompts.find((p) => p.promptId === created.body.prompt_id)?.body;
  const sent = JSON.parse(JSON.stringify(received)) as { prompt: Record<string, { inputs: Record<string, unknown> }> };
  assert.equal(sent.prompt['6']?.inputs.text, 'a red fox in the snow');
  assert.deepEqual([sent.prompt['3']?.inputs.seed, sent.prompt['3']?.inputs.steps, sent.prompt['3']?.inputs.cfg, sent.prompt['3']?.inputs.sampler_name], [seed, 3, 6.5, 'dpmpp_2m']);
  assert.equal(sent.prompt['10']?.inputs.image, created.body.inputs.image);
  assert.equal(sent.prompt['12']?.inputs.value, true);
  assert.equal(sent.prompt['7']?.inputs.text, 'text, watermark', 'unbound inputs keep the workflow value');

  const run = await call<RunBody>(`${app.url}/automa/runs/${created.body.id}`, 'GET');
  assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
  assert.equal(run.body.backend, 'local');
  assert.equal(run.body.progress.fraction, 1);
  assert.ok(run.body.timings.started_at !== null && run.body.timings.finished_at !== null && run.body.timings.finished_at >= run.body.timings.started_at);
  assert.equal(run.body.error, null);
  const byNode = (node: string) => run.body.outputs.filter((o) => o.node === node);
  assert.equal(byNode('9')[0]?.kind, 'image');
  assert.equal(byNode('9')[0]?.type, 'output');
  assert.equal(byNode('11')[0]?.kind, 'image');
  // (The fake's PrimitiveBoolean outputs a placeholder; that the value reached it is checked above.)
  assert.deepEqual(byNode('13').map((o) => [o.kind, typeof o.text, o.url]), [['text', 'string', null]]);
  // The preview of the loaded image is the data URL's picture, served through /view.
  const preview = await fetch(`${app.url}${byNode('11')[0]?.url}`);
  assert.equal(preview.status, 200);
  const meta = await sharp(Buffer.from(await preview.arrayBuffer())).metadata();
  assert.deepEqual([meta.width, meta.height], [24, 16]);
  const saved = await fetch(`${app.url}${byNode('9')[0]?.url}`);
  assert.equal(saved.status, 200);

  // The same run is in history, /api/jobs and the run list.
  const history = await getJson<Record<string, unknown>>(`${app.url}/history/${created.body.prompt_id}`);
  assert.ok(history[created.body.prompt_id]);
  const list = await call<{ items: RunBody[]; next_cursor: string | null }>(`${app.url}/automa/runs?app=${imported.body.id}&status=succeeded`, 'GET');
  assert.deepEqual(list.body.items.map((r) => r.id), [created.body.id]);
  const none = await call<{ items: RunBody[] }>(`${app.url}/automa/runs?app=${imported.body.id}&status=failed`, 'GET');
  assert.deepEqual(none.body.items, []);
});

test('bad inputs of every kind get one 400 naming each field and its reason, and nothing is stored or queued', async (t) => {
  const { app, fake } = await startAutomaStack(t);
  await upload(app.url, 'start.png', await png(8, 8, '#000000'));
  const imported = await call<{ id: string }>(`${app.url}/automa/apps`, 'POST', { name: 'every type', workflow: everyTypeWorkflow(), inputs: EVERY_TYPE_INPUTS });
  const bad = await call<ErrorReply>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', {
    inputs: { prompt: 42, seed: -5, steps: 2.5, cfg: 1000, sampler: 'nope', flag: 'yes', unknown: 1 },
    client_id: '',
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.type, 'invalid_fields');
  const fields = Object.fromEntries((bad.body.error.extra_info.fields ?? []).map((f) => [f.field, f.reason]));
  assert.deepEqual(Object.keys(fields).sort(), ['client_id', 'inputs.cfg', 'inputs.flag', 'inputs.prompt', 'inputs.sampler', 'inputs.seed', 'inputs.steps', 'inputs.unknown'].sort());
  assert.match(fields['inputs.seed'] ?? '', /integer from 0 to 9007199254740991, or "random"/);
  assert.match(fields['inputs.cfg'] ?? '', /<= 100/);
  assert.match(fields['inputs.steps'] ?? '', /integer/);
  assert.match(fields['inputs.sampler'] ?? '', /must be one of/);

  const badImage = await call<ErrorReply>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', { inputs: { image: 'never-uploaded.png' } });
  assert.equal(badImage.status, 400);
  assert.deepEqual(badImage.body.error.extra_info.fields?.map((f) => f.field), ['inputs.image']);
  const badDataUrl = await call<ErrorReply>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', { inputs: { image: 'data:image/png;base64,bm90IGFuIGltYWdl' } });
  assert.equal(badDataUrl.status, 400);
  assert.match(badDataUrl.body.error.extra_info.fields?.[0]?.reason ?? '', /not hold an image/);
  const notJsonObject = await call<ErrorReply>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', [1, 2]);
  assert.equal(notJsonObject.status, 400);
  const noApp = await call<ErrorReply>(`${app.url}/automa/apps/00000000-0000-4000-8000-000000000000/runs`, 'POST', { inputs: {} });
  assert.equal(noApp.status, 404);

  const runs = await call<{ items: unknown[] }>(`${app.url}/automa/runs`, 'GET');
  assert.deepEqual(runs.body.items, [], 'no run was stored');
  const queue = await getJson<{ queue_pending: unknown[]; queue_running: unknown[] }>(`${app.url}/queue`);
  assert.deepEqual([queue.queue_pending, queue.queue_running], [[], []]);
  assert.deepEqual(fake.control.received.prompts, [], 'nothing reached the backend');
});

test('Idempotency-Key: the same key and body answer the first run again; another body under the key is a 422', async (t) => {
  const { app } = await startAutomaStack(t);
  const { id } = await importDefaultApp(app.url);
  const headers = { 'idempotency-key': 'f6a1c2d0-retry-1' };
  const body = { inputs: { prompt: 'once only', seed: 'random' } };
  const first = await call<RunBody>(`${app.url}/automa/apps/${id}/runs`, 'POST', body, headers);
  assert.equal(first.status, 201);
  const again = await call<RunBody>(`${app.url}/automa/apps/${id}/runs`, 'POST', { inputs: { seed: 'random', prompt: 'once only' } }, headers);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body, 'the first answer, random seed included');
  const other = await call<ErrorReply>(`${app.url}/automa/apps/${id}/runs`, 'POST', { inputs: { prompt: 'something else' } }, headers);
  assert.equal(other.status, 422);
  assert.equal(other.body.error.type, 'idempotency_key_reused');
  // Concurrent retries with one key make one run.
  const burst = await Promise.all(Array.from({ length: 5 }, () => call<RunBody>(`${app.url}/automa/apps/${id}/runs`, 'POST', body, { 'idempotency-key': 'burst' })));
  assert.deepEqual(new Set(burst.map((r) => r.status)), new Set([201]));
  assert.equal(new Set(burst.map((r) => r.body.id)).size, 1);
  const runs = await call<{ items: RunBody[] }>(`${app.url}/automa/runs?app=${id}`, 'GET');
  assert.equal(runs.body.items.length, 2);
});

test('cancelling a queued run keeps it from running; a running run is interrupted', async (t) => {
  const { app, fake, client } = await startAutomaStack(t);
  const { id } = await importDefaultApp(app.url);
  const stall = fake.control.stall({ classType: 'KSampler' });
  const running = await call<RunBody>(`${app.url}/automa/apps/${id}/runs`, 'POST', { inputs: { seed: 1 }, client_id: client.clientId });
  await stall.reached;
  const waiting = [];
  for (let i = 2; i < 5; i++) waiting.push(await call<RunBody>(`${app.url}/automa/apps/${id}/runs`, 'POST', { inputs: { seed: i }, client_id: client.clientId }));
  const live = await call<RunBody & { progress: { node: string; nodes_done: number; nodes_total: number } }>(`${app.url}/automa/runs/${running.body.id}`, 'GET');
  assert.equal(live.body.status, 'running');
  // Stalled in the sampler: the loaders, text encoders and latent are done, 3 of 7 nodes remain.
  assert.deepEqual([live.body.progress.node, live.body.progress.nodes_done, live.body.progress.nodes_total], ['3', 4, 7]);
  assert.ok(live.body.progress.fraction > 0.5 && live.body.progress.fraction < 1, JSON.stringify(live.body.progress));
  const queued = await call<{ items: RunBody[] }>(`${app.url}/automa/runs?status=queued`, 'GET');
  assert.equal(queued.body.items.length, 3);
  const runningList = await call<{ items: RunBody[] }>(`${app.url}/automa/runs?status=running`, 'GET');
  assert.deepEqual(runningList.body.items.map((r) => r.id), [running.body.id]);

  const last = waiting[2]!;
  const cancelled = await call<RunBody>(`${app.url}/automa/runs/${last.body.id}/cancel`, 'POST');
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.status, 'cancelled');
  await call(`${app.url}/automa/runs/${running.body.id}/cancel`, 'POST');
  stall.release();
  await client.waitForDone(waiting[1]!.body.prompt_id);
  assert.equal((await call<RunBody>(`${app.url}/automa/runs/${running.body.id}`, 'GET')).body.status, 'cancelled');
  assert.equal((await call<RunBody>(`${app.url}/automa/runs/${waiting[0]!.body.id}`, 'GET')).body.status, 'succeeded');
  assert.ok(!fake.control.received.prompts.some((p) => p.promptId === last.body.prompt_id), 'the cancelled run never reached the backend');
  const again = await call<ErrorReply>(`${app.url}/automa/runs/${last.body.id}/cancel`, 'POST');
  assert.equal(again.status, 409);
});

test('a checkpoint only one backend has is a valid choice, and its runs are placed on that backend', async (t) => {
  const fakes = await startFakes(t, THREE);
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'placement');
  t.after(() => client.close());
  const workflow = {
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'placed' } },
    '10': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'shared.safetensors' } },
    '11': { class_type: 'PreviewAny', inputs: { source: ['10', 0] } },
  };
  const imported = await call<{ id: string; inputs: { name: string; choices?: { value: string; backends: string[] }[] }[] }>(`${app.url}/automa/apps`, 'POST', {
    name: 'checkpoints',
    workflow,
    inputs: [{ name: 'checkpoint', node: '10', input: 'ckpt_name' }, { name: 'color', node: '1', input: 'color' }],
  });
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  assert.deepEqual(imported.body.inputs[0]?.choices, [
    { value: 'shared.safetensors', backends: ['a', 'b', 'c'] },
    { value: 'only-a.safetensors', backends: ['a'] },
    { value: 'only-b.safetensors', backends: ['b'] },
  ]);
  const onB = [];
  for (let color = 1; color <= 3; color++) {
    const run = await call<RunBody>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', { inputs: { checkpoint: 'only-b.safetensors', color }, client_id: 'placement' });
    assert.equal(run.status, 201, JSON.stringify(run.body));
    onB.push(run.body);
  }
  for (const run of onB) {
    await client.waitForDone(run.prompt_id);
    assert.ok(acceptedBy(fakes.b).includes(run.prompt_id), 'only b has the checkpoint');
    assert.equal((await call<RunBody>(`${app.url}/automa/runs/${run.id}`, 'GET')).body.backend, 'b');
  }
  const refused = await call<ErrorReply>(`${app.url}/automa/apps/${imported.body.id}/runs`, 'POST', { inputs: { checkpoint: 'nowhere.safetensors' } });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body.error.extra_info.fields?.map((f) => f.field), ['inputs.checkpoint']);
});
