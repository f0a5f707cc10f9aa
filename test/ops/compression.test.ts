import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { pickEncoding } from '../../src/api/ops/compression.js';
import type { App } from '../../src/app.js';
import { request, startCustomApp } from '../security/helpers.js';

const BIG = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item number ${i}` })) };
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(8 * 1024, 7)]);

function routes(app: App): void {
  app.http.get('/test-big', async () => BIG);
  app.http.get('/test-small', async () => ({ ok: true }));
  app.http.get('/test-text', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('line\n'.repeat(1000)));
  app.http.get('/test-stream', async (_request, reply) => reply.type('application/json').send(Readable.from([JSON.stringify(BIG)])));
  app.http.get('/test-image', async (_request, reply) => reply.type('image/png').send(PNG));
  app.http.get('/test-octets', async (_request, reply) => reply.type('application/octet-stream').send(Buffer.alloc(8 * 1024, 1)));
  app.http.get('/test-precompressed', async (_request, reply) =>
    reply.type('application/json').header('content-encoding', 'gzip').send(zlib.gzipSync(JSON.stringify(BIG))),
  );
  app.http.get('/test-hijacked', async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.end(JSON.stringify(BIG));
  });
}

function decode(encoding: string | undefined, body: Buffer): string {
  if (encoding === 'gzip') return zlib.gunzipSync(body).toString('utf8');
  if (encoding === 'br') return zlib.brotliDecompressSync(body).toString('utf8');
  return body.toString('utf8');
}

async function get(url: string, acceptEncoding?: string): Promise<{ status: number; encoding: string | undefined; vary: string; body: Buffer }> {
  // fetch would decompress by itself; ask for bytes as sent.
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], vary: String(res.headers.vary ?? ''), body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
  });
}

test('the encoding the client prefers: br over gzip on ties, q=0 refuses, * counts', () => {
  assert.equal(pickEncoding('gzip, deflate, br'), 'br');
  assert.equal(pickEncoding('gzip'), 'gzip');
  assert.equal(pickEncoding('br;q=0.5, gzip;q=0.9'), 'gzip');
  assert.equal(pickEncoding('gzip;q=0, br;q=0'), null);
  assert.equal(pickEncoding('identity'), null);
  assert.equal(pickEncoding('*'), 'br');
  assert.equal(pickEncoding('*;q=0, gzip'), 'gzip');
  assert.equal(pickEncoding(undefined), null);
  assert.equal(pickEncoding('deflate'), null);
});

test('JSON and text are compressed as the client accepts; the bytes decode to the same body', async (t) => {
  const service = await startCustomApp([], { setup: routes });
  t.after(() => service.close());
  for (const [target, accept, expected] of [
    ['/test-big', 'gzip', 'gzip'],
    ['/test-big', 'gzip, br', 'br'],
    ['/test-text', 'gzip', 'gzip'],
    ['/test-stream', 'br', 'br'],
    ['/automa/openapi.json', 'gzip', 'gzip'],
  ] as const) {
    const response = await get(`${service.url}${target}`, accept);
    assert.equal(response.status, 200);
    assert.equal(response.encoding, expected, `${target} with ${accept}`);
    assert.match(response.vary.toLowerCase(), /accept-encoding/);
    const plain = await get(`${service.url}${target}`);
    assert.equal(plain.encoding, undefined, `${target} without Accept-Encoding is identity`);
    assert.equal(decode(response.encoding, response.body), plain.body.toString('utf8'));
    assert.ok(response.body.length < plain.body.length, 'smaller on the wire');
  }
});

test('never compressed: small bodies, images, binary, already-encoded bodies, hijacked (proxied) replies, HEAD', async (t) => {
  const service = await startCustomApp([], { setup: routes });
  t.after(() => service.close());
  for (const target of ['/test-small', '/test-image', '/test-octets', '/test-hijacked']) {
    const response = await get(`${service.url}${target}`, 'gzip, br');
    assert.equal(response.status, 200);
    assert.equal(response.encoding, undefined, target);
  }
  const image = await get(`${service.url}/test-image`, 'gzip, br');
  assert.deepEqual(image.body, PNG);
  const hijacked = await get(`${service.url}/test-hijacked`, 'gzip, br');
  assert.deepEqual(JSON.parse(hijacked.body.toString('utf8')), BIG);
  const pre = await get(`${service.url}/test-precompressed`, 'gzip, br');
  assert.equal(pre.encoding, 'gzip', 'kept as the route encoded it');
  assert.deepEqual(JSON.parse(zlib.gunzipSync(pre.body).toString('utf8')), BIG, 'not compressed twice');
  const head = await request(`${service.url}/test-big`, { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-encoding'], undefined);
});
