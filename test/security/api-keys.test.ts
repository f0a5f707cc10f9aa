import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { bearerToken, createKeyRing, queryToken, redactToken, withoutToken } from '../../src/api/security/api-keys.js';
import type { App } from '../../src/app.js';
import { makeTempDir } from '../helpers/app.js';
import { errorOf, request, rowCounts, startCustomApp, tryUpgrade } from './helpers.js';

const KEY = 'first-key-0123456789abcdef';
const OTHER_KEY = 'second-key-9876543210fedcba';

test('the key ring accepts exactly the configured keys', () => {
  const ring = createKeyRing([KEY, OTHER_KEY, KEY]);
  assert.equal(ring.enabled, true);
  assert.equal(ring.accepts(KEY), true);
  assert.equal(ring.accepts(OTHER_KEY), true);
  for (const wrong of [undefined, '', KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase(), ` ${KEY}`]) {
    assert.equal(ring.accepts(wrong), false, JSON.stringify(wrong));
  }
  const none = createKeyRing([]);
  assert.equal(none.enabled, false);
  assert.equal(none.accepts(KEY), false);
});

test('bearer tokens, ?token= and redaction', () => {
  assert.equal(bearerToken(`Bearer ${KEY}`), KEY);
  assert.equal(bearerToken(`bearer   ${KEY}`), KEY, 'scheme is case-insensitive');
  for (const header of [undefined, '', KEY, `Basic ${KEY}`, `Bearer ${KEY} extra`, 'Bearer ']) {
    assert.equal(bearerToken(header), undefined, JSON.stringify(header));
  }
  assert.equal(queryToken(`/ws?clientId=a&token=${KEY}`), KEY);
  assert.equal(queryToken('/ws?clientId=a'), undefined);
  assert.equal(queryToken(`/ws?%74oken=${KEY}`), KEY, 'names are decoded, as URLSearchParams does');
  assert.equal(redactToken(`/ws?clientId=a&token=${KEY}&x=1`), '/ws?clientId=a&token=[redacted]&x=1');
  assert.equal(redactToken(`/ws?%74oken=${KEY}`), '/ws?%74oken=[redacted]');
  assert.equal(redactToken(`/ws?TOKEN=${KEY}#frag`), '/ws?TOKEN=[redacted]#frag');
  assert.equal(redactToken('/automa/db?order=asc'), '/automa/db?order=asc');
  assert.equal(withoutToken(`/ws?clientId=a&token=${KEY}&x=1`), '/ws?clientId=a&x=1');
  assert.equal(withoutToken(`/ws?token=${KEY}`), '/ws');
  assert.equal(withoutToken(`/ws?%74oken=${KEY}#f`), '/ws#f');
  assert.equal(withoutToken('/ws?clientId=a'), '/ws?clientId=a');
});

/** Requests on every route family: our API, metrics, the ComfyUI gateway and the proxy, and unknown paths. */
const PROTECTED: [string, string, string?][] = [
  ['GET', '/automa/db'],
  ['POST', '/automa/db/notes', '{"title":"x"}'],
  ['GET', '/automa/db/notes/00000000-0000-4000-8000-000000000000'],
  ['DELETE', '/automa/db/notes'],
  ['GET', '/automa/ready'],
  ['GET', '/automa/no-such-thing'],
  ['POST', '/automa/health', '{}'],
  ['GET', '/metrics'],
  ['GET', '/prompt'],
  ['POST', '/prompt', '{"prompt":{"1":{"class_type":"X","inputs":{}}}}'],
  ['POST', '/api/prompt', '{"prompt":{}}'],
  ['GET', '/queue'],
  ['POST', '/queue', '{"clear":true}'],
  ['GET', '/history'],
  ['POST', '/interrupt', '{}'],
  ['GET', '/api/jobs'],
  ['GET', '/object_info'],
  ['GET', '/system_stats'],
  ['GET', '/view?filename=x.png'],
  ['POST', '/upload/image', ''],
  ['GET', '/ws'],
  ['GET', '/internal/logs'],
  ['GET', '/comfyui/system_stats'],
  ['POST', '/comfyui/prompt', '{}'],
  ['GET', '/%61utoma/db'],
  ['GET', '/automa/docs/../db'],
  ['PUT', '/index.html', 'x'],
  ['DELETE', '/some/file.js'],
];

