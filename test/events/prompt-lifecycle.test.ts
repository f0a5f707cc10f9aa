import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStack } from '../helpers/stack.js';
import { simpleGraph } from '../helpers/comfy-client.js';
import { openSse, request, startReceiver } from './helpers.js';

test('a prompt run on a backend: queued, started, progress, succeeded with output URLs, in that order', async (t) => {
  const { app } = await startStack(t, {}, ['--webhook-allow-private']);
  const stream = await openSse(`${app.url}/automa/events?types=prompt.*`);
  t.after(() => stream.close());
  const submitted = await request<{ prompt_id: string }>('POST', `${app.url}/prompt`, { prompt: simpleGraph(5), client_id: 'life' });
  assert.equal(submitted.status, 200);
  const id = submitted.body.prompt_id;
  await stream.waitFor((events) => events.some((e) => e.event === 'prompt.succeeded'));

  const types = stream.events.map((e) => e.event);
  assert.equal(types[0], 'prompt.queued');
  assert.equal(types[1], 'prompt.started');
  assert.equal(types.at(-1), 'prompt.succeeded');
  assert.ok(types.slice(2, -1).every((type) => type === 'prompt.progress'), `only progress between: ${types.join(', ')}`);
  const done = stream.bodies().at(-1);
  assert.equal(done?.data.prompt_id, id);
  assert.equal(done?.data.status, 'succeeded');
  const outputs = done?.data.outputs as Record<string, { images: { filename: string; url: string }[] }>;
  const image = outputs['3']?.images[0];
  assert.ok(image);
  assert.ok(image.url.startsWith('/view?'), image.url);
  assert.equal((await fetch(`${app.url}${image.url}`)).status, 200, 'the URL serves the output');
});

test('a one-off subscription (a run’s webhook_url) gets only its own subject’s events; a refused change appends nothing', async (t) => {
  const { app } = await startStack(t, {}, ['--webhook-allow-private']);
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const chosen = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
  const { secret } = await app.app.events.subscriptions.subscribeOnce({ url: receiver.url, run: chosen, events: ['prompt.queued', 'prompt.succeeded'] });
  receiver.secret = secret;
  await request('POST', `${app.url}/prompt`, { prompt: simpleGraph(1) });
  const mine = await request('POST', `${app.url}/prompt`, { prompt: simpleGraph(2), prompt_id: chosen });
  assert.equal(mine.status, 200);
  await receiver.waitFor((r) => r.length === 2);
  assert.deepEqual(receiver.received.map((r) => [r.body.type, r.body.data.prompt_id]), [['prompt.queued', chosen], ['prompt.succeeded', chosen]]);

  const before = await app.store.events.lastId();
  const again = await request('POST', `${app.url}/prompt`, { prompt: simpleGraph(3), prompt_id: chosen });
  assert.notEqual(again.status, 200, 'the same prompt_id is refused');
  assert.equal(await app.store.events.lastId(), before, 'and no event was appended for it');
  const listed = await request<{ webhooks: { kind: string }[] }>('GET', `${app.url}/automa/webhooks`);
  assert.deepEqual(listed.body.webhooks.map((w) => w.kind), ['one_off']);
});
