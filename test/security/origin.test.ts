import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { isSameHost, originRefusal } from '../../src/api/security/origin.js';
import { errorOf, request, rowCounts, startCustomApp, tryUpgrade } from './helpers.js';

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly note: string;
  readonly request: { readonly headers: Record<string, string> };
  readonly response: { readonly status: number };
}

const recording = JSON.parse(
  fs.readFileSync(new URL('../../../shared/comfyui-recordings/origin_check.json', import.meta.url), 'utf8'),
) as { server: { base_url: string }; exchanges: Exchange[] };

test('the rule decides every recorded ComfyUI exchange the way ComfyUI did', () => {
  const defaultHost = new URL(recording.server.base_url).host;
  assert.ok(recording.exchanges.length >= 8);
  for (const exchange of recording.exchanges) {
    const headers = Object.fromEntries(Object.entries(exchange.request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const refusal = originRefusal(exchange.method, { host: defaultHost, ...headers });
    assert.equal(refusal === null ? 'allowed' : 403, exchange.response.status === 403 ? 403 : 'allowed', exchange.note);
  }
});

test('Sec-Fetch-Site: cross-site is refused; same-site, same-origin and none are not', () => {
  assert.equal(originRefusal('GET', { host: 'example.com', 'sec-fetch-site': 'cross-site' })?.status, 403);
  for (const site of ['same-origin', 'same-site', 'none']) assert.equal(originRefusal('POST', { host: '127.0.0.1:1', 'sec-fetch-site': site }), null);
});

test('host comparison: ports only when both carry one, IPv6, case', () => {
  const host = '127.0.0.1:8189';
  assert.equal(originRefusal('POST', { host, origin: 'http://127.0.0.1' }), null, 'origin without port');
  assert.equal(originRefusal('POST', { host: '127.0.0.1', origin: 'http://127.0.0.1:3000' }), null, 'host without port');
  assert.equal(originRefusal('POST', { host: 'LOCALHOST:8189', origin: 'http://localhost:8189' }), null, 'case');
  assert.equal(originRefusal('POST', { host: '[::1]:8189', origin: 'http://[::1]:8189' }), null, 'IPv6');
  assert.equal(originRefusal('POST', { host: '[::1]:8189', origin: 'http://evil.example' })?.status, 403, 'IPv6 loopback host');
  assert.equal(originRefusal('POST', { host: 'localhost:8189', origin: 'http://127.0.0.1:8189' })?.status, 403, 'name vs IP');
  assert.equal(originRefusal('POST', { host: '192.168.1.5:8189', origin: 'http://evil.example' }), null, 'non-loopback host');
  assert.equal(originRefusal('POST', { host, origin: 'null' }), null, 'opaque origin');
  assert.equal(originRefusal('POST', { host }), null, 'no origin');
  assert.equal(isSameHost('127.0.0.1:8189', 'http://127.0.0.1:8189'), true);
  assert.equal(isSameHost('127.0.0.1:8189', 'https://127.0.0.1'), true);
  assert.equal(isSameHost('127.0.0.1:8189', 'http://127.0.0.1:9999'), false);
  assert.equal(isSameHost('app.example:443', 'https://evil.example'), false);
  assert.equal(isSameHost('127.0.0.1:8189', 'null'), false);
});

test('over HTTP: every route family refuses cross-site and mismatched-origin requests before doing anything', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  const host = `127.0.0.1:${service.port}`;
  const attacks: Record<string, string>[] = [
    { origin: 'http://evil.example' },
    { origin: `http://localhost:${service.port}` },
    { origin: 'http://127.0.0.1:9' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'cross-site', host: 'app.example.com' },
  ];
  const targets: [string, string, string?][] = [
    ['POST', '/automa/db/notes', '{"title":"x"}'],
    ['DELETE', '/automa/db/default'],
    ['GET', '/automa/health'],
    ['GET', '/automa/ready'],
    ['GET', '/metrics'],
    ['POST', '/prompt', '{"prompt":{}}'],
    ['POST', '/api/queue', '{"clear":true}'],
    ['GET', '/comfyui/system_stats'],
    ['GET', '/index.html'],
    ['GET', '/no/such/route'],
    ['OPTIONS', '/prompt'],
  ];
  for (const headers of attacks) {
    for (const [method, path, body] of targets) {
      const response = await request(`${service.url}${path}`, {
        method,
        headers: { host, 'content-type': 'application/json', ...headers },
        ...(body !== undefined && { body }),
      });
      const label = `${method} ${path} ${JSON.stringify(headers)}`;
      assert.equal(response.status, 403, label);
      assert.equal(errorOf(response.body).type, 'forbidden', label);
      assert.match(response.body, /--enable-cors-header/, 'says how to allow it');
    }
  }
  assert.deepEqual(await rowCounts(service.dataDir), before, 'nothing written');
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('over HTTP: same-origin, Origin: null, non-loopback Host and OPTIONS pass as in ComfyUI', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const host = `127.0.0.1:${service.port}`;
  const passing: Record<string, string>[] = [{ origin: `http://${host}` }, { origin: 'null' }, { origin: 'http://evil.example', host: 'evil.example' }, {}];
  for (const headers of passing) {
    const response = await request(`${service.url}/automa/health`, { headers: { host, ...headers } });
    assert.equal(response.status, 200, JSON.stringify(headers));
  }
  const created = await request(`${service.url}/automa/db/notes`, {
    method: 'POST',
    headers: { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
    body: '{"title":"mine"}',
  });
  assert.equal(created.status, 201, created.body);
  const options = await request(`${service.url}/any/path/at/all`, { method: 'OPTIONS', headers: { host, origin: `http://${host}` } });
  assert.equal(options.status, 200);
  assert.equal(options.body, '');
  assert.equal(options.headers['access-control-allow-origin'], undefined, 'no CORS unless asked for');
});

test('WebSocket upgrades get the same check, answered with a plain 403 before upgrading', async (t) => {
  let connections = 0;
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket) => {
    connections += 1;
    socket.close();
  });
  const service = await startCustomApp([], {
    setup: (app) => app.upgrades.add((p) => p === '/test-socket', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))),
  });
  t.after(async () => {
    await service.close();
    wss.close();
  });
  const host = `127.0.0.1:${service.port}`;
  for (const path of ['/test-socket', '/ws', '/api/ws', '/comfyui/ws']) {
    for (const headers of [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: `http://localhost:${service.port}` }] as Record<string, string>[]) {
      const result = await tryUpgrade(`${service.url}${path}?clientId=abc`, { host, ...headers });
      assert.equal(result.upgraded, false, `${path} ${JSON.stringify(headers)}`);
      if (!result.upgraded) {
        assert.equal(result.status, 403);
        assert.equal(errorOf(result.body).type, 'upgrade_refused');
      }
    }
  }
  assert.equal(connections, 0, 'no refused socket was ever accepted');
  assert.deepEqual(await tryUpgrade(`${service.url}/test-socket`, { host, origin: `http://${host}` }), { upgraded: true });
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});
