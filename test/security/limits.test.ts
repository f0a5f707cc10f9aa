import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import type { App } from '../../src/app.js';
import { errorOf, rawExchange, request, rowCounts, startCustomApp } from './helpers.js';

const KB = 1024;

/** A JSON route outside /automa, as the gateway's are, that reports what it received. */
function sink(app: App): void {
  app.http.post('/test-sink', async (req) => ({ received: JSON.stringify(req.body).length }));
}

/** Send a body with Transfer-Encoding: chunked (no Content-Length), in pieces. */
function chunkedPost(url: string, pieces: readonly string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The server may answer 413 and close before every piece is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

test('JSON bodies: /automa caps at --max-json-body-size, other routes at --max-upload-size; 413 either way, nothing written', async (t) => {
  // 16 KB for our API, 64 KB for everything else.
  const service = await startCustomApp(['--max-json-body-size', String(16 / 1024), '--max-upload-size', String(64 / 1024)], { setup: sink });
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  const json = (bytes: number): string => JSON.stringify({ pad: 'x'.repeat(bytes) });

  const tooBigForApi = await request(`${service.url}/automa/db/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json(20 * KB) });
  assert.equal(tooBigForApi.status, 413);
  const error = errorOf(tooBigForApi.body);
  assert.equal(error.type, 'payload_too_large');
  assert.equal(error.extra_info.limit_bytes, 16 * KB, 'names the limit that applied');

  const chunked = await chunkedPost(`${service.url}/automa/db/notes`, ['{"pad":"', ...Array.from({ length: 40 }, () => 'y'.repeat(KB)), '"}']);
  assert.equal(chunked.status, 413, 'chunked, without Content-Length');
  assert.equal(errorOf(chunked.body).type, 'payload_too_large');

  const fitsElsewhere = await request(`${service.url}/test-sink`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json(40 * KB) });
  assert.equal(fitsElsewhere.status, 200, 'a route outside /automa takes up to the upload size');
  const tooBigAnywhere = await request(`${service.url}/test-sink`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json(80 * KB) });
  assert.equal(tooBigAnywhere.status, 413);
  assert.equal(errorOf(tooBigAnywhere.body).extra_info.limit_bytes, 64 * KB);
  const chunkedElsewhere = await chunkedPost(`${service.url}/test-sink`, ['{"pad":"', ...Array.from({ length: 100 }, () => 'z'.repeat(KB)), '"}']);
  assert.equal(chunkedElsewhere.status, 413);

  const prompt = await request(`${service.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json(80 * KB) });
  assert.equal(prompt.status, 413, 'the gateway\'s /prompt too (ComfyUI caps it with --max-upload-size)');

  assert.deepEqual(await rowCounts(service.dataDir), before, 'nothing written');
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('multipart uploads over --max-upload-size → 413, nothing kept', async (t) => {
  const service = await startCustomApp(['--max-upload-size', String(64 / 1024)]);
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  const form = new FormData();
  form.append('image', new Blob([Buffer.alloc(200 * KB, 1)], { type: 'image/png' }), 'big.png');
  const response = await fetch(`${service.url}/upload/image`, { method: 'POST', body: form });
  assert.equal(response.status, 413);
  assert.equal(errorOf(await response.text()).type, 'payload_too_large');
  assert.deepEqual(await rowCounts(service.dataDir), before);
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('malformed bodies → 400 in the error shape, nothing written', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  for (const [target, body] of [['/automa/db/notes', '{"title": '], ['/automa/db/notes', '\u0000\u0001garbage'], ['/prompt', '{prompt:1}']]) {
    const response = await request(`${service.url}${target}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.status, 400, `${target} ${JSON.stringify(body)}`);
    assert.equal(typeof errorOf(response.body).type, 'string');
  }
  const form = await request(`${service.url}/upload/image`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
    body: '--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nno closing boundary',
  });
  assert.ok(form.status >= 400 && form.status < 500, `truncated multipart → 4xx, got ${form.status}`);
  errorOf(form.body);
  assert.deepEqual(await rowCounts(service.dataDir), before);
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('slow-loris: a client trickling its headers is cut off with 408 after --header-timeout', async (t) => {
  const service = await startCustomApp(['--header-timeout', '400']);
  t.after(() => service.close());
  const socket = net.connect(service.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.write('GET /automa/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  // One more header line every 50 ms, forever: only the server can end this.
  const trickle = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), 50);
  t.after(() => clearInterval(trickle));
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  clearInterval(trickle);
  const answer = Buffer.concat(chunks).toString('latin1');
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.equal(errorOf(answer.slice(answer.indexOf('\r\n\r\n') + 4)).type, 'request_timeout');
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('an idle keep-alive connection is closed after --idle-timeout', async (t) => {
  const service = await startCustomApp(['--idle-timeout', '300']);
  t.after(() => service.close());
  const socket = net.connect(service.port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
  socket.write('GET /automa/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  assert.match(answer, /^HTTP\/1\.1 200 /, 'answered, then closed by the server while idle');
});

test('oversized headers and garbage request lines → 431 / 400 in the error shape', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const huge = await rawExchange(service.port, `GET /automa/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * KB)}\r\n\r\n`);
  assert.match(huge, /^HTTP\/1\.1 431 /);
  assert.equal(errorOf(huge.slice(huge.indexOf('\r\n\r\n') + 4)).type, 'headers_too_large');
  for (const garbage of ['\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n', 'HELLO WORLD\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n']) {
    const answer = await rawExchange(service.port, Buffer.from(garbage, 'latin1'));
    assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(garbage));
    errorOf(answer.slice(answer.indexOf('\r\n\r\n') + 4));
  }
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});
