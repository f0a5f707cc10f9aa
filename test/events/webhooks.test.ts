import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy, createWebhookClient } from '../../src/events/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { eventually } from '../helpers/comfy-client.js';
import { DEAD_BACKEND, graph, request, startReceiver, type Receiver } from './helpers.js';

interface Created {
  id: string;
  secret: string;
  status: string;
  url: string;
}

/** Fast retries for tests: 15 tries ~30 ms apart (the real default spans a day). */
const FAST = ['--webhook-allow-private', '--webhook-retry-schedule', Array.from({ length: 15 }, () => '30').join(',')];

async function subscribe(app: TestApp, receiver: Receiver, body: Record<string, unknown> = {}): Promise<Created> {
  const created = await request<Created>('POST', `${app.url}/automa/webhooks`, { url: receiver.url, events: ['prompt.*'], ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.secret, /^whsec_/);
  receiver.secret = created.body.secret;
  return created.body;
}

async function submit(app: TestApp, color: number): Promise<string> {
  const { status, body } = await request<{ prompt_id: string }>('POST', `${app.url}/prompt`, { prompt: graph(color) });
  assert.equal(status, 200);
  return body.prompt_id;
}

test('events reach a subscriber signed per Standard Webhooks; the secret is shown once', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const app = await startTestApp(['--comfyui', DEAD_BACKEND, ...FAST]);
  t.after(() => app.close());
  const hook = await subscribe(app, receiver);
  const again = await request<Record<string, unknown>>('GET', `${app.url}/automa/webhooks/${hook.id}`);
  assert.equal(again.body.secret, undefined, 'the secret is not shown again');
  assert.equal(again.body.status, 'active');

  const id = await submit(app, 1);
  await request('POST', `${app.url}/queue`, { delete: [id] });
  await receiver.waitFor((r) => r.length === 2);
  assert.deepEqual(receiver.received.map((r) => r.body.type), ['prompt.queued', 'prompt.cancelled']);
  assert.ok(receiver.hits.every((h) => h.verified), 'every request verified with standardwebhooks');
  for (const r of receiver.received) {
    assert.equal(r.id, `evt_${r.body.id}`);
    assert.equal(r.body.data.prompt_id, id);
  }
  // The receiver hears a delivery just before the sender records its attempt.
  let log = await request<{ attempts: { status_code: number; attempt: number; latency_ms: number }[] }>('GET', `${app.url}/automa/webhooks/${hook.id}/attempts`);
  await eventually(async () => {
    log = await request('GET', `${app.url}/automa/webhooks/${hook.id}/attempts`);
    return log.body.attempts.length === 2;
  }, 5_000, 'both attempts logged');
  assert.ok(log.body.attempts.every((a) => a.status_code === 204 && a.attempt === 1 && a.latency_ms >= 0));
});

test('a receiver down for a while gets every event once it is back, in order per prompt', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const app = await startTestApp(['--comfyui', DEAD_BACKEND, ...FAST]);
  t.after(() => app.close());
  await subscribe(app, receiver);
  receiver.mode = 'fail';
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await submit(app, i));
  await request('POST', `${app.url}/queue`, { delete: ids });
  await eventually(() => receiver.hits.length >= 12, 10_000, 'a few failed attempts');
  receiver.mode = 'ok';
  await receiver.waitFor((r) => r.length >= 8);

  const types = new Map<string, string[]>();
  for (const r of receiver.received) types.set(String(r.body.data.prompt_id), [...(types.get(String(r.body.data.prompt_id)) ?? []), r.body.type]);
  for (const id of ids) assert.deepEqual(types.get(id), ['prompt.queued', 'prompt.cancelled'], `prompt ${id}: every event, in order`);
  assert.equal(new Set(receiver.received.map((r) => r.id)).size, 8, 'each once');
});

test('an endpoint that keeps failing is paused, its deliveries dead-lettered and reported; redelivery and recovery bring them back', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const watcher = await startReceiver();
  t.after(() => watcher.close());
  const app = await startTestApp(['--comfyui', DEAD_BACKEND, '--webhook-allow-private', '--webhook-retry-schedule', '10,10']);
  t.after(() => app.close());
  const hook = await subscribe(app, receiver);
  const watch = await subscribe(app, watcher, { events: ['webhook.paused'] });
  receiver.mode = 'fail';
  await submit(app, 1);
  await submit(app, 2);

  await watcher.waitFor((r) => r.length === 1);
  const paused = watcher.received[0]?.body;
  assert.equal(paused?.type, 'webhook.paused');
  assert.equal(paused?.data.webhook_id, hook.id);
  const view = await request<{ status: string; paused_reason: string }>('GET', `${app.url}/automa/webhooks/${hook.id}`);
  assert.equal(view.body.status, 'paused');
  assert.match(view.body.paused_reason, /HTTP 503/);
  const dead = await request<{ deliveries: { id: number; status: string }[] }>('GET', `${app.url}/automa/webhooks/${hook.id}/deliveries?status=dead`);
  assert.equal(dead.body.deliveries.length, 2, 'both deliveries are dead letters');
  const attempts = await request<{ attempts: { status_code: number; response: string; attempt: number }[] }>('GET', `${app.url}/automa/webhooks/${hook.id}/attempts`);
  assert.ok(attempts.body.attempts.some((a) => a.attempt === 3 && a.status_code === 503 && a.response === 'receiver is down for maintenance'));
  assert.equal(watch.status, 'active');

  // Paused: new events do not queue up for it.
  await submit(app, 3);
  receiver.mode = 'ok';
  assert.equal((await request('PATCH', `${app.url}/automa/webhooks/${hook.id}`, { enabled: true })).status, 200);
  const first = dead.body.deliveries.at(-1);
  assert.ok(first);
  const redelivered = await request<{ delivery: { status: string } }>('POST', `${app.url}/automa/webhooks/${hook.id}/deliveries/${first.id}/redeliver`);
  assert.equal(redelivered.status, 202);
  await receiver.waitFor((r) => r.length === 1);
  const recovered = await request<{ requeued: number }>('POST', `${app.url}/automa/webhooks/${hook.id}/recover`, {});
  assert.equal(recovered.body.requeued, 2);
  await receiver.waitFor((r) => r.length === 3);
  // The two recovered deliveries (different prompts) go out side by side, in either order.
  assert.ok(
    receiver.received.slice(1).some((r) => r.id === receiver.received[0]?.id),
    'a redelivery carries the same webhook-id (receivers deduplicate on it)',
  );
});

