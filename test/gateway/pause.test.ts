import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, getJson, postJson, simpleGraph } from '../helpers/comfy-client.js';
import { startStack } from '../helpers/stack.js';

test('a paused queue keeps taking prompts but hands none to a backend until resumed', async (t) => {
  const { app } = await startStack(t);
  const { gateway } = app.app;
  gateway.setPaused(true);
  assert.equal(gateway.paused(), true);

  const submitted = await postJson(`${app.url}/prompt`, { prompt: simpleGraph(3, 'paused'), client_id: 'pause-test' });
  assert.equal(submitted.status, 200);
  const { prompt_id: promptId } = submitted.body as { prompt_id: string };
  // A dispatch pass runs in a microtask after the submit; one more request to the service is
  // well past it, so a prompt the pass had handed out would be in a backend's hands by now.
  const queue = await getJson<{ queue_pending: unknown[][]; queue_running: unknown[] }>(`${app.url}/queue`);
  assert.deepEqual(queue.queue_pending.map((tuple) => tuple[1]), [promptId]);
  assert.deepEqual(queue.queue_running, []);
  assert.equal(gateway.links.every((link) => link.inflight.size === 0), true, 'a paused queue dispatched a prompt');

  gateway.setPaused(false);
  assert.equal(gateway.paused(), false);
  await eventually(async () => promptId in (await getJson<Record<string, unknown>>(`${app.url}/history/${promptId}`)), 15_000, 'the prompt in history after resume');
});
