import assert from 'node:assert/strict';
import test from 'node:test';
import { checkOrigin, isLoopbackHost } from '../../../src/upstream/protocol/index.js';
import { recordedExchanges } from './helpers.js';

test('every recorded origin-check case gives ComfyUI’s answer', () => {
  const exchanges = recordedExchanges('origin_check.json');
  assert.ok(exchanges.length >= 8);
  for (const exchange of exchanges) {
    const headers = exchange.request.headers;
    const verdict = checkOrigin({
      method: exchange.method,
      host: headers['Host'] ?? '127.0.0.1:8188',
      origin: headers['Origin'],
    });
    assert.equal(verdict === 'forbid' ? 403 : 200, exchange.response.status, exchange.note ?? exchange.url);
  }
});

test('the rules beyond the recordings: Sec-Fetch-Site, ports only when both have one, OPTIONS', () => {
  assert.equal(checkOrigin({ method: 'GET', secFetchSite: 'cross-site' }), 'forbid');
  assert.equal(checkOrigin({ method: 'GET', secFetchSite: 'same-origin', host: '127.0.0.1:8188', origin: 'http://127.0.0.1:8188' }), 'allow');
  assert.equal(checkOrigin({ method: 'GET', host: '127.0.0.1', origin: 'http://127.0.0.1:8188' }), 'allow');
  assert.equal(checkOrigin({ method: 'GET', host: '127.0.0.1:8188', origin: 'http://127.0.0.1' }), 'allow');
  assert.equal(checkOrigin({ method: 'GET', host: 'LOCALHOST:8188', origin: 'http://localhost:8188' }), 'allow');
  assert.equal(checkOrigin({ method: 'GET', host: '[::1]:8188', origin: 'http://[::1]:8188' }), 'allow');
  assert.equal(checkOrigin({ method: 'GET', host: '[::1]:8188', origin: 'http://evil.example' }), 'forbid');
  assert.equal(checkOrigin({ method: 'OPTIONS', host: '127.0.0.1:8188' }), 'preflight');
  assert.equal(checkOrigin({ method: 'POST', host: 'gpu-box:8188', origin: 'http://elsewhere' }), 'allow', 'only loopback hosts are checked');
});

test('loopback names', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'api.localhost', '::1', '[::1]']) assert.ok(isLoopbackHost(host), host);
  for (const host of ['10.0.0.1', 'example.com', '', null, '0.0.0.0']) assert.ok(!isLoopbackHost(host), String(host));
});
