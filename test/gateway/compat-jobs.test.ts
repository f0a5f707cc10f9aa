/**
 * /api/jobs as ComfyUI serves it (comfy_execution/jobs.py: fields that are None left out,
 * newest first by default, pagination), /api/jobs/{id} with outputs, status and workflow,
 * cancel of pending (never runs) and running (interrupted) jobs, and credentials in
 * extra_data that reach the backend but are never shown.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/server.js';

/**
 * A transparent TCP relay in front of the fake that keeps every byte sent through it: what the
 * gateway really sent the backend (the fake records prompt bodies only after ComfyUI's own
 * handling, which takes the credentials out of extra_data).
 */
async function recordingRelay(t: TestContext, target: string): Promise<{ url: string; sent: () => string }> {
  const { port } = new URL(target);
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), '127.0.0.1');
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', end);
      socket.on('close', () => {
        sockets.delete(socket);
        end();
      });
    }
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent: () => Buffer.concat(chunks).toString('utf8') };
}

async function startStack(t: TestContext, via?: (fake: FakeComfy) => Promise<string>): Promise<{ fake: FakeComfy; app: TestApp; client: ComfyTestClient }> {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', via ? await via(fake) : fake.url]);
  t.after(() => app.close());
  await waitForBackendsUp(app.url);
  const client = await ComfyTestClient.connect(app.wsUrl, 'jobs-client');
  t.after(() => client.close());
  return { fake, app, client };
}

const graph = (color: number, prefix = 'job') => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
});

const SECRETS = { api_key_comfy_org: 'comfyui-sk-very-secret', auth_token_comfy_org: 'token-very-secret' };

async function submit(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const response = await postJson(`${app.url}/prompt`, { client_id: 'jobs-client', ...body });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

interface Job {
  id: string;
  status: string;
  [field: string]: unknown;
}
interface JobList {
  jobs: Job[];
  pagination: { offset: number; limit: number | null; total: number; has_more: boolean };
}

const ids = (list: JobList): string[] => list.jobs.map((j) => j.id);

/** ComfyUI prunes None: a field is either there with a value or absent. */
function assertNoNulls(job: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(job)) assert.notEqual(value, null, `${key} must be left out rather than null`);
}

