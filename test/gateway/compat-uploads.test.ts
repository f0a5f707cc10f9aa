/**
 * An image uploaded to the gateway is run by a backend that never saw it: the gateway uploads
 * it there before submitting the prompt, once per content, and again only when it changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { type TestApp } from '../helpers/app.js';
import { startStack } from '../helpers/stack.js';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';

function png(width: number, height: number, rgb: readonly [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

/** What the ComfyUI frontend sends: FormData with `image` (+ optional fields). */
async function upload(app: TestApp, name: string, bytes: Buffer, fields: Record<string, string> = {}): Promise<{ name: string; subfolder: string; type: string }> {
  const form = new FormData();
  form.append('image', new Blob([bytes], { type: 'image/png' }), name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`${app.url}/upload/image`, { method: 'POST', body: form });
  assert.equal(response.status, 200);
  return (await response.json()) as { name: string; subfolder: string; type: string };
}

const loadInvertSave = (image: string, prefix: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
});

interface HistoryEntry {
  outputs: Record<string, { images: { filename: string; subfolder: string; type: string }[] }>;
  status: { status_str: string };
}

async function run(app: TestApp, client: ComfyTestClient, prompt: object): Promise<{ promptId: string; entry: HistoryEntry }> {
  const submitted = await postJson(`${app.url}/prompt`, { prompt, client_id: client.clientId });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;
  await client.waitForDone(promptId);
  const history = await getJson<Record<string, HistoryEntry>>(`${app.url}/history/${promptId}`);
  const entry = history[promptId];
  assert.ok(entry);
  return { promptId, entry };
}

/** The saved output, read back through the gateway's /view. */
async function outputPixels(app: TestApp, entry: HistoryEntry): Promise<{ width: number; height: number; rgb: number[] }> {
  const image = entry.outputs['3']?.images[0];
  assert.ok(image);
  const response = await fetch(`${app.url}/view?${new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type })}`);
  assert.equal(response.status, 200);
  const { data, info } = await sharp(Buffer.from(await response.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: [...data.subarray(0, 3)] };
}

test('an image uploaded to the gateway reaches the backend before the prompt that loads it, once per content', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'uploader');
  t.after(() => client.close());

  const bytes = await png(24, 20, [10, 200, 30]);
  const stored = await upload(app, 'photo.png', bytes);
  assert.deepEqual(stored, { name: 'photo.png', subfolder: '', type: 'input' });
  assert.deepEqual(fake.control.received.uploads, [], 'the upload stays with the gateway until a prompt needs it');
  assert.ok(!fs.existsSync(path.join(fake.dirs.input, 'photo.png')));

  const first = await run(app, client, loadInvertSave('photo.png', 'up1'));
  assert.equal(first.entry.status.status_str, 'success');
  const uploads = fake.control.received.uploads;
  assert.equal(uploads.length, 1);
  assert.deepEqual(uploads[0], { route: '/upload/image', status: 200, name: 'photo.png', subfolder: '', type: 'input' });
  assert.deepEqual(fs.readFileSync(path.join(fake.dirs.input, 'photo.png')), bytes, 'the backend holds the very bytes uploaded to us');
  const order = fake.control.received.requests.map((r) => `${r.method} ${r.path}`);
  assert.ok(order.indexOf('POST /upload/image') < order.indexOf('POST /prompt'), 'uploaded before the prompt was submitted');
  // The backend really ran our image: its size, inverted colour.
  assert.deepEqual(await outputPixels(app, first.entry), { width: 24, height: 20, rgb: [245, 55, 225] });

  const second = await run(app, client, loadInvertSave('photo.png', 'up2'));
  assert.equal(second.entry.status.status_str, 'success');
  assert.equal(fake.control.received.uploads.length, 1, 'same content: not uploaded again');

  // New content under the same name (overwrite): the backend's copy is stale and is replaced.
  const changed = await png(24, 20, [100, 0, 0]);
  assert.deepEqual(await upload(app, 'photo.png', changed, { overwrite: 'true' }), stored);
  const third = await run(app, client, loadInvertSave('photo.png', 'up3'));
  assert.equal(third.entry.status.status_str, 'success');
  assert.equal(fake.control.received.uploads.length, 2);
  assert.deepEqual(fs.readFileSync(path.join(fake.dirs.input, 'photo.png')), changed);
  // LoadImage's IS_CHANGED (the file hash) changed on the backend, so it ran again rather than
  // coming from its cache. (The fake's pixel reading is not checked here: sharp caches by path.)
  const cached = client.framesOf(third.promptId).find((f) => f.type === 'execution_cached');
  assert.ok(cached && !(cached.data.nodes as string[]).includes('1'), 'LoadImage re-ran on the new content');
});

