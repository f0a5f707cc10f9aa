import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { App } from '../../src/app.js';
import { errorOf, request, startCustomApp, tryUpgrade } from './helpers.js';

const KEY = 'cors-test-key-0123456789';

/** A throwaway WebSocket endpoint and a hijacked route, like the proxy's. */
function setup(app: App): void {
  const wss = new WebSocketServer({ noServer: true });
  app.http.addHook('onClose', async () => wss.close());
  app.upgrades.add((p) => p === '/test-socket', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.close()));
  app.http.get('/test-hijacked', async (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.end('{"raw":true}');
  });
}

test('bare --enable-cors-header: * on every response, and the origin check is off', async (t) => {
  const service = await startCustomApp(['--enable-cors-header'], { setup });
  t.after(() => service.close());
  assert.equal(service.config.corsOrigin, '*');
  const host = `127.0.0.1:${service.port}`;
  for (const headers of [{ origin: 'http://evil.example' }, { 'sec-fetch-site': 'cross-site', origin: 'https://app.example' }] as Record<string, string>[]) {
    const response = await request(`${service.url}/automa/health`, { headers: { host, ...headers } });
    assert.equal(response.status, 200, JSON.stringify(headers));
    assert.equal(response.headers['access-control-allow-origin'], '*');
  }
  const notFound = await request(`${service.url}/no/such/route`, { headers: { origin: 'http://evil.example' } });
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers['access-control-allow-origin'], '*', 'errors are readable cross-origin too');
  const hijacked = await request(`${service.url}/test-hijacked`, { headers: { origin: 'http://evil.example' } });
  assert.equal(hijacked.body, '{"raw":true}');
  assert.equal(hijacked.headers['access-control-allow-origin'], '*', 'hijacked (proxied) replies carry it');
  assert.deepEqual(await tryUpgrade(`${service.url}/test-socket`, { origin: 'http://evil.example' }), { upgraded: true }, '* allows any page');
});

test('preflight: 200 with methods, Authorization and Content-Type, requested headers, Max-Age and Vary, no key needed', async (t) => {
  const service = await startCustomApp(['--enable-cors-header', 'https://app.example', '--api-key', KEY]);
  t.after(() => service.close());
  const preflight = await request(`${service.url}/automa/db/notes/123`, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example',
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'content-type, comfy-user, if-match',
    },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.body, '');
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
  const methods = String(preflight.headers['access-control-allow-methods']).split(/,\s*/);
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) assert.ok(methods.includes(method), method);
  const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
  for (const header of ['authorization', 'content-type', 'comfy-user', 'if-match']) assert.ok(allowed.includes(header), header);
  assert.equal(allowed.filter((h) => h === 'content-type').length, 1, 'no duplicates');
  assert.ok(Number(preflight.headers['access-control-max-age']) > 0);
  assert.match(String(preflight.headers.vary), /Origin/);
  assert.equal(preflight.headers['access-control-allow-credentials'], undefined, 'keys travel in headers, not cookies');
});

test('a configured origin is sent as is (normalised), with Vary: Origin, and on 401s so the page can read them', async (t) => {
  const service = await startCustomApp(['--enable-cors-header', 'https://App.Example/', '--api-key', KEY]);
  t.after(() => service.close());
  assert.equal(service.config.corsOrigin, 'https://app.example');
  const refused = await request(`${service.url}/automa/db`, { headers: { origin: 'https://app.example' } });
  assert.equal(refused.status, 401);
  assert.equal(errorOf(refused.body).type, 'unauthorized');
  assert.equal(refused.headers['access-control-allow-origin'], 'https://app.example');
  const ok = await request(`${service.url}/automa/db`, { headers: { origin: 'https://app.example', authorization: `Bearer ${KEY}` } });
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers.vary), /Origin/);
  assert.match(String(ok.headers['access-control-expose-headers']), /ETag/);
});

test('compression adds Accept-Encoding to Vary without losing Origin', async (t) => {
  const service = await startCustomApp(['--enable-cors-header', 'https://app.example']);
  t.after(() => service.close());
  const response = await request(`${service.url}/automa/openapi.json`, { headers: { 'accept-encoding': 'gzip', origin: 'https://app.example' } });
  assert.equal(response.headers['content-encoding'], 'gzip');
  const vary = String(response.headers.vary).toLowerCase();
  assert.match(vary, /origin/);
  assert.match(vary, /accept-encoding/);
});

test('WebSocket upgrades under a configured origin: that origin and our own pages only', async (t) => {
  const service = await startCustomApp(['--enable-cors-header', 'https://app.example'], { setup });
  t.after(() => service.close());
  const host = `127.0.0.1:${service.port}`;
  const url = `${service.url}/test-socket`;
  assert.deepEqual(await tryUpgrade(url, { host, origin: 'https://app.example' }), { upgraded: true });
  assert.deepEqual(await tryUpgrade(url, { host, origin: `http://${host}` }), { upgraded: true }, 'a page we serve');
  assert.deepEqual(await tryUpgrade(url, { host }), { upgraded: true }, 'no Origin: not a browser');
  for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example']) {
    const refused = await tryUpgrade(url, { host, origin });
    assert.equal(refused.upgraded, false, origin);
    if (!refused.upgraded) {
      assert.equal(refused.status, 403);
      assert.match(errorOf(refused.body).message, /Origin not allowed/);
    }
  }
});
