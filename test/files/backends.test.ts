import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { isAppError } from '../../src/errors.js';
import { makeTempDir, startTestApp, type TestApp } from '../helpers/app.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/server.js';
import { listFiles, postForm, solidPng } from './helpers.js';

type After = { after: (fn: () => Promise<void> | void) => void };

async function fake(t: After): Promise<FakeComfy> {
  const comfy = await startFakeComfy();
  t.after(() => comfy.close());
  return comfy;
}

async function gateway(t: After, comfy: FakeComfy, dataDir?: string): Promise<TestApp> {
  const app = await startTestApp(['--comfyui', `main=${comfy.url}`], dataDir === undefined ? {} : { dataDir });
  t.after(() => app.close());
  return app;
}

async function upload(app: TestApp, name: string, value: Buffer, fields: Record<string, string> = {}): Promise<void> {
  const parts = [{ name: 'image', filename: name, value }, ...Object.entries(fields).map(([n, v]) => ({ name: n, value: v }))];
  const response = await postForm(`${app.url}/upload/image`, parts);
  assert.equal(response.status, 200, await response.text());
}

const backendOf = (comfy: FakeComfy, name = 'main') => ({ name, url: comfy.url });

/** A prompt naming files the ComfyUI ways, among strings and links that name nothing of ours. */
const PROMPT = {
  '1': { class_type: 'LoadImage', inputs: { image: 'cat.png' } },
  '2': { class_type: 'LoadImage', inputs: { image: 'sub/dog.png' } },
  '3': { class_type: 'LoadImage', inputs: { image: 'tmp.png [temp]' } },
  '4': { class_type: 'LoadImageMask', inputs: { image: 'cat.png [input]', channel: 'alpha' } },
  '5': { class_type: 'CLIPTextEncode', inputs: { text: 'a photo of a cat', clip: ['6', 1] } },
  '6': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'model.safetensors' } },
  '7': { class_type: 'LoadImage', inputs: { image: '../escape.png' } },
};

test('ensureInputsOnBackend uploads what a backend never saw, exactly once per content, and remembers it across restarts', async (t) => {
  const comfy = await fake(t);
  const temp = makeTempDir();
  t.after(() => temp.remove());
  let app = await gateway(t, comfy, temp.dir);
  const [cat, dog, tmp, cat2] = await Promise.all([
    solidPng(8, 8, [200, 100, 50, 255]),
    solidPng(8, 8, [50, 100, 200, 255]),
    solidPng(8, 8, [1, 2, 3, 128]),
    solidPng(8, 8, [9, 9, 9, 255]),
  ]);
  await upload(app, 'cat.png', cat);
  await upload(app, 'dog.png', dog, { subfolder: 'sub' });
  await upload(app, 'tmp.png', tmp, { type: 'temp' });
  comfy.control.resetReceived();

  await app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT);
  const uploads = comfy.control.received.uploads.map((u) => ({ status: u.status, name: u.name, subfolder: u.subfolder, type: u.type }));
  assert.deepEqual(
    uploads.sort((a, b) => `${a.type}${a.subfolder}${a.name}`.localeCompare(`${b.type}${b.subfolder}${b.name}`)),
    [
      { status: 200, name: 'cat.png', subfolder: '', type: 'input' },
      { status: 200, name: 'dog.png', subfolder: 'sub', type: 'input' },
      { status: 200, name: 'tmp.png', subfolder: '', type: 'temp' },
    ],
  );
  assert.deepEqual(fs.readFileSync(path.join(comfy.dirs.input, 'cat.png')), cat);
  assert.deepEqual(fs.readFileSync(path.join(comfy.dirs.input, 'sub', 'dog.png')), dog);
  assert.deepEqual(fs.readFileSync(path.join(comfy.dirs.temp, 'tmp.png')), tmp);

  // Again: the backend holds all of it, nothing is sent.
  await app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT);
  assert.equal(comfy.control.received.uploads.length, 3);

  // New content under a known name goes again, and only that file.
  await upload(app, 'cat.png', cat2, { overwrite: 'true' });
  await app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT);
  assert.equal(comfy.control.received.uploads.length, 4);
  assert.deepEqual(fs.readFileSync(path.join(comfy.dirs.input, 'cat.png')), cat2);

  // The record is durable: a restarted gateway sends nothing either.
  await app.close();
  app = await gateway(t, comfy, temp.dir);
  await app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT);
  assert.equal(comfy.control.received.uploads.length, 4);

  // Another backend (same URL under another name here) has seen nothing yet.
  await app.app.files.ensureInputsOnBackend(backendOf(comfy, 'other'), PROMPT);
  assert.equal(comfy.control.received.uploads.length, 7);

  // A backend wiped and forgotten gets everything again.
  fs.rmSync(path.join(comfy.dirs.input, 'cat.png'));
  await app.app.files.forgetBackend('main');
  await app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT);
  assert.equal(comfy.control.received.uploads.length, 10);
  assert.deepEqual(fs.readFileSync(path.join(comfy.dirs.input, 'cat.png')), cat2);
  assert.ok(!fs.existsSync(path.join(path.dirname(comfy.dirs.input), 'escape.png')));
});

