import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { makeTempDir, startTestApp, type TestApp } from '../helpers/app.js';
import { postForm, rawPng } from './helpers.js';

const NO_BACKEND = ['--comfyui', 'http://127.0.0.1:9'];

async function start(t: { after: (fn: () => Promise<void>) => void }): Promise<TestApp> {
  const app = await startTestApp(NO_BACKEND);
  t.after(() => app.close());
  return app;
}

/** 2×2 RGBA with four different alphas, so channel and alpha handling show. */
const PIXELS = Buffer.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 60]);

async function upload(app: TestApp, name: string, value: Buffer, fields: Record<string, string> = {}): Promise<void> {
  const parts = [{ name: 'image', filename: name, value, contentType: 'application/octet-stream' }, ...Object.entries(fields).map(([n, v]) => ({ name: n, value: v }))];
  const response = await postForm(`${app.url}/upload/image`, parts);
  assert.equal(response.status, 200, await response.text());
}

const view = (app: TestApp, query: string, init?: RequestInit) => fetch(`${app.url}/view?${query}`, init);

test('/view serves each type with ComfyUI headers, from the output folder by default', async (t) => {
  const app = await start(t);
  const png = await rawPng(2, 2, PIXELS);
  await upload(app, 'pic.png', png, { type: 'output' });
  await upload(app, 'pic.png', png, { type: 'input', subfolder: 'sub' });
  await upload(app, 'pic.png', png, { type: 'temp' });

  for (const query of ['filename=pic.png&type=output&subfolder=', 'filename=pic.png', 'filename=pic.png+%5Boutput%5D&type=input', 'filename=pic.png&type=input&subfolder=sub', 'filename=pic.png&type=temp']) {
    const response = await view(app, query);
    assert.equal(response.status, 200, query);
    assert.equal(response.headers.get('content-type'), 'image/png', query);
    assert.equal(response.headers.get('content-disposition'), 'filename="pic.png"', query);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', query);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), png, query);
  }
  const api = await fetch(`${app.url}/api/view?filename=pic.png&type=output`);
  assert.equal(api.status, 200);
  assert.deepEqual(Buffer.from(await api.arrayBuffer()), png);

  // Like ComfyUI, only the base name of `filename` counts.
  const based = await view(app, 'filename=whatever%2Fpic.png&type=output');
  assert.equal(based.status, 200);
  await based.body?.cancel();

  // Streams support ranges (video seeking in the frontend).
  const range = await view(app, 'filename=pic.png', { headers: { range: 'bytes=0-7' } });
  assert.equal(range.status, 206);
  assert.deepEqual(Buffer.from(await range.arrayBuffer()), png.subarray(0, 8));
});

test('/view preview= and channel= convert like ComfyUI', async (t) => {
  const app = await start(t);
  await upload(app, 'pic.png', await rawPng(2, 2, PIXELS), { type: 'output' });
  const get = async (query: string) => {
    const response = await view(app, `filename=pic.png&type=output&subfolder=&${query}`);
    assert.equal(response.status, 200, query);
    assert.equal(response.headers.get('content-disposition'), 'filename="pic.png"', query);
    return { type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
  };

  const webp = await get('preview=webp%3B50');
  assert.equal(webp.type, 'image/webp');
  assert.equal((await sharp(webp.body).metadata()).format, 'webp');

  const jpeg = await get('preview=jpeg%3B90');
  assert.equal(jpeg.type, 'image/jpeg');
  const jpegMeta = await sharp(jpeg.body).metadata();
  assert.equal(jpegMeta.format, 'jpeg');
  assert.equal(jpegMeta.hasAlpha, false);

  // An unknown preview format, or a channel containing "a", is webp.
  assert.equal((await get('preview=gif%3B80')).type, 'image/webp');
  assert.equal((await get('preview=jpeg%3B80&channel=rgba')).type, 'image/webp');

  const rgb = await get('channel=rgb');
  assert.equal(rgb.type, 'image/png');
  const rgbRaw = await sharp(rgb.body).raw().toBuffer({ resolveWithObject: true });
  assert.equal(rgbRaw.info.channels, 3);
  assert.deepEqual([...rgbRaw.data], [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);

  const alpha = await get('channel=a');
  assert.equal(alpha.type, 'image/png');
  const alphaRaw = await sharp(alpha.body).raw().toBuffer({ resolveWithObject: true });
  assert.equal(alphaRaw.info.channels, 4);
  assert.deepEqual([...alphaRaw.data], [0, 0, 0, 255, 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0, 60]);

  // channel=rgba (or anything else) is the file untouched.
  assert.deepEqual((await get('channel=rgba')).body, await rawPng(2, 2, PIXELS));

  // Converting something that is not an image is a clear 400, not a crash.
  await upload(app, 'notes.txt', Buffer.from('hello'), { type: 'output' });
  const bad = await view(app, 'filename=notes.txt&preview=webp');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { type: string } }).error.type, 'not_an_image');
});

