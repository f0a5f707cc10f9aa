import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { call, defaultWorkflowPrompt, defaultWorkflowUi, importDefaultApp, startAutomaStack, type ErrorReply } from './helpers.js';

interface AppBody {
  id: string;
  name: string;
  inputs_source: string;
  inputs: { name: string; node: string; input: string; type: string; choices?: { value: string; backends: string[] }[] }[];
  outputs: { node: string; class_type: string }[];
  broken_inputs?: { name: string; reason: string }[];
  schema: { $schema: string; properties: Record<string, Record<string, unknown>> };
  example: { inputs: Record<string, unknown> };
  links: Record<string, string>;
}

test('an API-format workflow imports as an app with proposed inputs, a JSON Schema, an example and an OpenAPI document', async (t) => {
  const { app } = await startAutomaStack(t);
  const created = await call<AppBody>(`${app.url}/automa/apps`, 'POST', { name: 'txt2img', workflow: defaultWorkflowPrompt() });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.headers.get('location'), `/automa/apps/${created.body.id}`);
  assert.equal(created.body.inputs_source, 'proposal');
  assert.deepEqual(created.body.inputs.map((i) => `${i.name}:${i.type}`), [
    'seed:seed', 'steps:int', 'cfg:float', 'sampler_name:enum', 'scheduler:enum', 'denoise:float', 'ckpt_name:enum', 'width:int', 'height:int', 'prompt:string', 'negative_prompt:string',
  ]);
  const ckpt = created.body.inputs.find((i) => i.name === 'ckpt_name');
  assert.deepEqual(ckpt?.choices?.map((c) => [c.value, c.backends]), [['v1-5-pruned-emaonly-fp16.safetensors', ['local']], ['other.safetensors', ['local']]]);
  assert.deepEqual(created.body.outputs.map((o) => o.node), ['9']);

  const got = await call<AppBody>(`${app.url}/automa/apps/${created.body.id}`, 'GET');
  assert.equal(got.status, 200);
  assert.equal(got.body.schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(got.body.schema.properties.steps, { type: 'integer', minimum: 1, maximum: 10000, title: 'Steps', description: 'The number of steps used in the denoising process.', default: 20 });
  assert.equal(got.body.example.inputs.prompt, 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,');
  // The example is a valid body: it runs.
  const run = await call(`${app.url}${got.body.links.runs}`, 'POST', got.body.example);
  assert.equal(run.status, 201, JSON.stringify(run.body));

  const openapi = await call<{ openapi: string; paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: { inputs: unknown } } }> } } }> }>(
    `${app.url}/automa/apps/${created.body.id}/openapi.json`,
    'GET',
  );
  assert.equal(openapi.body.openapi, '3.1.0');
  const operation = openapi.body.paths[`/automa/apps/${created.body.id}/runs`]?.post;
  const { $schema: _dialect, ...inputsSchema } = got.body.schema;
  assert.deepEqual(operation?.requestBody.content['application/json']?.schema.properties.inputs, inputsSchema);
});