test('with a key configured, every route family answers 401 first, and nothing is written', async (t) => {
  const service = await startCustomApp(['--api-key', KEY, '--api-key', OTHER_KEY]);
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  const credentials: (Record<string, string> | undefined)[] = [
    undefined,
    { authorization: 'Bearer wrong-key-0123456789abcdef' },
    { authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}` },
    { authorization: KEY },
    { authorization: `Bearer ${KEY.slice(0, -1)}` },
  ];
  for (const headers of credentials) {
    for (const [method, target, body] of PROTECTED) {
      const response = await request(`${service.url}${target}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body !== undefined && { body }),
      });
      const label = `${method} ${target} with ${JSON.stringify(headers)}`;
      assert.equal(response.status, 401, `${label}: ${response.body}`);
      assert.equal(errorOf(response.body).type, 'unauthorized', label);
      assert.equal(response.headers['www-authenticate'], 'Bearer', label);
    }
  }
  // A key in the query string is for WebSockets only: it would end up in logs and referrers.
  assert.equal((await request(`${service.url}/automa/db?token=${KEY}`)).status, 401);
  assert.deepEqual(await rowCounts(service.dataDir), before, 'nothing written');
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('either configured key opens every route family', async (t) => {
  const service = await startCustomApp(['--api-key', KEY, '--api-key', OTHER_KEY]);
  t.after(() => service.close());
  for (const key of [KEY, OTHER_KEY]) {
    for (const [method, target, body] of PROTECTED) {
      const response = await request(`${service.url}${target}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        ...(body !== undefined && { body }),
      });
      assert.notEqual(response.status, 401, `${method} ${target}: ${response.body}`);
    }
  }
  const created = await request(`${service.url}/automa/db/notes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: '{"title":"kept"}',
  });
  assert.equal(created.status, 201);
});

test('public without a key: the web app files, /automa/health and the API docs (GET and HEAD only)', async (t) => {
  const web = makeTempDir('automa-web-');
  t.after(web.remove);
  fs.mkdirSync(path.join(web.dir, 'assets'));
  fs.writeFileSync(path.join(web.dir, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(web.dir, 'assets', 'app-1a2b3c4d.js'), 'console.log(1)');
  const service = await startCustomApp(['--api-key', KEY, '--public-dir', web.dir]);
  t.after(() => service.close());
  for (const target of ['/', '/index.html', '/assets/app-1a2b3c4d.js', '/settings-page/deep/link', '/automa/health', '/automa/docs', '/automa/openapi.json']) {
    for (const method of ['GET', 'HEAD']) {
      const response = await request(`${service.url}${target}`, { method, headers: { accept: 'text/html' } });
      assert.notEqual(response.status, 401, `${method} ${target}`);
      assert.ok(response.status < 400, `${method} ${target} → ${response.status}`);
    }
  }
  for (const [method, target] of [['POST', '/'], ['GET', '/automa/db'], ['GET', '/prompt'], ['GET', '/api/queue'], ['GET', '/%61pi/queue']] as const) {
    assert.equal((await request(`${service.url}${target}`, { method })).status, 401, `${method} ${target}`);
  }
});

function testSocket(app: App): void {
  const wss = new WebSocketServer({ noServer: true });
  app.http.addHook('onClose', async () => wss.close());
  app.upgrades.add((p) => p === '/test-socket', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.close()));
}

test('WebSocket upgrades need the key in Authorization or ?token=, and are refused with 401 before upgrading', async (t) => {
  const service = await startCustomApp(['--api-key', KEY], { setup: testSocket });
  t.after(() => service.close());
  for (const target of ['/test-socket', '/ws?clientId=abc', '/api/ws', '/comfyui/ws']) {
    for (const headers of [{}, { authorization: 'Bearer nope-nope-nope-nope-nope' }] as Record<string, string>[]) {
      const refused = await tryUpgrade(`${service.url}${target}`, headers);
      assert.equal(refused.upgraded, false, target);
      if (!refused.upgraded) {
        assert.equal(refused.status, 401, target);
        assert.match(errorOf(refused.body).message, /API key/);
      }
    }
    const wrongToken = await tryUpgrade(`${service.url}${target}${target.includes('?') ? '&' : '?'}token=nope-nope-nope-nope-nope`);
    assert.equal(wrongToken.upgraded === false && wrongToken.status, 401, `${target} wrong token`);
  }
  assert.deepEqual(await tryUpgrade(`${service.url}/test-socket`, { authorization: `Bearer ${KEY}` }), { upgraded: true });
  assert.deepEqual(await tryUpgrade(`${service.url}/test-socket?token=${encodeURIComponent(KEY)}`), { upgraded: true });
  assert.deepEqual(await tryUpgrade(`${service.url}/ws?clientId=abc&token=${KEY}`), { upgraded: true }, 'the gateway hub');
});

test('keys never reach the log, from the header or from ?token=', async (t) => {
  const service = await startCustomApp(['--api-key', KEY], { setup: testSocket, captureLogs: true });
  t.after(() => service.close());
  await request(`${service.url}/automa/db?token=${KEY}`, { headers: { authorization: `Bearer ${KEY}` } });
  await request(`${service.url}/automa/db?%74oken=${KEY}`);
  await request(`${service.url}/automa/db`, { headers: { authorization: `Bearer ${KEY}` } });
  await request(`${service.url}/automa/db/notes`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: '{' });
  await tryUpgrade(`${service.url}/test-socket?token=${KEY}`);
  await tryUpgrade(`${service.url}/test-socket?token=wrong-wrong-wrong-wrong`);
  await service.close();
  const logged = service.logText();
  assert.match(logged, /request done/, 'requests were logged');
  assert.match(logged, /token=\[redacted\]/);
  assert.ok(!logged.includes(KEY), 'no key in the log');
  assert.ok(!logged.includes(KEY.slice(4, 20)), 'not even part of it');
});

