import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir } from '../helpers/app.js';
import { startService, stopService } from '../main/service.js';
import { DEAD_BACKEND, graph, request, startReceiver } from './helpers.js';

test('kill -9 in the middle of a delivery: after a restart the delivery goes again, nothing is lost', async (t) => {
  const temp = makeTempDir('automa-webhook-kill-');
  t.after(temp.remove);
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const args = ['--data-dir', temp.dir, '--comfyui', DEAD_BACKEND, '--webhook-allow-private', '--webhook-retry-schedule', '20,20,20'];
  const first = await startService(args);
  t.after(() => stopService(first));

  const created = await request<{ secret: string }>('POST', `${first.url}/automa/webhooks`, { url: receiver.url, events: ['prompt.queued'] });
  assert.equal(created.status, 201);
  receiver.secret = created.body.secret;
  receiver.mode = 'hang'; // takes the request and never answers
  const arrived = receiver.nextHit();
  const submitted = await request<{ prompt_id: string }>('POST', `${first.url}/prompt`, { prompt: graph(1) });
  assert.equal(submitted.status, 200);
  await arrived;
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');

  receiver.mode = 'ok';
  const second = await startService(args);
  t.after(() => stopService(second));
  await receiver.waitFor((r) => r.length === 1);
  const delivered = receiver.received[0];
  assert.equal(delivered?.body.type, 'prompt.queued');
  assert.equal(delivered?.body.data.prompt_id, submitted.body.prompt_id);
  assert.equal(receiver.hits[0]?.id, delivered?.id, 'the same message (webhook-id) as the attempt the kill cut short');
  assert.ok(receiver.hits.every((h) => h.verified));
});