test('/api/jobs lists, filters, sorts and pages like ComfyUI; /api/jobs/{id} adds outputs, execution_status and the workflow', async (t) => {
  const { fake, app, client } = await startStack(t);

  const completed = await submit(app, { prompt: graph(1), extra_data: { extra_pnginfo: { workflow: { id: 'wf-completed', nodes: [] } } } });
  await client.waitForDone(completed);
  fake.control.failNode('ImageInvert', { message: 'bad pixels', type: 'ValueError', once: true });
  const failed = await submit(app, { prompt: graph(2) });
  await client.waitForDone(failed);
  const stall = fake.control.stall('ImageInvert');
  const running = await submit(app, { prompt: graph(3) });
  await stall.reached;
  const prefetched = await submit(app, { prompt: graph(4) });
  const pending = await submit(app, { prompt: graph(5) });
  await eventually(() => fake.control.queueRemaining() === 2, 10_000, 'one prompt prefetched');

  const all = await getJson<JobList>(`${app.url}/api/jobs`);
  assert.deepEqual(ids(all), [pending, prefetched, running, failed, completed], 'newest first by default');
  assert.deepEqual(all.pagination, { offset: 0, limit: null, total: 5, has_more: false });
  assert.deepEqual(all.jobs.map((j) => j.status), ['pending', 'pending', 'in_progress', 'failed', 'completed']);
  for (const job of all.jobs) {
    assertNoNulls(job);
    assert.equal(typeof job.priority, 'number');
    assert.equal(typeof job.create_time, 'number');
    assert.equal(typeof job.outputs_count, 'number');
  }

  const [done, broken] = [all.jobs[4] as Job, all.jobs[3] as Job];
  // The recorded completed job, field for field (plus workflow_id, which it has here).
  assert.deepEqual(Object.keys(done).sort(), [
    'create_time', 'execution_end_time', 'execution_start_time', 'id', 'outputs_count', 'preview_output', 'previewable_outputs_count', 'priority', 'status', 'workflow_id',
  ]);
  assert.equal(done.previewable_outputs_count, 1);
  assert.equal(done.workflow_id, 'wf-completed');
  assert.equal(done.outputs_count, 1);
  assert.deepEqual(Object.keys(done.preview_output as object).sort(), ['filename', 'mediaType', 'nodeId', 'subfolder', 'type']);
  assert.equal((done.preview_output as { nodeId: string }).nodeId, '3');
  assert.ok((done.execution_end_time as number) >= (done.execution_start_time as number));
  assert.deepEqual(Object.keys(broken).sort(), [
    'create_time', 'execution_end_time', 'execution_error', 'execution_start_time', 'id', 'outputs_count', 'previewable_outputs_count', 'priority', 'status',
  ]);
  const error = broken.execution_error as Record<string, unknown>;
  assert.equal(error.exception_type, 'ValueError');
  assert.equal(error.node_id, '2');
  assert.equal(error.prompt_id, failed);

  // Filters, order and pages.
  assert.deepEqual(ids(await getJson<JobList>(`${app.url}/api/jobs?status=pending`)), [pending, prefetched]);
  assert.deepEqual(ids(await getJson<JobList>(`${app.url}/api/jobs?status=in_progress`)), [running]);
  assert.deepEqual(ids(await getJson<JobList>(`${app.url}/api/jobs?status=completed,failed`)), [failed, completed]);
  assert.deepEqual(ids(await getJson<JobList>(`${app.url}/api/jobs?sort_order=asc`)), [completed, failed, running, prefetched, pending]);
  const page = await getJson<JobList>(`${app.url}/api/jobs?limit=2&offset=1`);
  assert.deepEqual(ids(page), [prefetched, running]);
  assert.deepEqual(page.pagination, { offset: 1, limit: 2, total: 5, has_more: true });
  const last = await getJson<JobList>(`${app.url}/api/jobs?limit=2&offset=4`);
  assert.deepEqual(last.pagination, { offset: 4, limit: 2, total: 5, has_more: false });
  const byDuration = await getJson<JobList>(`${app.url}/api/jobs?status=completed,failed&sort_by=execution_duration`);
  assert.deepEqual(new Set(ids(byDuration)), new Set([failed, completed]));
  const bogus = await fetch(`${app.url}/api/jobs?status=bogus`);
  assert.equal(bogus.status, 400);
  assert.match(((await bogus.json()) as { error: { message: string } }).error.message, /Invalid status value\(s\): bogus/);

  // One job in full.
  const detail = await getJson<Record<string, unknown>>(`${app.url}/api/jobs/${completed}`);
  assertNoNulls(detail);
  const history = (await getJson<Record<string, { outputs: unknown; status: unknown; prompt: unknown[] }>>(`${app.url}/history/${completed}`))[completed];
  assert.deepEqual(detail.outputs, history?.outputs);
  assert.deepEqual(detail.execution_status, history?.status);
  assert.deepEqual(detail.workflow, { prompt: graph(1), extra_data: history?.prompt[3] });
  const waiting = await getJson<Record<string, unknown>>(`${app.url}/api/jobs/${pending}`);
  assertNoNulls(waiting);
  assert.equal(waiting.status, 'pending');
  assert.deepEqual((waiting.workflow as { prompt: unknown }).prompt, graph(5));
  assert.equal((await getJson<Job>(`${app.url}/api/jobs/${running}`)).status, 'in_progress');
  const missing = await fetch(`${app.url}/api/jobs/00000000-0000-4000-8000-000000000000`);
  assert.equal(missing.status, 404);
  stall.release();
});

test('cancelling jobs: pending and prefetched ones never run, the running one is interrupted, finished and unknown ones answer cancelled:false', async (t) => {
  const { fake, app, client } = await startStack(t);
  const stall = fake.control.stall('ImageInvert');
  const running = await submit(app, { prompt: graph(10) });
  await stall.reached;
  const prefetched = await submit(app, { prompt: graph(11) });
  const pending = await submit(app, { prompt: graph(12) });
  const spared = await submit(app, { prompt: graph(13) });
  await eventually(() => fake.control.queueRemaining() === 2, 10_000, 'one prompt prefetched');

  for (const id of [pending, prefetched]) {
    assert.deepEqual(await postJson(`${app.url}/api/jobs/${id}/cancel`, {}), { status: 200, body: { cancelled: true } });
  }
  assert.deepEqual((await getJson<{ queue_pending: unknown[][] }>(`${app.url}/queue`)).queue_pending.map((t) => t[1]), [spared]);
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${running}/cancel`, {}), { status: 200, body: { cancelled: true } });
  stall.release();
  await client.waitForDone(spared);

  const statuses = Object.fromEntries(
    await Promise.all([running, prefetched, pending, spared].map(async (id) => [id, (await getJson<Job>(`${app.url}/api/jobs/${id}`)).status])),
  );
  assert.deepEqual(statuses, { [running]: 'cancelled', [prefetched]: 'cancelled', [pending]: 'cancelled', [spared]: 'completed' });
  const interrupted = (await getJson<Record<string, { status: { status_str: string; messages: [string, unknown][] } }>>(`${app.url}/history/${running}`))[running];
  assert.equal(interrupted?.status.status_str, 'error');
  assert.ok(interrupted?.status.messages.some(([type]) => type === 'execution_interrupted'));
  assert.ok(client.framesOf(running).some((f) => f.type === 'execution_interrupted'), 'the client was told');

  const executed = fake.control.received.prompts.map((p) => p.promptId);
  assert.ok(!executed.includes(pending), 'a pending job never reaches the backend');
  assert.deepEqual(await getJson(`${app.url}/history/${pending}`), {});
  assert.deepEqual(await getJson(`${app.url}/history/${prefetched}`), {}, 'the prefetched one was taken back before it ran');

  // As ComfyUI: cancelling a finished or unknown job is an idempotent no-op, not an error.
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${spared}/cancel`, {}), { status: 200, body: { cancelled: false } });
  assert.deepEqual(await postJson(`${app.url}/api/jobs/${pending}/cancel`, {}), { status: 200, body: { cancelled: false } });
  assert.deepEqual(await postJson(`${app.url}/api/jobs/00000000-0000-4000-8000-000000000000/cancel`, {}), { status: 200, body: { cancelled: false } });
});

