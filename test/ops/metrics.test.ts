import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import type { App } from '../../src/app.js';
import { backendTimeout, backendUnavailable, storeFailure } from '../../src/errors.js';
import { request, startCustomApp } from '../security/helpers.js';
import { closedPort, sample, startProbeTarget } from './helpers.js';

function setup(app: App): void {
  const wss = new WebSocketServer({ noServer: true });
  app.http.addHook('preClose', async () => {
    for (const client of wss.clients) client.terminate();
  });
  app.upgrades.add((p) => p === '/test-socket', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => undefined));
  app.http.get('/test-fail/backend', async () => {
    throw backendUnavailable('b1', 'connect ECONNREFUSED');
  });
  app.http.get('/test-fail/timeout', async () => {
    throw backendTimeout('b1', 'headers timeout');
  });
  app.http.get('/test-fail/store', async () => {
    throw storeFailure('disk I/O error');
  });
}

test('GET /metrics: requests by route pattern and status with latency, backends up/down, WebSocket clients, error counters', async (t) => {
  const probe = await startProbeTarget();
  t.after(() => probe.close());
  const service = await startCustomApp(['--comfyui', `up=${probe.url}`, '--comfyui', `down=http://127.0.0.1:${await closedPort()}`], { setup });
  t.after(() => service.close());
  await service.app.backends.probeAll();

  for (const name of ['first-secret-name', 'second-secret-name']) assert.equal((await request(`${service.url}/automa/db/${name}`)).status, 200);
  assert.equal((await request(`${service.url}/no/such/route`)).status, 404);
  assert.equal((await request(`${service.url}/automa/db`, { headers: { origin: 'http://evil.example' } })).status, 403);
  for (const target of ['/test-fail/backend', '/test-fail/backend', '/test-fail/timeout', '/test-fail/store']) await request(`${service.url}${target}`);
  const socket = new WebSocket(`ws://127.0.0.1:${service.port}/test-socket`);
  await once(socket, 'open');
  t.after(() => socket.terminate());

  const response = await request(`${service.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = response.body;
  const listRoute = { method: 'GET', route: '/automa/db/:collection', status: '200' };
  assert.equal(sample(text, 'automa_http_requests_total', listRoute), 2, 'counted by route pattern');
  assert.ok(!text.includes('secret-name'), 'raw URLs never become labels');
  assert.equal(sample(text, 'automa_http_requests_total', { route: 'unmatched', status: '404' }), 1);
  assert.equal(sample(text, 'automa_http_requests_total', { route: '/automa/db', status: '403' }), 1, 'refused requests count too');
  assert.equal(sample(text, 'automa_http_request_duration_seconds_count', listRoute), 2);
  assert.equal(sample(text, 'automa_http_request_duration_seconds_bucket', { ...listRoute, le: '+Inf' }), 2);
  assert.equal(sample(text, 'automa_backend_up', { backend: 'up' }), 1);
  assert.equal(sample(text, 'automa_backend_up', { backend: 'down' }), 0);
  assert.equal(sample(text, 'automa_ws_clients'), 1);
  assert.equal(sample(text, 'automa_upstream_errors_total', { backend: 'b1', kind: 'unavailable' }), 2);
  assert.equal(sample(text, 'automa_upstream_errors_total', { backend: 'b1', kind: 'timeout' }), 1);
  assert.equal(sample(text, 'automa_store_errors_total', { operation: 'request' }), 1);
  for (const name of ['automa_queue_pending', 'automa_queue_running', 'automa_prompts_finished_total', 'automa_prompt_duration_seconds']) {
    assert.match(text, new RegExp(`# TYPE ${name} `), `${name} is exposed`);
  }
  assert.match(text, /# TYPE process_cpu_user_seconds_total counter/, 'process metrics');
});

test('each app has its own registry; queue gauges come from its own gateway', async (t) => {
  const first = await startCustomApp([]);
  const second = await startCustomApp([]);
  t.after(() => Promise.all([first.close(), second.close()]));
  await request(`${first.url}/automa/db`);
  await request(`${first.url}/automa/db`);
  first.app.metrics.promptsFinished.inc({ outcome: 'success' });
  first.app.metrics.promptDuration.observe({ outcome: 'success' }, 2);
  const one = (await request(`${first.url}/metrics`)).body;
  const other = (await request(`${second.url}/metrics`)).body;
  assert.equal(sample(one, 'automa_http_requests_total', { route: '/automa/db', status: '200' }), 2);
  assert.equal(sample(other, 'automa_http_requests_total', { route: '/automa/db', status: '200' }), undefined);
  // Read from each app's gateway at scrape time: nothing queued in either.
  assert.equal(sample(one, 'automa_queue_pending'), 0);
  assert.equal(sample(other, 'automa_queue_running'), 0);
  assert.equal(sample(one, 'automa_prompts_finished_total', { outcome: 'success' }), 1);
  assert.equal(sample(one, 'automa_prompt_duration_seconds_count', { outcome: 'success' }), 1);
});

test('with API keys, /metrics needs one', async (t) => {
  const key = 'metrics-key-0123456789abcdef';
  const service = await startCustomApp(['--api-key', key]);
  t.after(() => service.close());
  assert.equal((await request(`${service.url}/metrics`)).status, 401);
  assert.equal((await request(`${service.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
});

test('proxied requests that fail upstream count on automa_upstream_errors_total: refused, and reset mid-response', async (t) => {
  // The default backend answers /system_stats, and cuts /cut off after the headers and a few bytes.
  const flaky = http.createServer((req, res) => {
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
      res.write('partial', () => res.socket?.destroy());
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"system":{},"devices":[]}');
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => flaky.close(() => resolve())));
  const flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
  const service = await startCustomApp(['--comfyui', `flaky=${flakyUrl}`, '--comfyui', `dead=http://127.0.0.1:${await closedPort()}`]);
  t.after(() => service.close());

  await assert.rejects(fetch(`${service.url}/comfyui/cut`).then((r) => r.arrayBuffer()), 'a cut body is never a complete 200');
  assert.equal((await request(`${service.url}/automa/backends/dead/comfyui/queue`)).status, 502);
  assert.equal((await request(`${service.url}/automa/backends/dead/comfyui/prompt`)).status, 502);

  const text = (await request(`${service.url}/metrics`)).body;
  assert.equal(sample(text, 'automa_upstream_errors_total', { backend: 'flaky', kind: 'reset' }), 1);
  assert.equal(sample(text, 'automa_upstream_errors_total', { backend: 'dead', kind: 'unavailable' }), 2);
});