/** A stand-in ComfyUI that records every request and WebSocket handshake it gets. */
async function startRecordingUpstream(): Promise<{ url: string; seen: string[]; connected: (match: RegExp) => Promise<void>; close: () => Promise<void> }> {
  const seen: string[] = [];
  const waiters: { match: RegExp; resolve: () => void }[] = [];
  const record = (req: http.IncomingMessage): void => {
    const line = `${req.method} ${req.url} ${JSON.stringify(req.rawHeaders)}`;
    seen.push(line);
    for (const waiter of waiters.filter((w) => w.match.test(line))) waiter.resolve();
  };
  const server = http.createServer((req, res) => {
    record(req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    record(req);
    wss.handleUpgrade(req, socket, head, () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connected: (match) => new Promise((resolve) => (seen.some((line) => match.test(line)) ? resolve() : waiters.push({ match, resolve }))),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('the key is taken off the request once checked: the proxy never forwards it to ComfyUI', async (t) => {
  const upstream = await startRecordingUpstream();
  t.after(() => upstream.close());
  const service = await startCustomApp(['--api-key', KEY, '--comfyui', upstream.url]);
  t.after(() => service.close());
  const proxied = await request(`${service.url}/comfyui/object_info?x=1`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.equal(proxied.status, 200);
  await upstream.connected(/^GET \/object_info\?x=1 /);
  const socket = new WebSocket(`ws://127.0.0.1:${service.port}/comfyui/ws?clientId=proxied&token=${KEY}`, { headers: { authorization: `Bearer ${KEY}` } });
  t.after(() => socket.terminate());
  await once(socket, 'open');
  await upstream.connected(/^GET \/ws\?clientId=proxied[& ]/);
  assert.ok(upstream.seen.length >= 2);
  for (const line of upstream.seen) {
    assert.ok(!line.includes(KEY), `forwarded the key: ${line}`);
    assert.doesNotMatch(line, /"authorization"/i, `forwarded an Authorization header: ${line}`);
  }
});
