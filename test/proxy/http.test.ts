/**
 * The /comfyui/* HTTP proxy against real upstreams over loopback: paths and queries as given,
 * every method, headers end to end, hop-by-hop and browser-origin headers kept off the upstream.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { headerNames, rawRequest, startEchoUpstream, startUpstream, type Seen } from './helpers.js';

/** Every test waits on events, never on sleeps; a regression fails here instead of hanging the run. */
const LIMIT = { timeout: 60_000 };

async function setup(t: test.TestContext) {
  const upstream = await startEchoUpstream();
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  return { upstream, app };
}

test('paths and query strings reach the upstream exactly as sent, /comfyui and /comfyui/ map to /', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  const cases: [sent: string, expected: string][] = [
    ['/comfyui/api/jobs?status=pending', '/api/jobs?status=pending'],
    ['/comfyui/view?filename=a%20b.png&subfolder=x%2Fy&type=output', '/view?filename=a%20b.png&subfolder=x%2Fy&type=output'],
    ['/comfyui/userdata/workflows%2Fmy%20flow.json', '/userdata/workflows%2Fmy%20flow.json'],
    ['/comfyui/a%25b/%E2%9C%93?q=%26&r=+', '/a%25b/%E2%9C%93?q=%26&r=+'],
    ['/comfyui', '/'],
    ['/comfyui/', '/'],
    ['/comfyui?x=1', '/?x=1'],
    ['/comfyui/?x=1', '/?x=1'],
  ];
  for (const [sent, expected] of cases) {
    const res = await rawRequest(`${app.url}${sent}`);
    assert.equal(res.status, 200, sent);
    assert.equal((JSON.parse(res.body.toString()) as Seen).url, expected, sent);
  }
  // A path that only starts with the prefix is not ours.
  assert.equal((await rawRequest(`${app.url}/comfyuix/y`)).status, 404);
  assert.ok(!upstream.seen.some((s) => s.url.includes('/y')));
});

test('every method is forwarded with its body; HEAD gets headers only', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  // OPTIONS is answered at our edge as ComfyUI's origin middleware does (see the core test for OPTIONS forwarding).
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    const body = method === 'GET' ? undefined : `{"method":"${method}"}`;
    const headers = body === undefined ? [] : ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body))];
    const res = await rawRequest(`${app.url}/comfyui/any/path?m=${method}`, { method, headers, body });
    assert.equal(res.status, 200, method);
    const seen = JSON.parse(res.body.toString()) as Seen;
    assert.equal(seen.method, method);
    assert.equal(seen.url, `/any/path?m=${method}`);
    assert.equal(seen.bytes, body === undefined ? 0 : Buffer.byteLength(body));
    if (body !== undefined) assert.equal(seen.sha256, createHash('sha256').update(body).digest('hex'));
  }
  const head = await rawRequest(`${app.url}/comfyui/x`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-type'], 'application/json');
  assert.ok(upstream.seen.some((s) => s.method === 'HEAD' && s.url === '/x'));
});

test('a JSON POST to any path streams through unchanged, whatever its content type', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  const body = JSON.stringify({ delete: ['a', 'b'], clear: false, text: 'ünïcødé' });
  for (const [path, type] of [
    ['/comfyui/queue', 'application/json'],
    ['/comfyui/api/history', 'text/plain;charset=UTF-8'],
    ['/comfyui/settings/Comfy.Foo', 'not a valid / media type ;;'],
  ] as const) {
    const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    assert.equal(res.status, 200, path);
    const seen = (await res.json()) as Seen;
    assert.equal(seen.headers['content-type'], type);
    assert.equal(seen.sha256, createHash('sha256').update(body).digest('hex'));
  }
  // A chunked body (no Content-Length) is streamed chunked.
  const chunked = await rawRequest(`${app.url}/comfyui/prompt`, { method: 'POST', headers: ['transfer-encoding', 'chunked'], body });
  const seen = JSON.parse(chunked.body.toString()) as Seen;
  assert.equal(seen.bytes, Buffer.byteLength(body));
  assert.equal(seen.headers['transfer-encoding'], 'chunked');
  assert.equal(upstream.seen.filter((s) => s.method === 'POST').length, 4);
});

