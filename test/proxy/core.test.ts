/**
 * createHttpProxy on its own (no Fastify): a plain node:http server hands it requests. Covers what
 * the app's edge answers before the proxy sees it (OPTIONS), clients going away mid-exchange, and
 * the one log line per failure.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { createHttpProxy } from '../../src/proxy/index.js';
import { freePort, once, rawRequest, startEchoUpstream, startUpstream, type Seen } from './helpers.js';

/** Every test waits on events, never on sleeps; a regression fails here instead of hanging the run. */
const LIMIT = { timeout: 60_000 };

/** A node:http server in front of createHttpProxy, with every log line kept. */
async function startCoreProxy(t: test.TestContext, target: string, options: { headersTimeoutMs?: number } = {}) {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const proxy = createHttpProxy({
    target,
    maxBodyBytes: 1024 * 1024,
    connectTimeoutMs: 2_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    log: pino({ level: 'debug' }, sink),
  });
  const server = http.createServer((req, res) => proxy(req, res, (req.url ?? '/').replace(/^\/p/, '') || '/'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await proxy.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

test('the core forwards any method, OPTIONS included, with the path given', LIMIT, async (t) => {
  const upstream = await startEchoUpstream();
  t.after(() => upstream.close());
  const proxy = await startCoreProxy(t, upstream.url);
  for (const method of ['OPTIONS', 'GET', 'DELETE']) {
    const res = await rawRequest(`${proxy.url}/p/api/userdata?dir=a%2Fb`, { method, headers: ['Origin', 'http://localhost:5173'] });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.body.toString()) as Seen;
    assert.equal(seen.method, method);
    assert.equal(seen.url, '/api/userdata?dir=a%2Fb');
    assert.equal(seen.headers.origin, upstream.url);
  }
});

test('a target with a path prefix keeps it', LIMIT, async (t) => {
  const upstream = await startEchoUpstream();
  t.after(() => upstream.close());
  const proxy = await startCoreProxy(t, `${upstream.url}/comfy/`);
  const res = await rawRequest(`${proxy.url}/p/queue?x=1`);
  assert.equal((JSON.parse(res.body.toString()) as Seen).url, '/comfy/queue?x=1');
});

test('exactly one log line per failed exchange, naming the cause', LIMIT, async (t) => {
  const port = await freePort();
  const proxy = await startCoreProxy(t, `http://127.0.0.1:${port}`);
  const res = await rawRequest(`${proxy.url}/p/prompt`);
  assert.equal(res.status, 502);
  assert.equal(proxy.lines.length, 1);
  assert.equal(proxy.lines[0]?.level, 40);
  assert.match(JSON.stringify(proxy.lines[0]), /ECONNREFUSED/);
});

test('a client leaving while the upstream is still answering aborts the upstream request', LIMIT, async (t) => {
  let upstreamClosed!: () => void;
  const closedEarly = new Promise<void>((resolve) => (upstreamClosed = resolve));
  let started!: () => void;
  const startedStreaming = new Promise<void>((resolve) => (started = resolve));
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024);
    const timer = setInterval(() => res.write(chunk), 5);
    res.on('close', () => {
      clearInterval(timer);
      if (!res.writableFinished) upstreamClosed();
    });
    started();
  });
  t.after(() => upstream.close());
  const proxy = await startCoreProxy(t, upstream.url);
  const req = http.get(`${proxy.url}/p/view?filename=endless.bin`, { agent: false });
  req.on('error', () => undefined);
  const res = await once<http.IncomingMessage>(req, 'response');
  res.on('error', () => undefined);
  await startedStreaming;
  req.destroy();
  await closedEarly; // the upstream saw its connection dropped: nothing keeps streaming to nobody
  assert.ok(proxy.lines.every((l) => l.level < 40), 'a client leaving is not a warning');
});

test('a client leaving mid-upload aborts the upstream request', LIMIT, async (t) => {
  let upstreamAborted!: () => void;
  const aborted = new Promise<void>((resolve) => (upstreamAborted = resolve));
  let firstBytes!: () => void;
  const gotBytes = new Promise<void>((resolve) => (firstBytes = resolve));
  const upstream = await startUpstream((req, res) => {
    req.once('data', () => firstBytes());
    req.on('close', () => {
      if (!req.complete) upstreamAborted();
    });
    req.on('end', () => res.end('ok'));
  });
  t.after(() => upstream.close());
  const proxy = await startCoreProxy(t, upstream.url);
  const req = http.request(`${proxy.url}/p/upload/image`, { method: 'POST', headers: { 'content-length': String(512 * 1024) }, agent: false });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(64 * 1024));
  await gotBytes;
  req.destroy();
  await aborted;
});