test('ensureInputsOnBackend fails with backendUnavailable while the backend is down, and catches up after', async (t) => {
  const comfy = await fake(t);
  const app = await gateway(t, comfy);
  const cat = await solidPng(8, 8, [200, 100, 50, 255]);
  await upload(app, 'cat.png', cat);
  await comfy.control.crash();

  await assert.rejects(app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT), (error: unknown) => {
    assert.ok(isAppError(error));
    assert.equal(error.code, 'BACKEND_UNAVAILABLE');
    assert.equal(error.status, 502);
    return true;
  });

  await comfy.control.restart();
  comfy.control.resetReceived();
  await app.app.files.ensureInputsOnBackend(backendOf(comfy), PROMPT);
  assert.deepEqual(comfy.control.received.uploads.map((u) => u.name), ['cat.png']);
  assert.deepEqual(fs.readFileSync(path.join(comfy.dirs.input, 'cat.png')), cat);
});

test('collectOutputs copies output files into our tree, served by /view after the backend is gone', async (t) => {
  const comfy = await fake(t);
  const app = await gateway(t, comfy);
  const png = await solidPng(8, 8, [10, 20, 30, 255]);
  const video = Buffer.from('not really a video, but bytes all the same');
  fs.writeFileSync(path.join(comfy.dirs.output, 'ComfyUI_00001_.png'), png);
  fs.mkdirSync(path.join(comfy.dirs.output, 'clips'), { recursive: true });
  fs.writeFileSync(path.join(comfy.dirs.output, 'clips', 'v_00001.mp4'), video);

  const outputs = {
    '9': {
      images: [
        { filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' },
        { filename: 'ComfyUI_temp_abc_00001_.png', subfolder: '', type: 'temp' },
      ],
    },
    '10': { gifs: [{ filename: 'v_00001.mp4', subfolder: 'clips', type: 'output', format: 'video/h264-mp4' }], animated: [false] },
    '11': { text: ['hello'] },
    '12': { images: [{ filename: 'vanished.png', subfolder: '', type: 'output' }] },
    '13': { images: [{ filename: 'passwd', subfolder: '../../etc', type: 'output' }] },
  };
  const collected = await app.app.files.collectOutputs(backendOf(comfy), outputs);
  assert.deepEqual(collected, outputs, 'no clash: every ref stays as the backend named it');
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files', 'output')), ['ComfyUI_00001_.png', 'clips/v_00001.mp4']);

  await comfy.close();
  const image = await fetch(`${app.url}/view?filename=ComfyUI_00001_.png&subfolder=&type=output`);
  assert.equal(image.status, 200);
  assert.deepEqual(Buffer.from(await image.arrayBuffer()), png);
  const clip = await fetch(`${app.url}/api/view?filename=v_00001.mp4&subfolder=clips&type=output`);
  assert.equal(clip.status, 200);
  assert.equal(clip.headers.get('content-type'), 'video/mp4');
  assert.deepEqual(Buffer.from(await clip.arrayBuffer()), video);
  const preview = await fetch(`${app.url}/view?filename=ComfyUI_00001_.png&type=output&preview=webp%3B80`);
  assert.equal(preview.status, 200);
  assert.equal((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).format, 'webp');
});

test('collectOutputs keeps both files when two backends produce the same name, and is idempotent', async (t) => {
  const first = await fake(t);
  const second = await fake(t);
  const app = await gateway(t, first);
  const [a, b] = await Promise.all([solidPng(4, 4, [255, 0, 0, 255]), solidPng(4, 4, [0, 0, 255, 255])]);
  fs.writeFileSync(path.join(first.dirs.output, 'ComfyUI_00001_.png'), a);
  fs.writeFileSync(path.join(second.dirs.output, 'ComfyUI_00001_.png'), b);
  const outputs = { '9': { images: [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }] } };

  assert.deepEqual(await app.app.files.collectOutputs(backendOf(first), outputs), outputs);
  const renamed = await app.app.files.collectOutputs(backendOf(second, 'second'), outputs);
  assert.deepEqual(renamed, { '9': { images: [{ filename: 'ComfyUI_00001_ (1).png', subfolder: '', type: 'output' }] } });
  // Collecting again (a reconciliation after a restart) answers the same names and copies nothing new.
  assert.deepEqual(await app.app.files.collectOutputs(backendOf(first), outputs), outputs);
  assert.deepEqual(await app.app.files.collectOutputs(backendOf(second, 'second'), outputs), renamed);
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files', 'output')), ['ComfyUI_00001_ (1).png', 'ComfyUI_00001_.png']);

  const served = async (name: string) => Buffer.from(await (await fetch(`${app.url}/view?filename=${encodeURIComponent(name)}`)).arrayBuffer());
  assert.deepEqual(await served('ComfyUI_00001_.png'), a);
  assert.deepEqual(await served('ComfyUI_00001_ (1).png'), b);
});