test('test pings, no redirects followed, and refused addresses checked again at connect time', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const target = await startReceiver();
  t.after(() => target.close());
  const app = await startTestApp(['--comfyui', DEAD_BACKEND, '--webhook-allow-private', '--webhook-retry-schedule', '10']);
  t.after(() => app.close());
  const hook = await subscribe(app, receiver);
  const ping = await request<{ delivery: { id: number } }>('POST', `${app.url}/automa/webhooks/${hook.id}/test`);
  assert.equal(ping.status, 202);
  await receiver.waitFor((r) => r.length === 1);
  assert.equal(receiver.received[0]?.body.type, 'webhook.test');

  receiver.mode = { redirect: target.url };
  await submit(app, 1);
  await eventually(async () => (await request<{ deliveries: { status: string }[] }>('GET', `${app.url}/automa/webhooks/${hook.id}/deliveries?status=dead`)).body.deliveries.length === 1, 10_000, 'the redirected delivery to fail');
  assert.equal(target.hits.length, 0, 'the redirect was not followed');

  // The client itself refuses loopback when the policy says so, whatever the URL spelled.
  const client = createWebhookClient({ policy: createAddressPolicy({ allowPrivate: false }), connectTimeoutMs: 1_000, timeoutMs: 1_000 });
  t.after(() => client.close());
  const port = new URL(target.url).port;
  for (const url of [`http://localhost:${port}/hook`, `http://127.1:${port}/hook`, `http://[::ffff:127.0.0.1]:${port}/hook`]) {
    await assert.rejects(client.post(url, {}, '{}'), /refused to connect/, url);
  }
  await assert.rejects(
    createWebhookClient({ policy: createAddressPolicy({ allowPrivate: true }), connectTimeoutMs: 1_000, timeoutMs: 1_000 }).post('http://169.254.169.254/latest', {}, '{}'),
    /link-local/,
  );
  assert.equal(target.hits.length, 0);
});

test('bad subscriptions and URLs are 400s naming the field, and nothing is stored', async (t) => {
  const app = await startTestApp(['--comfyui', DEAD_BACKEND]);
  t.after(() => app.close());
  const cases: [Record<string, unknown>, string][] = [
    [{ url: 'http://169.254.169.254/latest/meta-data', events: ['*'] }, 'url'],
    [{ url: 'http://[fe80::1]/x', events: ['*'] }, 'url'],
    [{ url: 'http://[fd00:ec2::254]/x', events: ['*'] }, 'url'],
    [{ url: 'http://127.0.0.1:9/x', events: ['*'] }, 'url'],
    [{ url: 'http://localhost/x', events: ['*'] }, 'url'],
    [{ url: 'http://10.1.2.3/x', events: ['*'] }, 'url'],
    [{ url: 'ftp://example.com/x', events: ['*'] }, 'url'],
    [{ url: 'http://user:pw@example.com/x', events: ['*'] }, 'url'],
    [{ url: 'not a url', events: ['*'] }, 'url'],
    [{ url: 'https://example.com/x', events: [] }, 'events'],
    [{ url: 'https://example.com/x', events: ['Run Done'] }, 'events[0]'],
    [{ url: 'https://example.com/x', events: ['run.*', 'run.**'] }, 'events[1]'],
    [{ url: 'https://example.com/x', events: ['*'], filter: { app: '' } }, 'filter.app'],
  ];
  for (const [body, field] of cases) {
    const response = await request<{ error: { extra_info: { field: string } } }>('POST', `${app.url}/automa/webhooks`, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.body.error.extra_info.field, field, JSON.stringify(body));
  }
  for (const body of [{ url: 'https://example.com/x' }, { url: 'https://example.com/x', events: ['*'], secret: 'whsec_x' }, { url: 5, events: ['*'] }]) {
    assert.equal((await request('POST', `${app.url}/automa/webhooks`, body)).status, 400, JSON.stringify(body));
  }
  assert.deepEqual((await request('GET', `${app.url}/automa/webhooks`)).body, { webhooks: [] });

  const ok = await request<Created>('POST', `${app.url}/automa/webhooks`, { url: 'https://example.com/hook', events: ['run.*'] });
  assert.equal(ok.status, 201);
  const badPatch = await request('PATCH', `${app.url}/automa/webhooks/${ok.body.id}`, { url: 'http://169.254.169.254/' });
  assert.equal(badPatch.status, 400);
  assert.equal((await request<Created>('GET', `${app.url}/automa/webhooks/${ok.body.id}`)).body.url, 'https://example.com/hook', 'a refused patch changes nothing');
  assert.equal((await request('GET', `${app.url}/automa/webhooks/nope`)).status, 404);
});
