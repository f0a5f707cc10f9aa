import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBLAKE3 } from 'hash-wasm';
import sharp from 'sharp';
import { startStack } from '../../helpers/stack.js';
import { call } from './contract.js';
import { isTerminalStatus, openEvents } from './sse.js';

type Asset = { id: string; hash: string; size_bytes: number; created_new?: boolean; url: string; file_path: string | null; content_type: string };
type ErrorBody = { error: { code: string; details: Record<string, unknown> | null } };

async function blake3(bytes: Uint8Array): Promise<string> {
  const hasher = await createBLAKE3();
  hasher.init();
  hasher.update(bytes);
  return `blake3:${hasher.digest('hex')}`;
}

function form(bytes: Uint8Array, fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append('file', new Blob([bytes]), fields.file_path ?? 'x.bin');
  return body;
}

const png = (r: number) => sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g: 10, b: 20 } } }).png().toBuffer();

test('assets: upload hashes with blake3 and dedupes, from-hash, HEAD by hash, get, content with Range, delete', async (t) => {
  const { app } = await startStack(t);
  const bytes = Buffer.from('0123456789abcdefghij');
  const hash = await blake3(bytes);

  const head = await fetch(`${app.url}/api/v2/assets/by-hash/${hash}`, { method: 'HEAD' });
  assert.equal(head.status, 404);
  const first = await call<Asset>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(bytes, { content_type: 'text/plain', file_path: 'a.txt', expected_hash: hash }) });
  assert.equal(first.status, 201);
  assert.equal(first.body.hash, hash);
  assert.equal(first.body.created_new, true);
  assert.equal(first.body.size_bytes, 20);
  const second = await call<Asset>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(bytes, { content_type: 'text/plain', file_path: 'b.txt' }) });
  assert.equal(second.status, 200, 'same bytes: deduped');
  assert.equal(second.body.created_new, false);
  assert.notEqual(second.body.id, first.body.id);
  assert.equal((await fetch(`${app.url}/api/v2/assets/by-hash/${hash}`, { method: 'HEAD' })).status, 200);

  const minted = await call<Asset>(app.url, 'POST', '/api/v2/assets/from-hash', '/api/v2/assets/from-hash', { json: { hash, file_path: 'c.txt' } });
  assert.equal(minted.status, 201);
  assert.equal(minted.body.file_path, 'c.txt');
  const unknown = await call<ErrorBody>(app.url, 'POST', '/api/v2/assets/from-hash', '/api/v2/assets/from-hash', { json: { hash: `blake3:${'0'.repeat(64)}` } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'blob_not_found');

  const got = await call<Asset>(app.url, 'GET', '/api/v2/assets/{id}', `/api/v2/assets/${first.body.id}`);
  assert.equal(got.body.url, `${app.url}/api/v2/assets/${first.body.id}/content`);
  const whole = await fetch(got.body.url);
  assert.equal(whole.status, 200);
  assert.equal(await whole.text(), bytes.toString());
  const part = await fetch(got.body.url, { headers: { range: 'bytes=2-5' } });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), '2345');
  const beyond = await fetch(got.body.url, { headers: { range: 'bytes=500-600' } });
  assert.equal(beyond.status, 416);
  await beyond.arrayBuffer();

  // Deleting records never takes bytes another record uses; the last one takes them.
  for (const id of [first.body.id, second.body.id]) assert.equal((await call(app.url, 'DELETE', '/api/v2/assets/{id}', `/api/v2/assets/${id}`)).status, 204);
  assert.equal((await call(app.url, 'DELETE', '/api/v2/assets/{id}', `/api/v2/assets/${first.body.id}`)).status, 404);
  assert.equal((await fetch(`${app.url}/api/v2/assets/${minted.body.id}/content`).then((r) => r.text())), bytes.toString());
  assert.equal((await call(app.url, 'DELETE', '/api/v2/assets/{id}', `/api/v2/assets/${minted.body.id}`)).status, 204);
  assert.equal((await fetch(`${app.url}/api/v2/assets/by-hash/${hash}`, { method: 'HEAD' })).status, 404);
});

