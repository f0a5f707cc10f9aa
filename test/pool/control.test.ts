import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import type { FakeComfy } from '../fake-comfy/server.js';
import { acceptedBy, backendArgs, backends, imageGraph, startFakes, startGateway, THREE } from './pool-helpers.js';

async function submit(app: TestApp, tag: number, clientId: string): Promise<string> {
  const response = await postJson(`${app.url}/prompt`, { prompt: imageGraph(tag), client_id: clientId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

const interrupts = (fake: FakeComfy): number => fake.control.received.requests.filter((r) => r.method === 'POST' && r.path === '/interrupt').length;

type History = Record<string, { status: { status_str: string; messages: [string, unknown][] } }>;

async function statusOf(app: TestApp, id: string): Promise<string | undefined> {
  const entry = (await getJson<History>(`${app.url}/history/${id}`))[id];
  if (!entry) return undefined;
  return entry.status.messages.some(([type]) => type === 'execution_interrupted') ? 'interrupted' : entry.status.status_str;
}

test('POST /interrupt and job cancel reach the backend that runs the prompt, and only that prompt', async (t) => {
  const fakes = await startFakes(t, THREE);
  // Long nodes that still look for interrupts at every progress step.
  for (const fake of Object.values(fakes)) {
    fake.control.setNodeDelay(30_000, 'ImageInvert');
    fake.control.setProgressSteps(600, 'ImageInvert');
  }
  const app = await startGateway(t, backendArgs(fakes), { waitFor: ['a', 'b', 'c'] });
  const client = await ComfyTestClient.connect(app.wsUrl, 'control');
  t.after(() => client.close());

  // One running prompt per backend, one prefetched on each, one waiting in our queue.
  const ids = [];
  for (let i = 0; i < 7; i++) ids.push(await submit(app, i, 'control'));
  await eventually(() => Object.values(fakes).every((f) => acceptedBy(f).length === 2), 10_000, 'two per backend');
  // Each backend runs the first prompt it was given.
  const running = { a: acceptedBy(fakes.a)[0] as string, b: acceptedBy(fakes.b)[0] as string, c: acceptedBy(fakes.c)[0] as string };
  await eventually(async () => (await getJson<{ queue_running: unknown[] }>(`${app.url}/queue`)).queue_running.length === 3, 5_000, 'three running');
  const prefetchedOnA = acceptedBy(fakes.a).find((id) => id !== running.a) as string;
  // GET /automa/backends shows where each prompt is, and what each backend offers.
  const views = await backends(app);
  assert.deepEqual(
    views.map((v) => [v.name, v.state, v.running, v.prefetched, v.devices.length, v.node_classes, v.models_known, v.last_error]),
    (['a', 'b', 'c'] as const).map((name) => [
      name,
      'up',
      [running[name]],
      acceptedBy(fakes[name]).filter((id) => id !== running[name]),
      1,
      name === 'c' ? 7 : 6,
      name === 'c' ? 1 : 2,
      null,
    ]),
  );
  for (const fake of Object.values(fakes)) fake.control.resetReceived();

  // Interrupt the prompt running on b, by id: b is told, a and c are not.
  assert.equal((await postJson(`${app.url}/interrupt`, { prompt_id: running.b })).status, 200);
  await client.waitForDone(running.b);
  assert.equal(await statusOf(app, running.b), 'interrupted');
  assert.equal(interrupts(fakes.b), 1);
  assert.equal(interrupts(fakes.a) + interrupts(fakes.c), 0, 'the others were left alone');

  // Cancel the job running on c: c is told and the job ends cancelled; a still runs.
  const cancel = await postJson(`${app.url}/api/jobs/${running.c}/cancel`, {});
  assert.deepEqual(cancel, { status: 200, body: { cancelled: true } });
  await client.waitForDone(running.c);
  assert.equal(await statusOf(app, running.c), 'interrupted');
  assert.equal(interrupts(fakes.c), 1);
  assert.equal(interrupts(fakes.a), 0);
  assert.equal((await getJson<{ status: string }>(`${app.url}/api/jobs/${running.a}`)).status, 'in_progress');

  // A prefetched prompt (on a backend, not started) is cancelled by taking it back from there.
  const queue = await getJson<{ queue_pending: [number, string][] }>(`${app.url}/queue`);
  assert.ok(queue.queue_pending.some(([, id]) => id === prefetchedOnA), 'a still holds its prefetched prompt');
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${prefetchedOnA}/cancel`, {}), { status: 200, body: { cancelled: true } });
  await eventually(async () => (await getJson<{ status: string }>(`${app.url}/api/jobs/${prefetchedOnA}`)).status === 'cancelled', 5_000, 'cancelled');
  await eventually(() => fakes.a.control.queueRemaining() === 1, 5_000, 'a dropped it from its queue');
  assert.equal(await statusOf(app, running.a), undefined, 'a’s running prompt is untouched');

  // Interrupt without a prompt_id stops whatever runs, wherever it runs.
  for (const fake of Object.values(fakes)) fake.control.resetReceived();
  await eventually(async () => (await getJson<{ queue_running: unknown[] }>(`${app.url}/queue`)).queue_running.length === 3, 10_000, 'three running again');
  const nowRunning = (await getJson<{ queue_running: [number, string][] }>(`${app.url}/queue`)).queue_running.map(([, id]) => id);
  assert.equal((await postJson(`${app.url}/interrupt`, {})).status, 200);
  for (const id of nowRunning) await client.waitForDone(id);
  for (const fake of Object.values(fakes)) assert.equal(interrupts(fake), 1);
});
