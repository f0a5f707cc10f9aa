import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { listFiles, postForm, rawPng, type Part } from './helpers.js';

const NO_BACKEND = ['--comfyui', 'http://127.0.0.1:9'];

async function start(t: { after: (fn: () => Promise<void>) => void }): Promise<TestApp> {
  const app = await startTestApp(NO_BACKEND);
  t.after(() => app.close());
  return app;
}

// 2×2 opaque original, and a mask whose alpha differs per pixel (its RGB must not matter).
const ORIGINAL_RGB = Buffer.from([200, 10, 10, 10, 200, 10, 10, 10, 200, 90, 90, 90]);
const MASK_RGBA = Buffer.from([0, 0, 0, 0, 0, 0, 0, 255, 9, 9, 9, 100, 50, 50, 50, 200]);

/** A PNG with a tEXt chunk, as ComfyUI's SaveImage writes the workflow into its outputs. */
function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const type = Buffer.from('tEXt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  const afterHeader = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, afterHeader), length, type, data, crc, png.subarray(afterHeader)]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

async function uploadMask(app: TestApp, mask: Buffer, fields: Record<string, string>, filename = 'rec_mask.png'): Promise<Response> {
  const parts: Part[] = [{ name: 'image', filename, value: mask }, ...Object.entries(fields).map(([name, value]) => ({ name, value }))];
  return postForm(`${app.url}/upload/mask`, parts);
}

test('upload/mask stores the original with the mask alpha, keeping its embedded workflow', async (t) => {
  const app = await start(t);
  const original = withTextChunk(await rawPng(2, 2, ORIGINAL_RGB, 3), 'workflow', '{"nodes":[]}');
  const put = await postForm(`${app.url}/upload/image`, [{ name: 'image', filename: 'orig.png', value: original }]);
  assert.equal(put.status, 200);
  const mask = await rawPng(2, 2, MASK_RGBA);
  const ref = JSON.stringify({ filename: 'orig.png', subfolder: '', type: 'input' });

  const first = await uploadMask(app, mask, { type: 'input', subfolder: 'clipspace', original_ref: ref });
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { name: 'rec_mask.png', subfolder: 'clipspace', type: 'input' });

  const stored = fs.readFileSync(path.join(app.dataDir, 'files', 'input', 'clipspace', 'rec_mask.png'));
  const { data, info } = await sharp(stored).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 4);
  for (let pixel = 0; pixel < 4; pixel++) {
    assert.deepEqual([...data.subarray(pixel * 4, pixel * 4 + 3)], [...ORIGINAL_RGB.subarray(pixel * 3, pixel * 3 + 3)], `rgb of pixel ${pixel}`);
    assert.equal(data[pixel * 4 + 3], MASK_RGBA[pixel * 4 + 3], `alpha of pixel ${pixel}`);
  }
  assert.match(stored.toString('latin1'), /tEXtworkflow\0\{"nodes":\[\]\}/, 'the workflow text chunk is kept');
  const viewed = await fetch(`${app.url}/view?filename=rec_mask.png&type=input&subfolder=clipspace`);
  assert.equal(viewed.status, 200);
  assert.deepEqual(Buffer.from(await viewed.arrayBuffer()), stored);

  // As recorded: the same mask again is compared with the stored composite, which differs.
  const again = await uploadMask(app, mask, { type: 'input', subfolder: 'clipspace', original_ref: ref });
  assert.deepEqual(await again.json(), { name: 'rec_mask (1).png', subfolder: 'clipspace', type: 'input' });

  // original_ref defaults to type output, and `name [input]` picks the folder.
  const annotated = await uploadMask(app, mask, { original_ref: JSON.stringify({ filename: 'orig.png [input]' }) }, 'm2.png');
  assert.deepEqual(await annotated.json(), { name: 'm2.png', subfolder: '', type: 'input' });
  assert.ok(fs.existsSync(path.join(app.dataDir, 'files', 'input', 'm2.png')));
});

test('upload/mask with a missing or escaping original answers 200 and stores nothing, as ComfyUI', async (t) => {
  const app = await start(t);
  const mask = await rawPng(2, 2, MASK_RGBA);
  const secret = path.join(app.dataDir, 'secret.png');
  fs.writeFileSync(secret, await rawPng(2, 2, ORIGINAL_RGB, 3));
  fs.symlinkSync(secret, path.join(app.dataDir, 'files', 'input', 'link.png'));
  const refs = [
    { filename: '../etc/passwd', type: 'input' },
    { filename: 'does_not_exist.png', type: 'input' },
    { filename: 'secret.png', subfolder: '../..', type: 'input' },
    { filename: '/etc/passwd', type: 'input' },
    { filename: 'link.png', type: 'input' },
    { filename: 'x.png', type: 'bogus' },
  ];
  for (const [i, ref] of refs.entries()) {
    const response = await uploadMask(app, mask, { original_ref: JSON.stringify(ref) }, `m${i}.png`);
    assert.equal(response.status, 200, JSON.stringify(ref));
    assert.deepEqual(await response.json(), { name: `m${i}.png`, subfolder: '', type: 'input' });
  }
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files', 'input')), ['link.png'], 'no mask was stored');
});

test('upload/mask refuses a bad original_ref and a mask of another size with 400', async (t) => {
  const app = await start(t);
  const put = await postForm(`${app.url}/upload/image`, [{ name: 'image', filename: 'orig.png', value: await rawPng(2, 2, ORIGINAL_RGB, 3) }]);
  assert.equal(put.status, 200);
  const mask = await rawPng(2, 2, MASK_RGBA);
  const cases: [Record<string, string>, Buffer][] = [
    [{}, mask],
    [{ original_ref: '{not json' }, mask],
    [{ original_ref: '{"subfolder":""}' }, mask],
    [{ original_ref: JSON.stringify({ filename: 'orig.png', type: 'input' }) }, await rawPng(1, 1, Buffer.from([0, 0, 0, 0]))],
    [{ original_ref: JSON.stringify({ filename: 'orig.png', type: 'input' }) }, Buffer.from('not an image')],
  ];
  for (const [fields, body] of cases) {
    const response = await uploadMask(app, body, fields);
    assert.equal(response.status, 400, JSON.stringify(fields));
    assert.ok(((await response.json()) as { error: { message: string } }).error.message.length > 0);
  }
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files', 'input')), ['orig.png']);
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files', '.staging')), []);
});
