/**
 * Bodies stream through the proxy: multipart uploads arrive byte for byte (boundary intact) and
 * ComfyUI's upload routes work through it; 200 MB each way pass without the process holding them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { startTestApp } from '../helpers/app.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { digestBody, rawRequest, startEchoUpstream, startUpstream, type Seen } from './helpers.js';

/** Every test waits on events, never on sleeps; a regression fails here instead of hanging the run. */
const LIMIT = { timeout: 60_000 };

const MB = 1024 * 1024;

/** A multipart/form-data body built by hand, so the test knows every byte the upstream must see. */
function multipart(boundary: string, parts: { name: string; value: Buffer | string; filename?: string; type?: string }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type === undefined ? '' : `Content-Type: ${part.type}\r\n`}\r\n`;
    chunks.push(Buffer.from(head), Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

test('a multipart upload reaches the upstream byte for byte, boundary and all', LIMIT, async (t) => {
  const upstream = await startEchoUpstream();
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
  const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
  const body = multipart(boundary, [
    { name: 'image', value: binary, filename: 'photo (1).png', type: 'image/png' },
    { name: 'overwrite', value: 'true' },
    { name: 'type', value: 'input' },
    { name: 'subfolder', value: 'proxy-test' },
  ]);
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const res = await rawRequest(`${app.url}/comfyui/upload/image`, {
    method: 'POST',
    headers: ['Content-Type', contentType, 'Content-Length', String(body.length)],
    body,
  });
  assert.equal(res.status, 200);
  const seen = JSON.parse(res.body.toString()) as Seen;
  assert.equal(seen.headers['content-type'], contentType);
  assert.equal(seen.headers['content-length'], String(body.length));
  assert.equal(seen.bytes, body.length);
  assert.equal(seen.sha256, sha256(body));
});

test("ComfyUI's /upload/image fields and /upload/mask original_ref work through the proxy", LIMIT, async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  const original = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 1 } } }).png().toBuffer();
  const mask = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();

  const form = new FormData();
  form.append('image', new Blob([original], { type: 'image/png' }), 'red.png');
  form.append('overwrite', 'true');
  form.append('type', 'input');
  form.append('subfolder', 'through-proxy');
  const uploaded = await fetch(`${app.url}/comfyui/upload/image`, { method: 'POST', body: form });
  assert.equal(uploaded.status, 200);
  assert.deepEqual(await uploaded.json(), { name: 'red.png', subfolder: 'through-proxy', type: 'input' });
  assert.deepEqual(fs.readFileSync(path.join(fake.dirs.input, 'through-proxy', 'red.png')), original);

  const maskForm = new FormData();
  maskForm.append('image', new Blob([mask], { type: 'image/png' }), 'red-mask.png');
  maskForm.append('type', 'input');
  maskForm.append('subfolder', 'through-proxy');
  maskForm.append('original_ref', JSON.stringify({ filename: 'red.png', subfolder: 'through-proxy', type: 'input' }));
  const masked = await fetch(`${app.url}/comfyui/upload/mask`, { method: 'POST', body: maskForm });
  assert.equal(masked.status, 200);
  const ref = (await masked.json()) as { name: string; subfolder: string; type: string };
  assert.equal(ref.subfolder, 'through-proxy');
  const view = await fetch(`${app.url}/comfyui/view?filename=${encodeURIComponent(ref.name)}&type=input&subfolder=through-proxy`);
  assert.equal(view.status, 200);
  assert.equal(view.headers.get('content-type'), 'image/png');
  const { channels } = await sharp(Buffer.from(await view.arrayBuffer())).metadata();
  assert.equal(channels, 4, 'the mask was applied as alpha to the original');
});

/** Samples this process's RSS until stopped; returns the peak growth over the starting value. */
function watchRss(): () => number {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss) - start;
  };
}

test('200 MB up and 200 MB down stream through with bounded memory', LIMIT, async (t) => {
  const size = 200 * MB;
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7) % 251;
  const expected = createHash('sha256');
  for (let sent = 0; sent < size; sent += chunk.length) expected.update(chunk);
  const expectedHash = expected.digest('hex');

  const upstream = await startUpstream((req, res) => {
    if (req.method === 'POST') {
      void digestBody(req).then(({ bytes, sha256: hash }) => res.end(JSON.stringify({ bytes, sha256: hash })));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url, '--max-upload-size', '300']);
  t.after(() => app.close());

  const stopUp = watchRss();
  const uploaded = await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
    const req = http.request(`${app.url}/comfyui/upload/image`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      agent: false,
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString()) as { bytes: number; sha256: string }));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  const upGrowth = stopUp();
  assert.deepEqual(uploaded, { bytes: size, sha256: expectedHash });

  const stopDown = watchRss();
  const downloaded = await new Promise<{ bytes: number; sha256: string; complete: boolean }>((resolve, reject) => {
    http
      .get(`${app.url}/comfyui/view?filename=big.bin`, { agent: false }, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
        });
        res.on('end', () => resolve({ bytes, sha256: hash.digest('hex'), complete: res.complete }));
      })
      .on('error', reject);
  });
  const downGrowth = stopDown();
  assert.deepEqual(downloaded, { bytes: size, sha256: expectedHash, complete: true });

  // Generous: the point is "not the 200 MB body", not a tight number. Client, upstream and
  // service share this process, so their 64 KB chunks wait for the collector together: on a
  // loaded machine that garbage alone reached 100-130 MB. A held body would be 200 MB and more.
  assert.ok(upGrowth < 170 * MB, `RSS grew ${Math.round(upGrowth / MB)} MB during the upload`);
  assert.ok(downGrowth < 170 * MB, `RSS grew ${Math.round(downGrowth / MB)} MB during the download`);
});
