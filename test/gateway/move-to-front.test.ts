/**
 * POST /automa/queue/{prompt_id}/front: a prompt waiting in our queue becomes the next one the
 * backend receives; its new number is stored and shown by /queue and /api/jobs. Prompts a backend
 * already holds, finished or unknown ones do not move; a malformed id is a 400 naming it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, type ErrorReply } from '../automation/helpers.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';
import { startGateway } from '../pool/pool-helpers.js';

const graph = (color: number) => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'front' } },
});

interface Moved {
  moved: boolean;
  number?: number;
}

test('a waiting prompt moved to the front is the next the backend gets; held, finished and unknown ones stay', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  // No prefetch: everything but the running prompt waits in our queue, where it can be reordered.
  const app = await startGateway(t, ['--comfyui', `local=${fake.url}`, '--prefetch', '0'], { waitFor: ['local'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'front');
  t.after(() => client.close());
  const submit = async (color: number): Promise<string> => {
    const reply = await postJson(`${app.url}/prompt`, { prompt: graph(color), client_id: 'front' });
    assert.equal(reply.status, 200);
    return (reply.body as { prompt_id: string }).prompt_id;
  };
  const front = (id: string) => call<Moved>(`${app.url}/automa/queue/${id}/front`, 'POST');
  const pendingIds = async () => (await getJson<{ queue_pending: [number, string][] }>(`${app.url}/queue`)).queue_pending.map((entry) => entry[1]);

  const stall = fake.control.stall('SaveImage');
  const running = await submit(1);
  await stall.reached;
  const [b, c, d] = [await submit(2), await submit(3), await submit(4)];
  assert.deepEqual(await pendingIds(), [b, c, d]);

  const moved = await front(d);
  assert.equal(moved.status, 200);
  assert.equal(moved.body.moved, true);
  const numberOf = async (id: string) => (await getJson<{ priority: number }>(`${app.url}/api/jobs/${id}`)).priority;
  assert.ok((moved.body.number ?? Infinity) < (await numberOf(b)), 'below every other waiting prompt');
  assert.equal(await numberOf(d), moved.body.number, 'the new number is stored');
  assert.deepEqual(await pendingIds(), [d, b, c]);
  assert.deepEqual((await front(d)).body, { moved: true, number: moved.body.number }, 'already first: stays');
  assert.deepEqual((await front(running)).body, { moved: false }, 'a running prompt does not move');
  assert.deepEqual((await front('00000000-0000-4000-8000-000000000000')).body, { moved: false });

  const bad = await call<ErrorReply>(`${app.url}/automa/queue/not-a-uuid/front`, 'POST');
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /prompt_id/);

  stall.release();
  for (const id of [running, d, b, c]) await client.waitForDone(id);
  const order = fake.control.received.prompts.filter((p) => p.status === 200).map((p) => p.promptId);
  assert.deepEqual(order, [running, d, b, c], 'the backend got them in the new order');
  assert.deepEqual((await front(b)).body, { moved: false }, 'a finished prompt does not move');
});
