import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, startCustomApp } from '../security/helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('x-request-id: a sane one is echoed, anything else is replaced by a fresh UUID, on every status', async (t) => {
  const service = await startCustomApp(['--api-key', 'request-id-key-0123456789']);
  t.after(() => service.close());
  for (const given of ['abc-123_XYZ', 'a'.repeat(64)]) {
    for (const target of ['/automa/health', '/automa/db', '/no/such/route']) {
      const response = await request(`${service.url}${target}`, { headers: { 'x-request-id': given } });
      assert.equal(response.headers['x-request-id'], given, `${target} (${response.status})`);
    }
  }
  const insane = ['', 'has space', '<script>', 'a'.repeat(65), 'semi;colon', 'ünïcode', '../../etc'];
  const seen = new Set<string>();
  for (const given of insane) {
    const response = await request(`${service.url}/automa/db`, { headers: { 'x-request-id': given } });
    const id = String(response.headers['x-request-id']);
    assert.match(id, UUID, JSON.stringify(given));
    seen.add(id);
  }
  const without = await request(`${service.url}/automa/health`);
  assert.match(String(without.headers['x-request-id']), UUID);
  seen.add(String(without.headers['x-request-id']));
  assert.equal(seen.size, insane.length + 1, 'fresh every time');
  const refused = await request(`${service.url}/automa/health`, { headers: { 'x-request-id': 'refused-1', origin: 'http://evil.example' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers['x-request-id'], 'refused-1', 'on refusals too');
});

test('every log line of a request carries its id', async (t) => {
  const service = await startCustomApp([], { captureLogs: true });
  t.after(() => service.close());
  await request(`${service.url}/automa/db/notes`, { method: 'POST', headers: { 'x-request-id': 'trace-me-42', 'content-type': 'application/json' }, body: '{"a":' });
  await service.close();
  const lines = service.logs.filter((line) => JSON.stringify(line).includes('/automa/db/notes') || line.reqId === 'trace-me-42');
  assert.ok(lines.length >= 2, `expected the error and the request line, got ${JSON.stringify(lines)}`);
  for (const line of lines) assert.equal(line.reqId, 'trace-me-42', JSON.stringify(line));
});