test('collectOutputs throws backendUnavailable when the backend cannot be reached', async (t) => {
  const comfy = await fake(t);
  const app = await gateway(t, comfy);
  await comfy.control.crash();
  const outputs = { '9': { images: [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }] } };
  await assert.rejects(app.app.files.collectOutputs(backendOf(comfy), outputs), (error: unknown) => isAppError(error) && error.code === 'BACKEND_UNAVAILABLE');
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files')), []);
});

test('/view of a temp file we lack is fetched from the backend, conversions included', async (t) => {
  const comfy = await fake(t);
  const app = await gateway(t, comfy);
  const png = await solidPng(8, 8, [10, 200, 30, 255]);
  fs.writeFileSync(path.join(comfy.dirs.temp, 'ComfyUI_temp_xyz_00001_.png'), png);

  const plain = await fetch(`${app.url}/view?filename=ComfyUI_temp_xyz_00001_.png&subfolder=&type=temp`);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('content-type'), 'image/png');
  assert.equal(plain.headers.get('content-disposition'), 'filename="ComfyUI_temp_xyz_00001_.png"');
  assert.equal(plain.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await plain.arrayBuffer()), png);

  const annotated = await fetch(`${app.url}/view?filename=${encodeURIComponent('ComfyUI_temp_xyz_00001_.png [temp]')}&preview=jpeg%3B70`);
  assert.equal(annotated.status, 200);
  assert.equal(annotated.headers.get('content-type'), 'image/jpeg');
  assert.equal((await sharp(Buffer.from(await annotated.arrayBuffer())).metadata()).format, 'jpeg');

  const missing = await fetch(`${app.url}/view?filename=nope.png&type=temp`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();

  // Outputs are only ever served from our own tree.
  fs.writeFileSync(path.join(comfy.dirs.output, 'only_there.png'), png);
  const output = await fetch(`${app.url}/view?filename=only_there.png&type=output`);
  assert.equal(output.status, 404);
  await output.body?.cancel();
});