test('request headers: end-to-end ones verbatim, hop-by-hop dropped, X-Forwarded-* added, browser origin not forwarded', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  const host = new URL(app.url).host;
  await rawRequest(`${app.url}/comfyui/prompt`, {
    headers: [
      'Connection', 'keep-alive, X-Hop-Named',
      'X-Hop-Named', 'drop me',
      'Keep-Alive', 'timeout=5',
      'Proxy-Authorization', 'Basic Zm9vOmJhcg==',
      'TE', 'trailers',
      'Upgrade', 'h2c',
      'Origin', app.url,
      'Referer', `${app.url}/comfyui/`,
      'Sec-Fetch-Site', 'same-origin',
      'Sec-Fetch-Mode', 'cors',
      'Sec-Fetch-Dest', 'empty',
      'X-Forwarded-For', '203.0.113.7',
      'X-Forwarded-Proto', 'https',
      'X-Forwarded-Host', 'spoofed.example',
      'Cookie', 'session=abc; theme=dark',
      'Accept', 'application/json',
      'X-Custom', 'One',
      'X-Custom', 'Two',
      'User-Agent', 'proxy-test',
    ],
  });
  const seen = upstream.seen.find((s) => s.url === '/prompt');
  assert.ok(seen);
  const names = headerNames(seen.rawHeaders);
  for (const dropped of ['x-hop-named', 'keep-alive', 'proxy-authorization', 'te', 'upgrade', 'referer', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest']) {
    assert.ok(!names.includes(dropped), `${dropped} must not reach the upstream`);
  }
  assert.equal(seen.headers.host, new URL(upstream.url).host, 'Host is the upstream');
  assert.equal(seen.headers.origin, upstream.url, 'Origin rewritten to the upstream origin');
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-host'], host);
  assert.equal(seen.headers.cookie, 'session=abc; theme=dark');
  assert.equal(seen.headers.accept, 'application/json');
  assert.equal(seen.headers['user-agent'], 'proxy-test');
  // Repeated headers stay separate lines, in order.
  const custom = seen.rawHeaders.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === 'x-custom' ? [seen.rawHeaders[i + 1]] : []));
  assert.deepEqual(custom, ['One', 'Two']);
});

test('response: status, body and end-to-end headers pass unchanged; hop-by-hop dropped; our request id added', LIMIT, async (t) => {
  const payload = Buffer.from('\x89PNG fake image bytes \x00\x01\x02', 'latin1');
  const upstream = await startUpstream((req, res) => {
    res.writeHead(201, 'Created Here', [
      'Content-Type', 'image/png',
      'Content-Disposition', 'attachment; filename="out 1.png"',
      'ETag', '"abc123"',
      'Cache-Control', 'no-cache',
      'Vary', 'Accept-Encoding',
      'Set-Cookie', 'a=1; Path=/',
      'Set-Cookie', 'b=2; HttpOnly',
      'X-Content-Type-Options', 'nosniff',
      'Connection', 'X-Upstream-Hop',
      'X-Upstream-Hop', 'secret',
      'Keep-Alive', 'timeout=99',
      'Content-Length', String(payload.length),
    ]);
    res.end(payload);
  });
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  const res = await rawRequest(`${app.url}/comfyui/view?filename=out.png`, { headers: ['X-Request-Id', 'req-42'] });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body, payload);
  assert.equal(res.headers['content-type'], 'image/png');
  assert.equal(res.headers['content-disposition'], 'attachment; filename="out 1.png"');
  assert.equal(res.headers.etag, '"abc123"');
  assert.equal(res.headers['cache-control'], 'no-cache');
  assert.equal(res.headers.vary, 'Accept-Encoding');
  assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['content-length'], String(payload.length));
  assert.equal(res.headers['x-request-id'], 'req-42');
  assert.equal(res.headers['x-upstream-hop'], undefined, 'a header the upstream named in Connection is hop-by-hop');
  assert.notEqual(res.headers['keep-alive'], 'timeout=99', "the upstream's Keep-Alive is about its own connection");
});

test('a chunked upstream response stays streamed (no Content-Length invented)', LIMIT, async (t) => {
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    setImmediate(() => res.end('second'));
  });
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  const res = await rawRequest(`${app.url}/comfyui/stream`);
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.equal(res.body.toString(), 'first second');
  assert.ok(res.complete);
});
