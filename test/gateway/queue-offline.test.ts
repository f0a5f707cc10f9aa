import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir, startTestApp } from '../helpers/app.js';

// A backend URL nothing listens on: the gateway must still take prompts and keep them.
const DEAD_BACKEND = 'http://127.0.0.1:9';

const graph = (color: number) => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
});

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

test('prompts queue durably while no backend is reachable, in ComfyUI order, and survive a restart', async (t) => {
  const data = makeTempDir();
  t.after(() => data.remove());
  let app = await startTestApp(['--comfyui', DEAD_BACKEND], { dataDir: data.dir });
  t.after(() => app.close());

  const first = await post(`${app.url}/prompt`, { prompt: graph(1), client_id: 'c1' });
  assert.equal(first.status, 200);
  const firstBody = first.body as { prompt_id: string; number: number; node_errors: object };
  assert.match(firstBody.prompt_id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(firstBody.node_errors, {});

  const chosenId = '0b5a3c57-9a54-4c3c-8d1b-6f5b3f1b2d11';
  const second = await post(`${app.url}/api/prompt`, { prompt: graph(2), prompt_id: chosenId, front: true });
  assert.equal(second.status, 200);
  assert.equal((second.body as { prompt_id: string }).prompt_id, chosenId);
  assert.ok((second.body as { number: number }).number <= 0, 'front:true gives a negative number');

  const queue = (await (await fetch(`${app.url}/queue`)).json()) as { queue_running: unknown[]; queue_pending: unknown[][] };
  assert.deepEqual(queue.queue_running, []);
  assert.deepEqual(
    queue.queue_pending.map((t) => t[1]),
    [chosenId, firstBody.prompt_id],
    'front:true runs first',
  );
  const tuple = queue.queue_pending[1] as [number, string, object, Record<string, unknown>, string[]];
  assert.equal(tuple[3].client_id, 'c1');
  assert.equal(typeof tuple[3].create_time, 'number');

  assert.deepEqual(await (await fetch(`${app.url}/prompt`)).json(), { exec_info: { queue_remaining: 2 } });
  assert.deepEqual(await (await fetch(`${app.url}/history/${chosenId}`)).json(), {}, 'pending prompts are not in history');

  const jobs = (await (await fetch(`${app.url}/api/jobs?status=pending`)).json()) as { jobs: { id: string; status: string }[]; pagination: { total: number } };
  assert.equal(jobs.pagination.total, 2);
  assert.ok(jobs.jobs.every((j) => j.status === 'pending'));

  // A restart (a clean one here; kill -9 is covered by the recovery tests) keeps both, in order.
  await app.close();
  app = await startTestApp(['--comfyui', DEAD_BACKEND], { dataDir: data.dir });
  const after = (await (await fetch(`${app.url}/queue`)).json()) as { queue_pending: unknown[][] };
  assert.deepEqual(after.queue_pending.map((t) => t[1]), [chosenId, firstBody.prompt_id]);

  // POST /queue delete answers an empty 200 and removes only what it names.
  const deleted = await post(`${app.url}/queue`, { delete: [chosenId, 'no-such-id'] });
  assert.deepEqual(deleted, { status: 200, body: null });
  const left = (await (await fetch(`${app.url}/queue`)).json()) as { queue_pending: unknown[][] };
  assert.deepEqual(left.queue_pending.map((t) => t[1]), [firstBody.prompt_id]);

  // Cancelling a pending job marks it cancelled without running it.
  const cancel = await post(`${app.url}/api/jobs/${firstBody.prompt_id}/cancel`, {});
  assert.deepEqual(cancel, { status: 200, body: { cancelled: true } });
  const job = (await (await fetch(`${app.url}/api/jobs/${firstBody.prompt_id}`)).json()) as { status: string };
  assert.equal(job.status, 'cancelled');
  assert.deepEqual(await (await fetch(`${app.url}/prompt`)).json(), { exec_info: { queue_remaining: 0 } });
});

test('POST /prompt rejects bad input with ComfyUI error bodies and stores nothing', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());

  const noPrompt = await post(`${app.url}/prompt`, { client_id: 'x' });
  assert.equal(noPrompt.status, 400);
  assert.equal((noPrompt.body as { error: { type: string } }).error.type, 'no_prompt');
  assert.deepEqual((noPrompt.body as { node_errors: object }).node_errors, {});

  const badId = await post(`${app.url}/prompt`, { prompt: graph(1), prompt_id: 'NOT-A-UUID' });
  assert.equal(badId.status, 400);
  assert.equal((badId.body as { error: { type: string } }).error.type, 'invalid_prompt_id');

  const upper = await post(`${app.url}/prompt`, { prompt: graph(1), prompt_id: '0B5A3C57-9A54-4C3C-8D1B-6F5B3F1B2D11' });
  assert.equal(upper.status, 400, 'prompt ids must be canonical lowercase');

  const malformed = await fetch(`${app.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":' });
  assert.equal(malformed.status, 400);

  const id = '6a2f5a1e-3b1c-4d8e-9f00-1234567890ab';
  assert.equal((await post(`${app.url}/prompt`, { prompt: graph(1), prompt_id: id })).status, 200);
  const again = await post(`${app.url}/prompt`, { prompt: graph(1), prompt_id: id });
  assert.equal(again.status, 409, 'a prompt_id cannot be reused');

  assert.deepEqual(await (await fetch(`${app.url}/prompt`)).json(), { exec_info: { queue_remaining: 1 } });
});

test('a seed past 2^53 never turns into a 500: the prompt is stored or refused with a ComfyUI 400', async (t) => {
  const { startStack } = await import('../helpers/stack.js');
  const { app } = await startStack(t);
  const prompt = (seed: string) =>
    `{"prompt":{"1":{"class_type":"EmptyImage","inputs":{"width":8,"height":8,"batch_size":1,"color":0}},` +
    `"2":{"class_type":"RandomNoise","inputs":{"noise_seed":${seed}}},` +
    `"3":{"class_type":"SaveImage","inputs":{"images":["1",0],"filename_prefix":"seed"}}}}`;
  for (const seed of ['9007199254740993', '18446744073709551615']) {
    const response = await fetch(`${app.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: prompt(seed) });
    assert.ok(response.status === 200 || response.status === 400, `seed ${seed}: ${response.status} ${await response.text()}`);
  }
});