test('apps are listed, renamed, given a new workflow (inputs re-bound or reported broken) and deleted', async (t) => {
  const { app } = await startAutomaStack(t);
  const first = await importDefaultApp(app.url, { inputs: [{ name: 'text', node: '6', input: 'text' }, { name: 'negative', node: 7, input: 'text', label: 'Avoid' }] });
  const second = await importDefaultApp(app.url, { name: 'second' });
  const page1 = await call<{ items: { id: string }[]; next_cursor: string | null }>(`${app.url}/automa/apps?limit=1`, 'GET');
  assert.deepEqual(page1.body.items.map((a) => a.id), [second.id], 'newest first');
  assert.ok(page1.body.next_cursor !== null);
  const page2 = await call<{ items: { id: string }[]; next_cursor: string | null }>(`${app.url}/automa/apps?limit=1&cursor=${page1.body.next_cursor}`, 'GET');
  assert.deepEqual(page2.body.items.map((a) => a.id), [first.id]);
  assert.equal(page2.body.next_cursor, null);

  const renamed = await call<AppBody>(`${app.url}/automa/apps/${first.id}`, 'PATCH', { name: 'portraits' });
  assert.equal(renamed.body.name, 'portraits');
  assert.equal(renamed.body.inputs_source, 'request');
  assert.deepEqual(renamed.body.inputs.map((i) => i.name), ['text', 'negative']);

  // The new workflow has no node 7: `negative` is reported broken, `text` still binds.
  const workflow = defaultWorkflowPrompt();
  delete workflow['7'];
  workflow['3']!.inputs.negative = ['6', 0];
  const replaced = await call<AppBody>(`${app.url}/automa/apps/${first.id}/workflow`, 'PUT', { workflow });
  assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
  assert.deepEqual(replaced.body.inputs.map((i) => i.name), ['text']);
  assert.deepEqual(replaced.body.broken_inputs?.map((b) => b.name), ['negative']);
  assert.match(replaced.body.broken_inputs?.[0]?.reason ?? '', /no node 7/);

  assert.equal((await call(`${app.url}/automa/apps/${first.id}`, 'DELETE')).status, 204);
  assert.equal((await call(`${app.url}/automa/apps/${first.id}`, 'GET')).status, 404);
  assert.equal((await call(`${app.url}/automa/apps/${first.id}`, 'DELETE')).status, 404);
});

test('a workflow file posted as multipart/form-data imports like a JSON body', async (t) => {
  const { app } = await startAutomaStack(t);
  const form = new FormData();
  form.set('name', 'from a file');
  form.set('outputs', JSON.stringify(['9']));
  form.set('file', new Blob([JSON.stringify(defaultWorkflowPrompt())], { type: 'application/json' }), 'txt2img_api.json');
  const response = await fetch(`${app.url}/automa/apps`, { method: 'POST', body: form });
  const body = (await response.json()) as AppBody;
  assert.equal(response.status, 201, JSON.stringify(body));
  assert.equal(body.name, 'from a file');
  assert.equal(body.inputs.length, 11);
});

test('unknown node classes, bad links, cycles and bad bindings are refused with 400 and nothing is stored', async (t) => {
  const { app } = await startAutomaStack(t);
  const withUnknown = { ...defaultWorkflowPrompt(), '20': { class_type: 'NoSuchNode', inputs: {} }, '21': { class_type: 'AlsoMissing', inputs: { x: ['20', 0] } } };
  const unknown = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', { name: 'x', workflow: withUnknown });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'unknown_node_classes');
  assert.deepEqual(unknown.body.error.extra_info.classes, [
    { class_type: 'NoSuchNode', nodes: ['20'], missing_on: ['local'] },
    { class_type: 'AlsoMissing', nodes: ['21'], missing_on: ['local'] },
  ]);
  assert.match(unknown.body.error.details, /NoSuchNode \(node 20; missing on local\)/);

  const badLink = defaultWorkflowPrompt();
  badLink['8']!.inputs.vae = ['4', 7];
  badLink['9']!.inputs.images = ['99', 0];
  const links = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', { name: 'x', workflow: badLink });
  assert.equal(links.status, 400);
  assert.match(links.body.error.details, /node 8 input vae links to output 7 of node 4 \(CheckpointLoaderSimple\), which has 3 outputs/);
  assert.match(links.body.error.details, /node 9 input images links to node 99/);

  const cyclic = { '1': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } }, '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } } };
  const cycle = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', { name: 'x', workflow: cyclic });
  assert.equal(cycle.status, 400);
  assert.match(cycle.body.error.details, /cycle: 1 → 2 → 1/);

  const bindings = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', {
    name: 'x',
    workflow: defaultWorkflowPrompt(),
    inputs: [{ name: 'model', node: '3', input: 'model' }, { name: 'gone', node: '42', input: 'seed' }, { name: 'bad name!', node: '3', input: 'seed' }],
  });
  assert.equal(bindings.status, 400);
  assert.deepEqual(bindings.body.error.extra_info.fields?.map((f) => f.field), ['inputs.2.name']);
  const broken = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', { name: 'x', workflow: defaultWorkflowPrompt(), inputs: [{ name: 'model', node: '3', input: 'model' }, { name: 'gone', node: '42', input: 'seed' }] });
  assert.equal(broken.status, 400);
  assert.deepEqual(broken.body.error.extra_info.fields?.map((f) => f.field), ['inputs.model', 'inputs.gone']);

  const notAWorkflow = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', { name: 'x', workflow: [1, 2] });
  assert.equal(notAWorkflow.status, 400);
  const noName = await call<ErrorReply>(`${app.url}/automa/apps`, 'POST', { workflow: defaultWorkflowPrompt() });
  assert.equal(noName.status, 400);
  assert.deepEqual(noName.body.error.extra_info.fields, [{ field: 'name', reason: 'is required' }]);

  const list = await call<{ items: unknown[] }>(`${app.url}/automa/apps`, 'GET');
  assert.deepEqual(list.body.items, [], 'no refused import left anything behind');
});