test('POST /api/jobs/cancel takes a batch: {cancelled} says whether any was cancelled; malformed ids are refused up front', async (t) => {
  const { fake, app, client } = await startStack(t);
  const stall = fake.control.stall('ImageInvert');
  const running = await submit(app, { prompt: graph(20) });
  await stall.reached;
  const waiting = await submit(app, { prompt: graph(21) });
  const finishedLater = await submit(app, { prompt: graph(22) });

  const invalid = await postJson(`${app.url}/api/jobs/cancel`, { job_ids: [waiting, 'not-a-uuid'] });
  assert.equal(invalid.status, 400);
  assert.match(JSON.stringify(invalid.body), /not-a-uuid/);
  assert.equal((await getJson<Job>(`${app.url}/api/jobs/${waiting}`)).status, 'pending', 'nothing cancelled by a refused batch');
  assert.equal((await postJson(`${app.url}/api/jobs/cancel`, {})).status, 400);

  const batch = await postJson(`${app.url}/api/jobs/cancel`, { job_ids: [running, waiting, '00000000-0000-4000-8000-000000000000'] });
  assert.deepEqual(batch, { status: 200, body: { cancelled: true } });
  stall.release();
  await client.waitForDone(finishedLater);
  assert.equal((await getJson<Job>(`${app.url}/api/jobs/${running}`)).status, 'cancelled');
  assert.equal((await getJson<Job>(`${app.url}/api/jobs/${waiting}`)).status, 'cancelled');
  assert.deepEqual(await postJson(`${app.url}/api/jobs/cancel`, { job_ids: [finishedLater] }), { status: 200, body: { cancelled: false } });
});

test('credentials in extra_data reach the backend but never appear in /queue, /history or /api/jobs', async (t) => {
  let relay: { url: string; sent: () => string } | undefined;
  const { fake, app, client } = await startStack(t, async (backend) => {
    relay = await recordingRelay(t, backend.url);
    return relay.url;
  });
  const stall = fake.control.stall('ImageInvert');
  const first = await submit(app, { prompt: graph(30), extra_data: { ...SECRETS, note: 'kept' } });
  await stall.reached;
  const second = await submit(app, { prompt: graph(31), extra_data: { ...SECRETS } });
  const third = await submit(app, { prompt: graph(32), extra_data: { ...SECRETS } });

  const visible: string[] = [];
  for (const prefix of ['', '/api']) {
    visible.push(await (await fetch(`${app.url}${prefix}/queue`)).text());
  }
  visible.push(await (await fetch(`${app.url}/api/jobs`)).text());
  for (const id of [first, second, third]) visible.push(await (await fetch(`${app.url}/api/jobs/${id}`)).text());
  const queued = (await getJson<{ queue_running: unknown[][] }>(`${app.url}/queue`)).queue_running[0]?.[3] as Record<string, unknown>;
  assert.equal(queued.note, 'kept', 'other extra_data is shown');

  stall.release();
  await client.waitForDone(third);
  for (const prefix of ['', '/api']) {
    visible.push(await (await fetch(`${app.url}${prefix}/history`)).text());
    visible.push(await (await fetch(`${app.url}${prefix}/history/${first}`)).text());
  }
  visible.push(await (await fetch(`${app.url}/api/jobs`)).text());
  for (const id of [first, second, third]) visible.push(await (await fetch(`${app.url}/api/jobs/${id}`)).text());
  for (const text of visible) {
    assert.ok(!text.includes('very-secret'), `no credential in ${text.slice(0, 120)}`);
    assert.ok(!text.includes('api_key_comfy_org') && !text.includes('auth_token_comfy_org'));
  }

  // The backend got them with each prompt: its API nodes need them.
  const requests = (relay?.sent() ?? '').split(/(?=POST \/prompt HTTP\/1\.1\r\n)/).filter((r) => r.startsWith('POST /prompt '));
  for (const id of [first, second, third]) {
    const request = requests.find((r) => r.includes(`"prompt_id":"${id}"`));
    assert.ok(request, `POST /prompt of ${id} went through`);
    assert.ok(request.includes(`"api_key_comfy_org":"${SECRETS.api_key_comfy_org}"`));
    assert.ok(request.includes(`"auth_token_comfy_org":"${SECRETS.auth_token_comfy_org}"`));
    assert.ok(fake.control.received.prompts.some((p) => p.promptId === id && p.status === 200));
  }
});
