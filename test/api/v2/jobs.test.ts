import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleGraph } from '../../helpers/comfy-client.js';
import { startStack } from '../../helpers/stack.js';
import { call } from './contract.js';
import { isTerminalStatus, openEvents } from './sse.js';

type Job = { id: string; status: string; outputs: { id: string; node_id: string; url: string; size_bytes: number }[]; urls: Record<string, string>; queue_position: number | null; error: unknown };

test('a job runs through the v2 API: 201 queued, then succeeded with its outputs as assets; workflow, list and the envelope', async (t) => {
  const { app } = await startStack(t);
  const created = await call<Job>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(3, 'v2job') } });
  assert.equal(created.status, 201);
  assert.ok(['queued', 'running', 'succeeded'].includes(created.body.status));
  assert.equal(created.body.urls.self, `/api/v2/jobs/${created.body.id}`);

  const stream = await openEvents(`${app.url}${created.body.urls.events}`);
  const last = await stream.waitFor(isTerminalStatus);
  await stream.ended;
  assert.equal(last.data.status, 'succeeded');

  const job = await call<Job>(app.url, 'GET', '/api/v2/jobs/{id}', `/api/v2/jobs/${created.body.id}`);
  assert.equal(job.body.status, 'succeeded');
  const saved = job.body.outputs.filter((o) => o.node_id === '3');
  assert.equal(saved.length, 1, 'the SaveImage output is listed');
  const output = saved[0]!;
  const bytes = Buffer.from(await (await fetch(output.url)).arrayBuffer());
  assert.equal(bytes.length, output.size_bytes);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
  // Reading the job again gives the same asset ids: outputs are minted once.
  const again = await call<Job>(app.url, 'GET', '/api/v2/jobs/{id}', `/api/v2/jobs/${created.body.id}`);
  assert.deepEqual(again.body.outputs.map((o) => o.id), job.body.outputs.map((o) => o.id));
  const asset = await call(app.url, 'GET', '/api/v2/assets/{id}', `/api/v2/assets/${output.id}`);
  assert.equal(asset.body.job_id, created.body.id);

  const workflow = await call(app.url, 'GET', '/api/v2/jobs/{id}/workflow', `/api/v2/jobs/${created.body.id}/workflow`);
  assert.deepEqual(workflow.body, { workflow: simpleGraph(3, 'v2job'), format: 'api' });

  const list = await fetch(`${app.url}/api/v2/jobs?limit=1`).then((r) => r.json() as Promise<{ jobs: Job[]; next_cursor: string | null }>);
  assert.equal(list.jobs[0]?.id, created.body.id);
  assert.equal(list.next_cursor, null);

  const missing = await call(app.url, 'GET', '/api/v2/jobs/{id}', '/api/v2/jobs/no-such-job');
  assert.equal(missing.status, 404);
  assert.equal((missing.body as { error: { code: string } }).error.code, 'not_found');
});

test('Idempotency-Key: the same body gets the first job back, another body 422 idempotency_key_reuse; a refused workflow frees the key', async (t) => {
  const { app, fake } = await startStack(t);
  const headers = { 'idempotency-key': 'key-one' };
  const first = await call<Job>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(4, 'idem') }, headers });
  assert.equal(first.status, 201);
  // Same workflow with keys in another order and an extra_data (never compared): the same request.
  const graph = simpleGraph(4, 'idem');
  const reordered = Object.fromEntries(Object.entries(graph).reverse());
  const retry = await call<Job>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', {
    json: { workflow: reordered, extra_data: { api_key_comfy_org: 'secret' } },
    headers,
  });
  assert.equal(retry.status, 201);
  assert.equal(retry.body.id, first.body.id);
  const other = await call(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(5, 'idem') }, headers });
  assert.equal(other.status, 422);
  assert.equal((other.body as { error: { code: string } }).error.code, 'idempotency_key_reuse');

  const badKey = { 'idempotency-key': 'key-two' };
  const refused = await call(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', {
    json: { workflow: { '1': { class_type: 'NoSuchNode', inputs: {} } } },
    headers: badKey,
  });
  assert.equal(refused.status, 422);
  assert.equal((refused.body as { error: { code: string } }).error.code, 'invalid_workflow');
  const fixed = await call<Job>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(6, 'idem') }, headers: badKey });
  assert.equal(fixed.status, 201, 'the key was released by the refusal');
  await fake.control.waitForHistory(fixed.body.id);
  const prompts = fake.control.received.prompts.filter((p) => p.promptId === first.body.id);
  assert.equal(prompts.length, 1, 'the retried request did not run again');
});

test('bad job requests: 422 naming the field, nothing queued', async (t) => {
  const { app } = await startStack(t);
  const cases: [unknown, string, string][] = [
    [{}, 'invalid_request', 'workflow'],
    [{ workflow: [] }, 'invalid_request', 'workflow'],
    [{ workflow: { nodes: [], links: [], last_node_id: 0 } }, 'workflow_format_ui', ''],
    [{ workflow: simpleGraph(), extra_data: { client_id: 'x' } }, 'invalid_request', 'extra_data.client_id'],
    [{ workflow: simpleGraph(), webhook_url: 'http://example.invalid' }, 'invalid_request', 'webhook_url'],
    [{ workflow: { '1': { class_type: 'LoadImage', inputs: { image: { __type: 'core/ASSET', info: { id: 'nope' } } } } } }, 'missing_asset', ''],
  ];
  for (const [json, code, field] of cases) {
    const answer = await call<{ error: { code: string; details: { field?: string } | null } }>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json });
    assert.equal(answer.status, 422, JSON.stringify(json));
    assert.equal(answer.body.error.code, code);
    if (field !== '') assert.equal(answer.body.error.details?.field, field);
  }
  const list = await fetch(`${app.url}/api/v2/jobs`).then((r) => r.json() as Promise<{ jobs: unknown[] }>);
  assert.equal(list.jobs.length, 0);
  const route = await fetch(`${app.url}/api/v2/nothing-here`);
  assert.equal(route.status, 404);
  assert.equal(((await route.json()) as { error: { code: string } }).error.code, 'route_not_found');
});

test('cancel: a queued job is canceled at once, a running one goes canceling → canceled; cancel of a finished job is a no-op', async (t) => {
  const { app, fake } = await startStack(t);
  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const running = await call<Job>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(7, 'c1') } });
  const queued = await call<Job>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(8, 'c2') } });
  await stall.reached;
  const stream = await openEvents(`${app.url}/api/v2/jobs/${running.body.id}/events`);
  await stream.waitFor((f) => f.event === 'status' && f.data.status === 'running');

  const cancelQueued = await call<Job>(app.url, 'POST', '/api/v2/jobs/{id}/cancel', `/api/v2/jobs/${queued.body.id}/cancel`);
  assert.equal(cancelQueued.body.status, 'canceled');
  const cancelRunning = await call<Job>(app.url, 'POST', '/api/v2/jobs/{id}/cancel', `/api/v2/jobs/${running.body.id}/cancel`);
  assert.equal(cancelRunning.body.status, 'canceling');
  await stream.waitFor((f) => f.event === 'status' && f.data.status === 'canceling');
  fake.control.releaseStalls();
  const end = await stream.waitFor(isTerminalStatus);
  assert.equal(end.data.status, 'canceled');
  const again = await call<Job>(app.url, 'POST', '/api/v2/jobs/{id}/cancel', `/api/v2/jobs/${running.body.id}/cancel`);
  assert.equal(again.body.status, 'canceled');
});
