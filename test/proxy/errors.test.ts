/**
 * What the proxy does when the upstream misbehaves or the client sends too much: the documented
 * status with a JSON error in the project's shape before the response started, an aborted
 * connection after it started, and the service answering the next request either way.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { freePort, rawRequest, startRawUpstream, startUpstream, type RawResponse } from './helpers.js';

/** Every test waits on events, never on sleeps; a regression fails here instead of hanging the run. */
const LIMIT = { timeout: 60_000 };

interface ErrorBody {
  error: { type: string; message: string; details: string; extra_info: Record<string, unknown> };
}

function errorOf(res: RawResponse): ErrorBody['error'] {
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return (JSON.parse(res.body.toString()) as ErrorBody).error;
}

/** The service still answers: a proxied request to a healthy path, and its own health route. */
async function assertStillServing(app: TestApp, okPath = '/comfyui/ok'): Promise<void> {
  const res = await rawRequest(`${app.url}${okPath}`);
  assert.equal(res.status, 200, 'the proxy keeps serving');
  assert.ok(res.complete);
  assert.equal((await rawRequest(`${app.url}/automa/health`)).status, 200);
}

/** An upstream whose paths misbehave in chosen ways; `/ok` answers normally. */
async function startMisbehavingUpstream(t: test.TestContext) {
  const upstream = await startUpstream((req, res) => {
    const respondThenCut = (headers: http.OutgoingHttpHeaders): void => {
      res.writeHead(200, headers);
      // Written, flushed, then the connection dies mid-body.
      res.write(Buffer.alloc(64 * 1024, 1), () => res.socket?.destroy());
    };
    switch (req.url) {
      case '/reset-with-length':
        return respondThenCut({ 'content-type': 'application/octet-stream', 'content-length': 1_000_000 });
      case '/reset-chunked':
        return respondThenCut({ 'content-type': 'application/octet-stream' });
      case '/hang':
        return; // never answers
      case '/prompt':
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end(COMFY_400);
      default:
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
        return void res.end('ok');
    }
  });
  t.after(() => upstream.close());
  return upstream;
}

const COMFY_400 = JSON.stringify({
  error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
  node_errors: { '3': { errors: [{ type: 'value_not_in_list', message: 'Value not in list', details: 'ckpt_name: x.safetensors', extra_info: {} }], dependent_outputs: ['9'], class_type: 'CheckpointLoaderSimple' } },
});

test('upstream refusing connections → 502 JSON; the service keeps serving', LIMIT, async (t) => {
  const port = await freePort();
  const app = await startTestApp(['--comfyui', `http://127.0.0.1:${port}`]);
  t.after(() => app.close());
  for (const method of ['GET', 'POST']) {
    const res = await rawRequest(`${app.url}/comfyui/queue`, { method, headers: ['content-type', 'application/json'], body: method === 'POST' ? '{"clear":true}' : undefined });
    assert.equal(res.status, 502);
    const error = errorOf(res);
    assert.equal(error.type, 'backend_unavailable');
    assert.match(error.details, /ECONNREFUSED/);
    assert.equal(error.extra_info.backend, `127.0.0.1:${port}`);
  }
  assert.equal((await rawRequest(`${app.url}/automa/health`)).status, 200);
});

test('a backend name that does not resolve → 502 JSON', LIMIT, async (t) => {
  const app = await startTestApp(['--comfyui', 'http://comfy.invalid:8188']);
  t.after(() => app.close());
  const res = await rawRequest(`${app.url}/comfyui/system_stats`);
  assert.equal(res.status, 502);
  assert.match(errorOf(res).details, /ENOTFOUND/);
});

test('upstream not answering within --upstream-headers-timeout → 504 JSON', LIMIT, async (t) => {
  const upstream = await startMisbehavingUpstream(t);
  const app = await startTestApp(['--comfyui', upstream.url, '--upstream-headers-timeout', '300']);
  t.after(() => app.close());
  const res = await rawRequest(`${app.url}/comfyui/hang`);
  assert.equal(res.status, 504);
  const error = errorOf(res);
  assert.equal(error.type, 'backend_timeout');
  assert.match(error.details, /300 ms/);
  await assertStillServing(app);
});

/**
 * A listener that never completes another TCP handshake: backlog 0, never accepting, its one
 * queue slot taken. Linux drops further SYNs, so a connect hangs until the caller gives up.
 * (python3: Node cannot listen without accepting; CI has python3, node-gyp needs it.)
 */