test('/view answers ComfyUI statuses for bad and missing names, and never serves outside its folders', async (t) => {
  const app = await start(t);
  await upload(app, 'pic.png', await rawPng(2, 2, PIXELS), { type: 'output' });
  // A secret next to the tree, and a symlink inside the output folder pointing at it.
  const secret = path.join(app.dataDir, 'secret.txt');
  fs.writeFileSync(secret, 'top secret');
  fs.symlinkSync(secret, path.join(app.dataDir, 'files', 'output', 'link.txt'));
  fs.symlinkSync(app.dataDir, path.join(app.dataDir, 'files', 'output', 'linkdir'));

  const cases: [string, number][] = [
    ['', 404], // no filename at all
    ['filename=nope_missing.png&type=output&subfolder=', 404],
    ['filename=..%2Fautoma.sqlite&type=output', 400],
    ['filename=%2Fetc%2Fpasswd&type=output', 400],
    ['filename=..%5Csecret.txt', 400], // backslash
    ['filename=pic.png%00.txt', 400], // NUL
    ['filename=&type=output', 400],
    ['filename=%5Boutput%5D', 400], // annotation only: empty name
    ['filename=pic.png&type=bogus', 400],
    ['filename=passwd&type=output&subfolder=..%2F..%2F..%2F..%2Fetc', 403],
    ['filename=secret.txt&type=output&subfolder=..', 403],
    ['filename=secret.txt&type=output&subfolder=%2Ftmp', 403],
    ['filename=secret.txt&type=output&subfolder=..%5C..', 403],
    // Double-encoded: decoded once, "%2e%2e%2fsecret.txt" is a literal name that does not exist.
    ['filename=%252e%252e%252fsecret.txt', 404],
    ['filename=secret.txt&subfolder=%252e%252e', 404],
    ['filename=link.txt&type=output', 403], // symlink out of the folder
    ['filename=secret.txt&type=output&subfolder=linkdir', 403], // symlinked folder out of the folder
  ];
  for (const [query, status] of cases) {
    const response = await view(app, query);
    const text = await response.text();
    assert.equal(response.status, status, `${query}: ${text}`);
    assert.doesNotMatch(text, /top secret/, query);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/, query);
  }
});

test('/view sends active content (HTML, SVG, JS, XML) as ComfyUI 0.33 does: a never-stored attachment with nosniff; an SVG an img element loads stays inline', async (t) => {
  const app = await start(t);
  const files: [string, string][] = [
    ['page.html', '<script>alert(1)</script>'],
    ['page.xhtml', '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>'],
    ['app.js', 'alert(1)'],
    ['data.xml', '<a/>'],
    ['pic.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
  ];
  for (const [name, content] of files) {
    await upload(app, name, Buffer.from(content), { type: 'output' });
    const response = await view(app, `filename=${name}`);
    assert.equal(response.status, 200, name);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream', name);
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="${name}"`, name);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', name);
    assert.equal(response.headers.get('cache-control'), 'no-store', name);
    assert.equal(response.headers.get('vary'), 'Sec-Fetch-Dest', name);
    assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/, name);
    assert.equal(await response.text(), content, name);
  }
  const asImage = await view(app, 'filename=pic.svg', { headers: { 'sec-fetch-dest': 'image' } });
  assert.equal(asImage.headers.get('content-type'), 'image/svg+xml');
  assert.equal(asImage.headers.get('content-disposition'), 'filename="pic.svg"');
  assert.equal(asImage.headers.get('x-content-type-options'), 'nosniff');
  await asImage.body?.cancel();
  const navigated = await view(app, 'filename=pic.svg', { headers: { 'sec-fetch-dest': 'document' } });
  assert.equal(navigated.headers.get('content-type'), 'application/octet-stream');
  await navigated.body?.cancel();
  await upload(app, 'notes.txt', Buffer.from('hello'), { type: 'output' });
  const text = await view(app, 'filename=notes.txt');
  assert.equal(text.headers.get('content-type'), 'text/plain');
  assert.equal(text.headers.get('content-disposition'), 'filename="notes.txt"');
  assert.equal(await text.text(), 'hello');
});

test('/view names a non-ASCII file in Content-Disposition without breaking the header', async (t) => {
  const app = await start(t);
  // A quote inside a quoted multipart parameter is backslash-escaped on the wire.
  await upload(app, 'ünïcödé \\"q\\".png', await rawPng(2, 2, PIXELS), { type: 'output' });
  const response = await view(app, `filename=${encodeURIComponent('ünïcödé "q".png')}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-disposition'), `filename="_n_c_d_ _q_.png"; filename*=UTF-8''%C3%BCn%C3%AFc%C3%B6d%C3%A9%20%22q%22.png`);
  await response.body?.cancel();
});

test('/view of the file tree survives a restart on the same data dir', async (t) => {
  const temp = makeTempDir();
  t.after(() => temp.remove());
  const png = await rawPng(2, 2, PIXELS);
  const first = await startTestApp(NO_BACKEND, { dataDir: temp.dir });
  await upload(first, 'kept.png', png, { type: 'output' });
  await first.close();
  const second = await startTestApp(NO_BACKEND, { dataDir: temp.dir });
  t.after(() => second.close());
  const response = await view(second, 'filename=kept.png');
  assert.equal(response.status, 200);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), png);
});