test('bad uploads: 409 hash_mismatch, 422 naming the field, 422 on a reused Idempotency-Key; nothing stored', async (t) => {
  const { app } = await startStack(t);
  const bytes = Buffer.from('some bytes');
  const hash = await blake3(bytes);
  const mismatch = await call<ErrorBody>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', {
    body: form(bytes, { content_type: 'text/plain', file_path: 'a.txt', expected_hash: `blake3:${'1'.repeat(64)}` }),
  });
  assert.equal(mismatch.status, 409);
  assert.equal(mismatch.body.error.code, 'hash_mismatch');
  const missing: [Record<string, string>, string][] = [
    [{ file_path: 'a.txt' }, 'content_type'],
    [{ content_type: 'text/plain' }, 'file_path'],
    [{ content_type: 'text/plain', file_path: 'a.txt', expected_hash: 'sha256:abc' }, 'expected_hash'],
    [{ content_type: 'text/plain', file_path: 'a.txt', expires_in: '5' }, 'expires_in'],
  ];
  for (const [fields, field] of missing) {
    const answer = await call<ErrorBody>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(bytes, fields) });
    assert.equal(answer.status, 422, field);
    assert.equal(answer.body.error.details?.field, field);
  }
  const notForm = await call<ErrorBody>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { json: { file: 'x' } });
  assert.equal(notForm.status, 422);
  assert.equal((await fetch(`${app.url}/api/v2/assets/by-hash/${hash}`, { method: 'HEAD' })).status, 404, 'nothing stored');

  const headers = { 'idempotency-key': 'upload-1' };
  const first = await call<Asset>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(bytes, { content_type: 'text/plain', file_path: 'a.txt' }), headers });
  const retry = await call<Asset>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(bytes, { content_type: 'text/plain', file_path: 'a.txt' }), headers });
  assert.equal(retry.body.id, first.body.id, 'a retry gets the first asset');
  const reuse = await call<ErrorBody>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(Buffer.from('other'), { content_type: 'text/plain', file_path: 'a.txt' }), headers });
  assert.equal(reuse.status, 422);
  assert.equal(reuse.body.error.code, 'idempotency_key_reuse');
});

test('a core/ASSET reference runs: the file is replicated to the backend, and the asset cannot be deleted while the job waits', async (t) => {
  const { app, fake } = await startStack(t);
  const image = await png(200);
  const upload = await call<Asset>(app.url, 'POST', '/api/v2/assets', '/api/v2/assets', { body: form(image, { content_type: 'image/png', file_path: 'photo.png' }) });
  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const blocker = await call<{ id: string }>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', {
    json: { workflow: { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }, '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } }, '3': { class_type: 'PreviewImage', inputs: { images: ['2', 0] } } } },
  });
  await stall.reached;
  const workflow = {
    '1': { class_type: 'LoadImage', inputs: { image: { __type: 'core/ASSET', info: { id: upload.body.id, file_path: 'photo.png' } } } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'from_asset' } },
  };
  const job = await call<{ id: string; status: string }>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow } });
  assert.equal(job.status, 201);
  const held = await call<ErrorBody>(app.url, 'DELETE', '/api/v2/assets/{id}', `/api/v2/assets/${upload.body.id}`);
  assert.equal(held.status, 409);
  assert.equal(held.body.error.code, 'asset_in_use');

  fake.control.releaseStalls();
  const stream = await openEvents(`${app.url}/api/v2/jobs/${job.body.id}/events`);
  const end = await stream.waitFor(isTerminalStatus);
  assert.equal(end.data.status, 'succeeded', JSON.stringify(end.data));
  const sent = fake.control.received.uploads.find((u) => u.name === `${upload.body.hash.slice(7)}.png`);
  assert.ok(sent, `the asset was uploaded to the backend (got ${JSON.stringify(fake.control.received.uploads.map((u) => u.name))})`);
  assert.equal(sent.subfolder, 'automa-assets');
  const prompt = fake.control.received.prompts.find((p) => p.promptId === job.body.id);
  assert.ok(prompt);
  assert.equal(((prompt.body as { prompt: Record<string, { inputs: { image?: unknown } }> }).prompt['1']?.inputs.image), `automa-assets/${upload.body.hash.slice(7)}.png`);
  assert.ok(blocker.body.id);
  assert.equal((await call(app.url, 'DELETE', '/api/v2/assets/{id}', `/api/v2/assets/${upload.body.id}`)).status, 204, 'free once the job ended');
});
