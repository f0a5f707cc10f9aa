import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newWebhookSecret } from '../../src/events/index.js';
import { openSse, startReceiver, type EventBody } from '../events/helpers.js';
import { call, importDefaultApp, startAutomaStack, type ErrorReply } from './helpers.js';

interface RunView {
  id: string;
  prompt_id: string;
  status: string;
  outputs: { node: string; kind: string; url: string | null }[];
  webhook?: { id: string; secret: string };
}

const WEBHOOK_ARGS = ['--webhook-allow-private', '--webhook-retry-schedule', '50,50,50,50'];

test('a run’s webhook_url gets run.queued → run.started → run.succeeded in order, signed, each the run as GET shows it, with its outputs’ URLs', async (t) => {
  const { app } = await startAutomaStack(t, { argv: WEBHOOK_ARGS });
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  // A subscription to everything, to see that the run's prompt does not also speak as prompt.*.
  const everything = await startReceiver();
  t.after(() => everything.close());
  const subscription = await call<{ secret: string }>(`${app.url}/automa/webhooks`, 'POST', { url: everything.url, events: ['*'] });
  assert.equal(subscription.status, 201, JSON.stringify(subscription.body));
  everything.secret = subscription.body.secret;

  const { id: appId } = await importDefaultApp(app.url);
  const secret = newWebhookSecret();
  receiver.secret = secret;
  const created = await call<RunView>(`${app.url}/automa/apps/${appId}/runs`, 'POST', {
    inputs: { prompt: 'a lighthouse at dusk' },
    webhook_url: receiver.url,
    webhook_secret: secret,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.webhook?.secret, secret, 'the 201 names the endpoint and the secret it signs with');
  const run = created.body;
  await receiver.waitFor((r) => r.some((w) => w.body.type === 'run.succeeded'));

  const bodies = receiver.received.map((w) => w.body);
  const milestones = bodies.map((b) => b.type).filter((type) => type !== 'run.progress');
  assert.deepEqual(milestones, ['run.queued', 'run.started', 'run.succeeded']);
  const types = bodies.map((b) => b.type);
  assert.ok(types.indexOf('run.started') < types.indexOf('run.succeeded') && types.lastIndexOf('run.progress') < types.indexOf('run.succeeded'), types.join(', '));
  assert.ok(bodies.every((b) => b.data.id === run.id), 'only this run’s events');
  const progress = bodies.filter((b) => b.type === 'run.progress');
  assert.ok(progress.length > 0, 'the sampler’s steps are reported');
  assert.ok(progress.every((b) => b.data.status === 'running' && typeof (b.data.progress as { fraction: number }).fraction === 'number'), JSON.stringify(progress[0]));
  assert.deepEqual(bodies.map((b) => b.data.status).filter((s, i) => types[i] !== 'run.progress'), ['queued', 'running', 'succeeded']);

  const done = bodies.at(-1) as EventBody;
  const view = await call<RunView>(`${app.url}/automa/runs/${run.id}`, 'GET');
  assert.deepEqual(done.data, view.body, 'run.succeeded carries the run as GET /automa/runs/{id} shows it');
  const image = view.body.outputs.find((o) => o.kind === 'image');
  assert.ok(image?.url?.startsWith('/view?'), JSON.stringify(view.body.outputs));
  assert.equal((await fetch(`${app.url}${image?.url}`)).status, 200, 'the output URL serves the image');

  await everything.waitFor((r) => r.some((w) => w.body.type === 'run.succeeded'));
  const leaked = everything.received.filter((w) => w.body.type.startsWith('prompt.') && w.body.data.prompt_id === run.prompt_id);
  assert.deepEqual(leaked.map((w) => w.body.type), [], 'a run’s prompt speaks as run.* only');
});

test('a sweep’s webhook_url gets sweep.completed with every cell; SSE on /automa/sweeps/{id}/events sees every cell’s run events', async (t) => {
  const { app } = await startAutomaStack(t, { argv: WEBHOOK_ARGS });
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const { id: appId } = await importDefaultApp(app.url);
  const created = await call<{ id: string; webhook: { id: string; secret: string } }>(`${app.url}/automa/apps/${appId}/sweeps`, 'POST', {
    axes: [{ input: 'cfg', values: [4, 8] }, { input: 'steps', values: [2, 3] }],
    webhook_url: receiver.url,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.webhook.secret, /^whsec_/, 'a secret is made and answered once');
  // Deliveries that came before the secret was known fail verification and are retried (50 ms).
  receiver.secret = created.body.webhook.secret;
  const sweepId = created.body.id;
  // From the log's start: the stream opens after the sweep began.
  const stream = await openSse(`${app.url}/automa/sweeps/${sweepId}/events?since=0`);
  t.after(() => stream.close());

  await receiver.waitFor((r) => r.some((w) => w.body.type === 'sweep.completed'));
  const sent = receiver.received.map((w) => w.body);
  assert.ok(sent.every((b) => b.type.startsWith('sweep.')), `a sweep’s webhook defaults to sweep.*: ${sent.map((b) => b.type).join(', ')}`);
  const completed = sent.find((b) => b.type === 'sweep.completed') as EventBody;
  const data = completed.data as { id: string; status: string; counts: Record<string, number>; cells: { run_id: string; status: string; outputs: { url: string }[] }[] };
  assert.equal(data.id, sweepId);
  assert.equal(data.status, 'finished');
  assert.deepEqual(data.counts, { queued: 0, running: 0, succeeded: 4, failed: 0, cancelled: 0 });
  assert.equal(data.cells.length, 4);
  assert.ok(data.cells.every((c) => c.status === 'succeeded' && c.outputs.some((o) => o.url.startsWith('/view?'))));
  assert.equal(sent.filter((b) => b.type === 'sweep.completed').length, 1);
  const progress = sent.filter((b) => b.type === 'sweep.progress').map((b) => (b.data.counts as Record<string, number>).succeeded);
  assert.deepEqual(progress, [...progress].sort(), 'progress counts only go up');
  assert.equal(progress.at(-1), 4);

  await stream.waitFor((events) => events.some((e) => e.event === 'sweep.completed'), 'sweep.completed on the stream');
  const seen = stream.bodies();
  for (const cell of data.cells) {
    const mine = seen.filter((b) => b.data.id === cell.run_id).map((b) => b.type).filter((type) => type !== 'run.progress');
    assert.deepEqual(mine, ['run.queued', 'run.started', 'run.succeeded'], `cell ${cell.run_id}`);
  }
  assert.ok(seen.every((b) => b.data.sweep_id === sweepId || b.data.id === sweepId), 'only this sweep’s events');
  assert.equal(seen.at(-1)?.type, 'sweep.completed');
});

test('bad webhook fields on a run or sweep are 400s naming the field, and nothing is stored; event streams of unknown runs are 404s', async (t) => {
  const { app } = await startAutomaStack(t, { argv: ['--webhook-allow-private'] });
  const { id: appId } = await importDefaultApp(app.url);
  const cases: [string, Record<string, unknown>, string][] = [
    ['runs', { inputs: {}, webhook_url: 'http://169.254.169.254/latest' }, 'webhook_url'],
    ['runs', { inputs: {}, webhook_url: 'ftp://example.com/hook' }, 'webhook_url'],
    ['runs', { inputs: {}, webhook_url: 'http://127.0.0.1:9/hook', webhook_secret: 'not-a-secret' }, 'webhook_secret'],
    ['runs', { inputs: {}, webhook_url: 'http://127.0.0.1:9/hook', webhook_events: ['run.*', 'Bad Type'] }, 'webhook_events[1]'],
    ['sweeps', { axes: [{ input: 'steps', values: [2] }], webhook_url: 'http://[fe80::1]/hook' }, 'webhook_url'],
  ];
  for (const [kind, body, field] of cases) {
    const reply = await call<ErrorReply>(`${app.url}/automa/apps/${appId}/${kind}`, 'POST', body);
    assert.equal(reply.status, 400, JSON.stringify(body));
    const named = reply.body.error.extra_info.field ?? reply.body.error.extra_info.fields?.[0]?.field;
    assert.equal(named, field, JSON.stringify(reply.body));
  }
  const webhooks = await call<{ webhooks: unknown[] }>(`${app.url}/automa/webhooks`, 'GET');
  assert.deepEqual(webhooks.body.webhooks, []);
  assert.deepEqual((await call<{ items: unknown[] }>(`${app.url}/automa/runs`, 'GET')).body.items, []);
  assert.deepEqual((await call<{ items: unknown[] }>(`${app.url}/automa/sweeps`, 'GET')).body.items, []);

  const unknown = '0b7c5e1a-2f3d-4c5b-8a69-7e8f9a0b1c2d';
  assert.equal((await call(`${app.url}/automa/runs/${unknown}/events`, 'GET')).status, 404);
  assert.equal((await call(`${app.url}/automa/sweeps/${unknown}/events`, 'GET')).status, 404);
  assert.equal((await call(`${app.url}/automa/runs/${unknown}/events?types=Bad`, 'GET')).status, 400);
});

test('a cancelled sweep ends each cell with run.cancelled and completes as cancelled; failed cells say why, and a retry queues them again and completes anew', async (t) => {
  const { app, fake } = await startAutomaStack(t);
  const { id: appId } = await importDefaultApp(app.url);
  const stall = fake.control.stall({ classType: 'KSampler' });
  const stopped = await call<{ id: string }>(`${app.url}/automa/apps/${appId}/sweeps`, 'POST', { axes: [{ input: 'steps', values: [1, 2, 3] }] });
  assert.equal(stopped.status, 201);
  const stream = await openSse(`${app.url}/automa/sweeps/${stopped.body.id}/events?since=0`);
  t.after(() => stream.close());
  await stall.reached;
  assert.equal((await call(`${app.url}/automa/sweeps/${stopped.body.id}/cancel`, 'POST')).status, 200);
  stall.release();
  await stream.waitFor((events) => events.some((e) => e.event === 'sweep.completed'), 'the cancelled sweep completing');
  const completed = stream.bodies().find((b) => b.type === 'sweep.completed') as EventBody;
  assert.equal(completed.data.status, 'cancelled');
  assert.deepEqual(completed.data.counts, { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 3 });
  const byRun = new Map<string, string[]>();
  for (const body of stream.bodies().filter((b) => b.type.startsWith('run.') && b.type !== 'run.progress')) {
    byRun.set(String(body.data.id), [...(byRun.get(String(body.data.id)) ?? []), body.type]);
  }
  assert.equal(byRun.size, 3);
  assert.ok([...byRun.values()].every((types) => types.at(-1) === 'run.cancelled'), JSON.stringify([...byRun.values()]));
  assert.ok([...byRun.values()].some((types) => types.join() === 'run.queued,run.started,run.cancelled'), 'the running cell was interrupted');

  fake.control.resetBehaviors();
  fake.control.failNode({ classType: 'KSampler' });
  const failing = await call<{ id: string }>(`${app.url}/automa/apps/${appId}/sweeps`, 'POST', { axes: [{ input: 'steps', values: [1, 2] }] });
  const failStream = await openSse(`${app.url}/automa/sweeps/${failing.body.id}/events?since=0&types=run.failed,run.queued,run.succeeded,sweep.completed`);
  t.after(() => failStream.close());
  await failStream.waitFor((events) => events.some((e) => e.event === 'sweep.completed'), 'the failing sweep completing');
  const failed = failStream.bodies().filter((b) => b.type === 'run.failed');
  assert.equal(failed.length, 2);
  assert.ok(failed.every((b) => (b.data.error as { message?: string } | null)?.message), 'run.failed says why');
  fake.control.resetBehaviors();
  assert.equal((await call<{ retried: number }>(`${app.url}/automa/sweeps/${failing.body.id}/retry`, 'POST')).body.retried, 2);
  await failStream.waitFor((events) => events.filter((e) => e.event === 'sweep.completed').length === 2, 'the retried sweep completing');
  const bodies = failStream.bodies();
  const requeued = bodies.filter((b) => b.type === 'run.queued' && b.data.attempt === 2);
  assert.equal(requeued.length, 2, 'each retried cell is queued again, as its second attempt');
  const last = bodies.at(-1) as EventBody;
  assert.equal(last.type, 'sweep.completed');
  assert.deepEqual(last.data.counts, { queued: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0 });
});