/** A PNG with `workflow` in a tEXt chunk, as ComfyUI's SaveImage writes it. */
async function pngWithWorkflow(workflow: unknown): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
  const data = Buffer.concat([Buffer.from('workflow\0', 'latin1'), Buffer.from(JSON.stringify(workflow), 'latin1')]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write('tEXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  const at = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, at), head, data, crc, png.subarray(at)]);
}

test('a UI-format workflow with App Mode imports with its App Mode inputs and outputs; a ComfyUI PNG imports from the picture', async (t) => {
  const { app } = await startAutomaStack(t);
  const ui = structuredClone(defaultWorkflowUi()) as { nodes: { id: number; inputs?: unknown[] }[]; extra?: Record<string, unknown> };
  const sampler = ui.nodes.find((n) => n.id === 3);
  sampler?.inputs?.push({ name: 'seed', type: 'INT', widget: { name: 'seed' }, link: null, label: 'Seed value' });
  ui.extra = { ...ui.extra, linearMode: true, linearData: { inputs: [[6, 'text'], [3, 'seed'], [3, 'steps']], outputs: [9] } };
  const created = await call<AppBody>(`${app.url}/automa/apps`, 'POST', { name: 'app mode', workflow: ui });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.inputs_source, 'app_mode');
  assert.deepEqual(created.body.inputs.map((i) => [i.name, i.node, i.input, i.type]), [
    ['text', '6', 'text', 'string'],
    ['seed_value', '3', 'seed', 'seed'],
    ['steps', '3', 'steps', 'int'],
  ]);
  assert.deepEqual(created.body.outputs.map((o) => o.node), ['9']);
  // The prompt is the frontend's own conversion of the workflow.
  const got = await call<AppBody & { prompt: Record<string, unknown>; format: string }>(`${app.url}/automa/apps/${created.body.id}`, 'GET');
  assert.equal(got.body.format, 'ui');
  assert.deepEqual(got.body.prompt, defaultWorkflowPrompt());

  const form = new FormData();
  form.set('name', 'from a picture');
  form.set('file', new Blob([await pngWithWorkflow(defaultWorkflowUi())], { type: 'image/png' }), 'ComfyUI_00001_.png');
  const response = await fetch(`${app.url}/automa/apps`, { method: 'POST', body: form });
  const fromPng = (await response.json()) as AppBody & { format: string; prompt: unknown };
  assert.equal(response.status, 201, JSON.stringify(fromPng));
  assert.equal(fromPng.format, 'png');
  assert.deepEqual(fromPng.prompt, defaultWorkflowPrompt());
  assert.equal(fromPng.inputs_source, 'proposal');
});
