import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPngText, withPngText } from '../fake-comfy/png.js';
import { loadPairs, pairWorkflow } from '../automation/convert/helpers.js';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';
import { startStack } from '../helpers/stack.js';

interface ErrorBody {
  error: { type: string; message: string; details: string; extra_info: { problems?: { code: string; class_type?: string; missing_on?: string[] }[]; field?: string } };
}

const expectedOf = (prefix: string) => loadPairs().find((p) => p.file.startsWith(prefix))?.expected;

async function postForm(url: string, file: Buffer, filename: string, type: string): Promise<{ status: number; body: unknown }> {
  const form = new FormData();
  form.append('file', new Blob([file], { type }), filename);
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

test('POST /automa/convert turns the default workflow into the frontend\'s prompt, from JSON and from a .json file', async (t) => {
  const { app } = await startStack(t);
  const workflow = pairWorkflow('01');

  const fromJson = await postJson(`${app.url}/automa/convert`, { workflow });
  assert.equal(fromJson.status, 200);
  assert.deepEqual(fromJson.body, { prompt: expectedOf('01'), format: 'ui' });

  const fromFile = await postForm(`${app.url}/automa/convert`, Buffer.from(JSON.stringify(workflow)), 'default.json', 'application/json');
  assert.equal(fromFile.status, 200);
  assert.deepEqual((fromFile.body as { prompt: unknown }).prompt, expectedOf('01'));

  // An API prompt passes through unchanged.
  const api = await postJson(`${app.url}/automa/convert`, { workflow: expectedOf('01') });
  assert.equal(api.status, 200);
  assert.deepEqual(api.body, { prompt: expectedOf('01'), format: 'api' });
});

test('a PNG saved by SaveImage converts back to the prompt of the workflow it embeds', async (t) => {
  const { app } = await startStack(t);
  const workflow = pairWorkflow('10');
  const converted = await postJson(`${app.url}/automa/convert`, { workflow });
  assert.equal(converted.status, 200);
  const prompt = (converted.body as { prompt: Record<string, unknown> }).prompt;

  // Run it as the frontend would queue it: the workflow rides along in extra_pnginfo.
  const client = await ComfyTestClient.connect(app.wsUrl, 'png-client');
  t.after(() => client.close());
  const submitted = await postJson(`${app.url}/prompt`, { prompt, client_id: 'png-client', extra_data: { extra_pnginfo: { workflow } } });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;
  await client.waitForDone(promptId);
  const history = await getJson<Record<string, { outputs: Record<string, { images: { filename: string; subfolder: string; type: string }[] }> }>>(`${app.url}/history/${promptId}`);
  const image = history[promptId]?.outputs['6']?.images[0];
  assert.ok(image, 'SaveImage wrote an image');
  const view = await fetch(`${app.url}/view?filename=${encodeURIComponent(image.filename)}&type=output&subfolder=${encodeURIComponent(image.subfolder)}`);
  const png = Buffer.from(await view.arrayBuffer());
  assert.ok(readPngText(png).workflow, 'the PNG embeds the workflow');

  const fromPng = await postForm(`${app.url}/automa/convert`, png, image.filename, 'image/png');
  assert.equal(fromPng.status, 200, JSON.stringify(fromPng.body));
  assert.deepEqual(fromPng.body, { prompt: expectedOf('10'), format: 'ui' });

  // An image with only the API prompt (as saved by a script) gives that prompt.
  const promptOnly = withPngText(stripText(png), { prompt: JSON.stringify(prompt) });
  const fromPrompt = await postForm(`${app.url}/automa/convert`, promptOnly, 'api.png', 'image/png');
  assert.equal(fromPrompt.status, 200, JSON.stringify(fromPrompt.body));
  assert.deepEqual(fromPrompt.body, { prompt, format: 'api' });
});

test('bad workflows get ComfyUI-shaped 400s that say what is wrong', async (t) => {
  const { app } = await startStack(t);
  const url = `${app.url}/automa/convert`;

  const missing = await postJson(url, { nodes: [] });
  assert.equal(missing.status, 400);
  assert.equal((missing.body as ErrorBody).error.extra_info.field, 'workflow');

  const workflow = pairWorkflow('01') as { nodes: { id: number; type: string }[] };
  workflow.nodes[0]!.type = 'NoSuchNode';
  const unknown = await postJson(url, { workflow });
  assert.equal(unknown.status, 400);
  const body = unknown.body as ErrorBody;
  assert.equal(body.error.type, 'invalid_workflow');
  assert.match(body.error.message, /NoSuchNode/);
  const problem = body.error.extra_info.problems?.[0];
  assert.equal(problem?.code, 'UNKNOWN_NODE_CLASS');
  assert.equal(problem?.class_type, 'NoSuchNode');
  assert.deepEqual(problem?.missing_on, [app.app.gateway.links[0]?.ref.name]);

  const broken = pairWorkflow('01') as { links: unknown[] };
  broken.links = broken.links.slice(1);
  const dangling = await postJson(url, { workflow: broken });
  assert.equal(dangling.status, 400);
  assert.equal((dangling.body as ErrorBody).error.extra_info.problems?.[0]?.code, 'MISSING_LINK');

  const version = await postJson(url, { workflow: { ...pairWorkflow('01'), version: 7 } });
  assert.equal(version.status, 400);
  assert.match((version.body as ErrorBody).error.message, /version 7/);

  const notJson = await postForm(url, Buffer.from('{nope'), 'w.json', 'application/json');
  assert.equal(notJson.status, 400);
  assert.equal((notJson.body as ErrorBody).error.type, 'invalid_json');

  const notPng = await postForm(url, Buffer.from('GIF89a'), 'w.png', 'image/png');
  assert.equal(notPng.status, 400);
  assert.match((notPng.body as ErrorBody).error.details, /not a PNG/);

  const hostile = await postJson(url, { workflow: JSON.parse('{"version":0.4,"nodes":[{"id":"__proto__","type":"EmptyImage","widgets_values":[1,2,3,4]}],"links":[]}') });
  assert.equal(hostile.status, 200);
  assert.deepEqual(Object.keys((hostile.body as { prompt: object }).prompt), ['__proto__']);
});

/** The PNG without its text chunks. */
function stripText(png: Buffer): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (type !== 'tEXt') parts.push(png.subarray(offset, offset + 12 + length));
    offset += 12 + length;
  }
  return Buffer.concat(parts);
}
