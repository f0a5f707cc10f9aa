import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { request } from 'undici';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/comfy-client.js';
import { listFiles, multipart, postForm, solidPng, type Part } from './helpers.js';

// Nothing listens on the discard port: these tests never need a backend.
const NO_BACKEND = ['--comfyui', 'http://127.0.0.1:9'];

async function start(t: { after: (fn: () => Promise<void>) => void }, argv: string[] = []): Promise<TestApp> {
  const app = await startTestApp([...NO_BACKEND, ...argv]);
  t.after(() => app.close());
  return app;
}

const image = (value: Buffer, filename = 'rec_upload.png'): Part => ({ name: 'image', filename, value });
const field = (name: string, value: string): Part => ({ name, value });

test('upload/image follows ComfyUI: dedupe by content, (n) renames, overwrite, subfolder, type, /api', async (t) => {
  const app = await start(t);
  const [a, b, c] = await Promise.all([solidPng(16, 16, [255, 0, 0, 255]), solidPng(16, 16, [0, 255, 0, 255]), solidPng(16, 16, [0, 0, 255, 255])]);
  const upload = async (parts: Part[], route = '/upload/image') => {
    const response = await postForm(`${app.url}${route}`, parts);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    return response.json();
  };
  const input = (name: string) => ({ name, subfolder: '', type: 'input' });

  // The sequence of upload_image.json, answer for answer.
  assert.deepEqual(await upload([image(a)]), input('rec_upload.png'));
  assert.deepEqual(await upload([image(a)]), input('rec_upload.png'), 'same name and content: same name');
  assert.deepEqual(await upload([image(b)]), input('rec_upload (1).png'), 'other content: (1)');
  assert.deepEqual(await upload([image(c)]), input('rec_upload (2).png'));
  assert.deepEqual(await upload([image(b)]), input('rec_upload (1).png'), 'content of (1): that name');
  assert.deepEqual(await upload([image(b), field('overwrite', 'true')]), input('rec_upload.png'));
  assert.deepEqual(await upload([image(b), field('overwrite', '1')]), input('rec_upload.png'));
  assert.deepEqual(await upload([image(a), field('overwrite', 'false')]), input('rec_upload (3).png'), 'overwrite=false is not overwrite');
  assert.deepEqual(await upload([image(a), field('subfolder', 'recsub')]), { name: 'rec_upload.png', subfolder: 'recsub', type: 'input' });
  assert.deepEqual(await upload([image(a), field('subfolder', 'recsub/nested')]), { name: 'rec_upload.png', subfolder: 'recsub/nested', type: 'input' });
  assert.deepEqual(await upload([image(a), field('type', 'temp')]), { name: 'rec_upload.png', subfolder: '', type: 'temp' });
  assert.deepEqual(await upload([image(a), field('type', 'output')]), { name: 'rec_upload.png', subfolder: '', type: 'output' });
  assert.deepEqual(await upload([image(a), field('type', 'input')]), input('rec_upload (3).png'));
  assert.deepEqual(await upload([image(a)], '/api/upload/image'), input('rec_upload (3).png'));
  // Fields may come after the file, as long as they are in the form.
  assert.deepEqual(await upload([image(c), field('type', 'temp'), field('subfolder', 'late')]), { name: 'rec_upload.png', subfolder: 'late', type: 'temp' });

  const files = path.join(app.dataDir, 'files');
  assert.deepEqual(listFiles(path.join(files, 'input')), [
    'rec_upload (1).png',
    'rec_upload (2).png',
    'rec_upload (3).png',
    'rec_upload.png',
    'recsub/nested/rec_upload.png',
    'recsub/rec_upload.png',
  ]);
  assert.deepEqual(fs.readFileSync(path.join(files, 'input', 'rec_upload.png')), b, 'overwrite replaced the content');
  assert.deepEqual(fs.readFileSync(path.join(files, 'input', 'rec_upload (3).png')), a);
  assert.deepEqual(fs.readFileSync(path.join(files, 'temp', 'late', 'rec_upload.png')), c);
  assert.deepEqual(listFiles(path.join(files, '.staging')), [], 'no staging leftovers');
});

test('upload/image accepts any content and keeps it byte for byte', async (t) => {
  const app = await start(t);
  const response = await postForm(`${app.url}/upload/image`, [image(Buffer.from('hello'), 'rec_not_really.txt')]);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { name: 'rec_not_really.txt', subfolder: '', type: 'input' });
  assert.equal(fs.readFileSync(path.join(app.dataDir, 'files', 'input', 'rec_not_really.txt'), 'utf8'), 'hello');
});