async function startUnconnectable(t: { after: (fn: () => void) => void }): Promise<string> {
  const listener = spawn('python3', ['-c', 'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  t.after(() => listener.kill());
  const [line] = (await once(listener.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  const occupant = net.connect(port, '127.0.0.1');
  t.after(() => occupant.destroy());
  await once(occupant, 'connect');
  return `http://127.0.0.1:${port}`;
}

test('no TCP connection within --upstream-connect-timeout → 504 JSON, counted as a timeout', LIMIT, async (t) => {
  const url = await startUnconnectable(t);
  const app = await startTestApp(['--comfyui', `stuck=${url}`, '--upstream-connect-timeout', '300']);
  t.after(() => app.close());
  const res = await rawRequest(`${app.url}/comfyui/system_stats`);
  assert.equal(res.status, 504);
  const error = errorOf(res);
  assert.equal(error.type, 'backend_timeout');
  assert.match(error.details, /no connection within 300 ms/);
  const metrics = await rawRequest(`${app.url}/metrics`);
  assert.match(metrics.body.toString(), /automa_upstream_errors_total\{backend="stuck",kind="timeout"\} 1/);
});

test("ComfyUI's own error bodies pass through verbatim", LIMIT, async (t) => {
  const upstream = await startMisbehavingUpstream(t);
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  const res = await rawRequest(`${app.url}/comfyui/prompt`, { method: 'POST', headers: ['content-type', 'application/json'], body: '{"prompt":{}}' });
  assert.equal(res.status, 400);
  assert.equal(res.body.toString(), COMFY_400);
});

for (const [name, cutPath, hasLength] of [
  ['with Content-Length', '/reset-with-length', true],
  ['chunked', '/reset-chunked', false],
] as const) {
  test(`upstream reset mid-body (${name}) → the client's response is aborted, never complete`, LIMIT, async (t) => {
    const upstream = await startMisbehavingUpstream(t);
    const app = await startTestApp(['--comfyui', upstream.url]);
    t.after(() => app.close());
    const res = await rawRequest(`${app.url}/comfyui${cutPath}`);
    assert.equal(res.status, 200, 'the upstream had started answering');
    assert.equal(res.complete, false, 'the response must not look complete');
    assert.ok(res.body.length < 1_000_000);
    if (hasLength) assert.equal(res.headers['content-length'], '1000000');
    else assert.equal(res.headers['transfer-encoding'], 'chunked');
    await assertStillServing(app);
  });
}

for (const [name, reply] of [
  ['sends garbage', (socket: import('node:net').Socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\nnot http at all\r\n')],
  ['closes mid-headers', (socket: import('node:net').Socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/pl')],
  ['resets at once', (socket: import('node:net').Socket) => socket.resetAndDestroy()],
] as const) {
  test(`upstream that ${name} → 502 JSON; no crash`, LIMIT, async (t) => {
    const upstream = await startRawUpstream((socket) => socket.once('data', () => reply(socket)));
    t.after(() => upstream.close());
    const app = await startTestApp(['--comfyui', upstream.url]);
    t.after(() => app.close());
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(`${app.url}/comfyui/system_stats`);
      assert.equal(res.status, 502);
      assert.equal(errorOf(res).type, 'backend_unavailable');
    }
    assert.equal((await rawRequest(`${app.url}/automa/health`)).status, 200);
  });
}

test('ComfyUI crashing mid-download → the client sees an aborted response; the service keeps serving', LIMIT, async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const big = Buffer.alloc(32 * 1024 * 1024, 7);
  fs.writeFileSync(path.join(fake.dirs.output, 'big.bin'), big);
  fs.writeFileSync(path.join(fake.dirs.output, 'small.txt'), 'small');
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());

  const outcome = await new Promise<{ complete: boolean; bytes: number; length: string | undefined }>((resolve, reject) => {
    const req = http.get(`${app.url}/comfyui/view?filename=big.bin&type=output`, (res) => {
      let bytes = 0;
      res.once('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Stop reading so the transfer is mid-stream, then kill the backend.
        res.pause();
        void fake.control.crash().then(() => {
          res.on('data', (more: Buffer) => (bytes += more.length));
          res.resume();
        });
      });
      res.on('error', () => undefined);
      res.on('close', () => resolve({ complete: res.complete, bytes, length: res.headers['content-length'] }));
    });
    req.on('error', reject);
  });
  assert.equal(outcome.length, String(big.length));
  assert.equal(outcome.complete, false);
  assert.ok(outcome.bytes < big.length);

  await fake.control.restart();
  const res = await rawRequest(`${app.url}/comfyui/view?filename=small.txt&type=output`);
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'small');
});

test('a body over --max-upload-size announced by Content-Length → 413 before the upstream is contacted', LIMIT, async (t) => {
  let contacted = 0;
  const upstream = await startUpstream((req, res) => {
    if (req.url === '/upload/image') contacted += 1;
    req.resume();
    res.end('ok');
  });
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url, '--max-upload-size', '1']);
  t.after(() => app.close());

  // Headers only: the 413 must come without our sending a byte of the 2 MB.
  const res = await new Promise<RawResponse>((resolve, reject) => {
    const req = http.request(`${app.url}/comfyui/upload/image`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(2 * 1024 * 1024) },
      agent: false,
    });
    req.on('response', (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        resolve({ status: r.statusCode ?? 0, headers: r.headers, rawHeaders: r.rawHeaders, body: Buffer.concat(chunks), complete: r.complete });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
  assert.equal(res.status, 413);
  const error = errorOf(res);
  assert.equal(error.type, 'payload_too_large');
  assert.equal(error.extra_info.limit_bytes, 1024 * 1024);
  assert.equal(contacted, 0);
  await assertStillServing(app);
});

test('a chunked body crossing --max-upload-size → 413, and the upstream never gets the whole body', LIMIT, async (t) => {
  const upstreamSaw: { bytes: number; complete: boolean }[] = [];
  const upstream = await startUpstream((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('close', () => upstreamSaw.push({ bytes, complete: req.complete }));
    req.on('end', () => res.end('ok'));
  });
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url, '--max-upload-size', '1']);
  t.after(() => app.close());

  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(`${app.url}/comfyui/upload/image`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, agent: false });
    req.on('response', (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', () => undefined); // writing on after our 413 closed the connection
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 2);
    const pump = (): void => {
      while (sent < 3 * 1024 * 1024 && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
    req.on('close', () => reject(new Error('connection closed without a response')));
  });
  assert.equal(status, 413);
  await assertStillServing(app, '/comfyui/small');
  // Whatever reached the upstream, it never saw a complete 3 MB request.
  assert.ok(upstreamSaw.filter((s) => s.bytes > 0).every((s) => !s.complete && s.bytes <= 1024 * 1024 + 64 * 1024));
});

test('odd or malformed upstream responses: forwarded when Node can say them, 502 otherwise; never a hang or crash', LIMIT, async (t) => {
  const cases: [raw: string, status: number, body: string | null][] = [
    ['HTTP/1.1 200 OK\r\nX-Bad: a\x7fb\r\nContent-Length: 2\r\n\r\nok', 502, null],
    ['HTTP/1.1 200 OK\r\nX-Name\x01: v\r\nContent-Length: 2\r\n\r\nok', 502, null],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok', 502, null],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n', 502, null],
    ['HTTP/1.1 200 O\x7fK\r\nContent-Length: 2\r\n\r\nok', 200, 'ok'], // a reason phrase Node refuses is dropped
    ['HTTP/1.1 299 Whatever\r\nContent-Length: 2\r\n\r\nok', 299, 'ok'],
    ['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n', 204, ''],
    ['HTTP/1.0 200 OK\r\n\r\nbody until close', 200, 'body until close'],
  ];
  let current = '';
  const upstream = await startRawUpstream((socket) => socket.once('data', () => socket.end(Buffer.from(current, 'latin1'))));
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  for (const [raw, status, body] of cases) {
    current = raw;
    const res = await rawRequest(`${app.url}/comfyui/x`);
    assert.equal(res.status, status, JSON.stringify(raw));
    assert.ok(res.complete, JSON.stringify(raw));
    if (body === null) assert.equal(errorOf(res).type, 'backend_unavailable');
    else assert.equal(res.body.toString(), body);
  }
  // Header bytes beyond ASCII pass as they are.
  current = 'HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename="caf\xe9.png"\r\nContent-Length: 2\r\n\r\nok';
  const latin = await rawRequest(`${app.url}/comfyui/x`);
  assert.deepEqual(Buffer.from(String(latin.headers['content-disposition']), 'latin1'), Buffer.from('attachment; filename="caf\xe9.png"', 'latin1'));
});