test('uploads in a subfolder and the "name [input]" form are replicated under the same path', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'uploader-sub');
  t.after(() => client.close());

  const bytes = await png(12, 8, [0, 0, 250]);
  assert.deepEqual(await upload(app, 'mask.png', bytes, { subfolder: 'clipspace' }), { name: 'mask.png', subfolder: 'clipspace', type: 'input' });
  const viaSubfolder = await run(app, client, loadInvertSave('clipspace/mask.png', 'sub'));
  assert.equal(viaSubfolder.entry.status.status_str, 'success');
  assert.deepEqual(fs.readFileSync(path.join(fake.dirs.input, 'clipspace', 'mask.png')), bytes);
  assert.deepEqual(await outputPixels(app, viaSubfolder.entry), { width: 12, height: 8, rgb: [255, 255, 5] });

  const other = await png(6, 6, [1, 2, 3]);
  await upload(app, 'plain.png', other);
  const annotated = await run(app, client, loadInvertSave('plain.png [input]', 'ann'));
  assert.equal(annotated.entry.status.status_str, 'success');
  assert.deepEqual(fs.readFileSync(path.join(fake.dirs.input, 'plain.png')), other);
  assert.deepEqual(
    fake.control.received.uploads.map((u) => [u.name, u.subfolder]),
    [['mask.png', 'clipspace'], ['plain.png', '']],
  );
});

test('a prompt naming an input nobody has is refused at submit with ComfyUI’s 400, and nothing is queued', async (t) => {
  const { fake, app } = await startStack(t);
  const rejected = await postJson(`${app.url}/prompt`, { prompt: loadInvertSave('never-uploaded.png', 'x'), client_id: 'uploader-missing' });
  assert.equal(rejected.status, 400);
  assert.deepEqual((rejected.body as { node_errors: unknown }).node_errors, {
    '1': {
      errors: [
        {
          type: 'custom_validation_failed',
          message: 'Custom validation failed for node',
          details: 'image - Invalid image file: never-uploaded.png',
          extra_info: { input_name: 'image' },
        },
      ],
      dependent_outputs: ['3'],
      class_type: 'LoadImage',
    },
  });
  assert.deepEqual(await getJson(`${app.url}/queue`), { queue_running: [], queue_pending: [] });
  assert.deepEqual(fake.control.received.prompts, []);
  assert.deepEqual(fake.control.received.uploads, []);
});

test('a file put straight into the backend’s input folder after its object_info was read is found at submit', async (t) => {
  const { fake, app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'uploader-direct');
  t.after(() => client.close());
  // As if uploaded through /comfyui/upload/image or copied there by hand: the gateway's cached
  // object_info does not list it, so it asks the backend again before refusing.
  fs.writeFileSync(path.join(fake.dirs.input, 'placed-directly.png'), await png(5, 4, [10, 20, 30]));

  const { entry } = await run(app, client, loadInvertSave('placed-directly.png', 'direct'));
  assert.equal(entry.status.status_str, 'success');
  assert.deepEqual(await outputPixels(app, entry), { width: 5, height: 4, rgb: [245, 235, 225] });
  assert.deepEqual(fake.control.received.uploads, [], 'the backend had it; nothing to upload');
  const annotated = await run(app, client, loadInvertSave('placed-directly.png [input]', 'direct2'));
  assert.equal(annotated.entry.status.status_str, 'success', 'the [input] annotation names the same file');
});

test('an [output] file we do not hold is the backend’s to judge: accepted, then its verdict reaches the client', async (t) => {
  const { app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'uploader-output');
  t.after(() => client.close());
  // Outputs of prompts run on the backend directly live in a folder its object_info does not list.
  const { promptId, entry } = await run(app, client, loadInvertSave('not-produced-here.png [output]', 'out'));
  assert.equal(entry.status.status_str, 'error');
  const error = client.framesOf(promptId).find((f) => f.type === 'execution_error');
  assert.match(String(error?.data.exception_message), /Invalid image file: not-produced-here\.png \[output\]/);
});

test('an output of an earlier prompt, named with [output], is a valid input for the next one', async (t) => {
  const { app } = await startStack(t);
  const client = await ComfyTestClient.connect(app.wsUrl, 'uploader-chain');
  t.after(() => client.close());
  await upload(app, 'chain.png', await png(3, 3, [200, 100, 0]));
  const first = await run(app, client, loadInvertSave('chain.png', 'chain'));
  const image = first.entry.outputs['3']?.images[0];
  assert.ok(image);
  const reference = `${image.subfolder === '' ? '' : `${image.subfolder}/`}${image.filename} [output]`;
  const second = await run(app, client, loadInvertSave(reference, 'chain2'));
  assert.equal(second.entry.status.status_str, 'success');
  assert.deepEqual((await outputPixels(app, second.entry)).rgb, [200, 100, 0]);
});