test('upload/image refuses names and folders that leave the tree, and writes nothing anywhere', async (t) => {
  const app = await start(t);
  const png = await solidPng(4, 4, [1, 2, 3, 255]);
  const before = listFiles(app.dataDir).filter((f) => !f.startsWith('automa.sqlite'));
  const cases: { parts: Part[]; status: number; note: string }[] = [
    { parts: [image(png, '../rec_traversal.png')], status: 400, note: 'filename ../' },
    { parts: [image(png, 'sub/../../rec_traversal2.png')], status: 400, note: 'filename sub/../../' },
    { parts: [image(png, '..\\rec_traversal3.png')], status: 400, note: 'filename with backslash' },
    { parts: [image(png, 'rec\0evil.png')], status: 400, note: 'filename with NUL' },
    { parts: [image(png, 'a/b.png')], status: 400, note: 'filename with a folder' },
    { parts: [image(png), field('subfolder', '../escape')], status: 400, note: 'subfolder ../' },
    { parts: [image(png), field('subfolder', 'a/../../escape')], status: 400, note: 'subfolder a/../../' },
    { parts: [image(png), field('subfolder', '/tmp')], status: 400, note: 'absolute subfolder' },
    { parts: [image(png), field('subfolder', '..\\..\\escape')], status: 400, note: 'subfolder with backslashes' },
    { parts: [image(png), field('subfolder', 'x\0y')], status: 400, note: 'subfolder with NUL' },
    { parts: [image(png), field('type', 'bogus')], status: 400, note: 'unknown type' },
    // ComfyUI answers these two with 500 (upload_image.json); the status is kept, the body is ours.
    { parts: [image(png, '/etc/rec_abs.png')], status: 500, note: 'absolute filename' },
    { parts: [image(png, '')], status: 500, note: 'empty filename' },
    { parts: [{ name: 'notimage', filename: 'rec.png', value: png }], status: 400, note: 'no image field' },
    { parts: [field('image', 'not a file')], status: 400, note: 'image sent as a plain field' },
  ];
  for (const { parts, status, note } of cases) {
    const response = await postForm(`${app.url}/upload/image`, parts);
    assert.equal(response.status, status, note);
    const body = (await response.json()) as { error: { type: string; message: string } };
    assert.equal(typeof body.error.type, 'string', note);
    assert.ok(body.error.message.length > 0, note);
  }
  const json = await fetch(`${app.url}/upload/image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image":"x"}' });
  assert.equal(json.status, 400, 'a JSON body has no image');
  await json.body?.cancel();

  const after = listFiles(app.dataDir).filter((f) => !f.startsWith('automa.sqlite'));
  assert.deepEqual(after, before, 'nothing was written anywhere in the data dir');
  assert.ok(!fs.existsSync(path.join(path.dirname(app.dataDir), 'rec_traversal.png')));
});

test('upload/image: multipart fields are not percent-decoded, so %2e%2e is just a folder name', async (t) => {
  const app = await start(t);
  const png = await solidPng(4, 4, [1, 2, 3, 255]);
  const response = await postForm(`${app.url}/upload/image`, [image(png, '%2e%2e%2fx.png'), field('subfolder', '%2e%2e')]);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { name: '%2e%2e%2fx.png', subfolder: '%2e%2e', type: 'input' });
  assert.deepEqual(listFiles(path.join(app.dataDir, 'files', 'input')), ['%2e%2e/%2e%2e%2fx.png']);
});

test('an upload over --max-upload-size is refused with 413 and leaves no file behind', async (t) => {
  // 0.01 MB = 10485 bytes.
  const app = await start(t, ['--max-upload-size', '0.01']);
  const big = Buffer.alloc(64 * 1024, 7);
  const files = path.join(app.dataDir, 'files');

  // Declared length over the limit: refused before the body is read.
  const declared = await postForm(`${app.url}/upload/image`, [image(big, 'big.png')]);
  assert.equal(declared.status, 413);
  const body = (await declared.json()) as { error: { type: string; extra_info: { limit_bytes: number } } };
  assert.equal(body.error.type, 'payload_too_large');
  assert.equal(body.error.extra_info.limit_bytes, 10485);

  // No length (chunked): refused while streaming, once the file passes the limit.
  const { body: form, contentType } = multipart([field('subfolder', 'big'), image(big, 'big.png')]);
  const chunked = await request(`${app.url}/upload/image`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: Readable.from((function* () {
      for (let offset = 0; offset < form.length; offset += 4096) yield form.subarray(offset, offset + 4096);
    })()),
  });
  assert.equal(chunked.statusCode, 413);
  assert.equal(((await chunked.body.json()) as { error: { type: string } }).error.type, 'payload_too_large');

  assert.deepEqual(listFiles(files), [], 'no partial file in the tree or in staging');

  // A file under the limit still goes through.
  const small = await postForm(`${app.url}/upload/image`, [image(Buffer.alloc(1000, 1), 'small.png')]);
  assert.equal(small.status, 200);
  assert.deepEqual(listFiles(files), ['input/small.png']);
});

test('a client that disconnects mid-upload leaves no partial file behind', async (t) => {
  const app = await start(t);
  const files = path.join(app.dataDir, 'files');
  const { body, contentType } = multipart([image(Buffer.alloc(256 * 1024, 3), 'cut.png')]);
  const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`POST /upload/image HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, body.length / 2));
  // Wait until the server has started staging the file, then cut the connection.
  await eventually(() => listFiles(path.join(files, '.staging')).length === 1, 10_000, 'upload staged');
  socket.destroy();
  await eventually(() => listFiles(files).length === 0, 10_000, 'staging cleaned');
  assert.deepEqual(listFiles(files), []);
});
