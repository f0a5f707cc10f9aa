import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir, type TestApp } from '../helpers/app.js';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { acceptedBy, backendArgs, imageGraph, startFakes, startGateway, THREE, waitForState } from './pool-helpers.js';

async function submit(app: TestApp, tag: number, clientId: string): Promise<string> {
  const response = await postJson(`${app.url}/prompt`, { prompt: imageGraph(tag), client_id: clientId });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return (response.body as { prompt_id: string }).prompt_id;
}

type History = Record<string, { status: { status_str: string }; outputs: Record<string, { images?: { filename: string; subfolder: string; type: string }[] }> }>;

test('a gateway restart with prompts in flight on several backends reconciles every one of them, once each', async (t) => {
  const fakes = await startFakes(t, THREE);
  const data = makeTempDir();
  t.after(() => data.remove());
  const argv = backendArgs(fakes);

  const first = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a', 'b', 'c'] });
  const stalls = { a: fakes.a.control.stall(), b: fakes.b.control.stall(), c: fakes.c.control.stall() };
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) ids.push(await submit(first, i, 'restart'));
  await eventually(() => Object.values(fakes).every((f) => acceptedBy(f).length === 2), 10_000, 'two per backend');
  await Promise.all(Object.values(stalls).map((s) => s.reached));
  const placed = { a: acceptedBy(fakes.a), b: acceptedBy(fakes.b), c: acceptedBy(fakes.c) };
  const waiting = ids.filter((id) => !Object.values(placed).flat().includes(id));
  assert.equal(waiting.length, 3, 'three still in our own queue');
  await first.close();

  // While we are away: a finishes both of its prompts; c restarts and forgets both; b still runs.
  stalls.a.release();
  await Promise.all(placed.a.map((id) => fakes.a.control.waitForHistory(id)));
  stalls.c.release();
  await fakes.c.control.restart();

  const second = await startGateway(t, argv, { dataDir: data.dir });
  const client = await ComfyTestClient.connect(second.wsUrl, 'restart');
  t.after(() => client.close());
  await waitForState(second, ['a', 'b', 'c'], 'up');
  // b's running prompt was reattached, not resubmitted: it is running for the client again.
  await eventually(async () => (await getJson<{ queue_running: [number, string][] }>(`${second.url}/queue`)).queue_running.some(([, id]) => id === placed.b[0]), 10_000, 'b reattached');
  stalls.b.release();
  for (const id of placed.b) await client.waitForDone(id);

  await eventually(async () => Object.keys(await getJson<History>(`${second.url}/history`)).length === ids.length, 15_000, 'all in history');
  const history = await getJson<History>(`${second.url}/history`);
  assert.deepEqual(Object.keys(history).sort(), [...ids].sort(), 'each prompt once in history');
  for (const id of ids) assert.equal(history[id]?.status.status_str, 'success', id);
  const jobs = await getJson<{ jobs: { id: string; status: string }[]; pagination: { total: number } }>(`${second.url}/api/jobs?limit=100`);
  assert.equal(jobs.pagination.total, ids.length);
  assert.ok(jobs.jobs.every((j) => j.status === 'completed'));
  assert.deepEqual(await getJson(`${second.url}/queue`), { queue_running: [], queue_pending: [] });

  const submissions = (id: string): number => Object.values(fakes).reduce((n, f) => n + acceptedBy(f).filter((x) => x === id).length, 0);
  for (const id of [...placed.a, ...placed.b]) assert.equal(submissions(id), 1, `${id} was not submitted again`);
  for (const id of placed.c) assert.equal(submissions(id), 2, `${id}, lost by c, ran once more`);
  for (const id of waiting) assert.equal(submissions(id), 1);
  for (const id of placed.b) {
    assert.equal(client.frames.filter((f) => f.type === 'executing' && f.data.node === null && f.data.prompt_id === id).length, 1);
  }

  // Outputs of the prompts a finished while we were away were collected: viewable through us.
  const image = history[placed.a[0] as string]?.outputs['3']?.images?.[0];
  assert.ok(image);
  const view = await fetch(`${second.url}/view?filename=${encodeURIComponent(image.filename)}&subfolder=${encodeURIComponent(image.subfolder)}&type=${image.type}`);
  assert.equal(view.status, 200);
  await view.arrayBuffer();
});

test('prompts held by a backend that is dead when the gateway restarts move to the others after --failover-after', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, b: THREE.b });
  const data = makeTempDir();
  t.after(() => data.remove());
  const argv = [...backendArgs(fakes), '--failover-after', '200'];

  const first = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a', 'b'] });
  const stalls = { a: fakes.a.control.stall(), b: fakes.b.control.stall() };
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await submit(first, i, 'dead'));
  await eventually(() => acceptedBy(fakes.a).length === 2 && acceptedBy(fakes.b).length === 2, 10_000, 'two per backend');
  const onB = acceptedBy(fakes.b);
  await first.close();
  stalls.a.release();
  stalls.b.release();
  await fakes.b.control.crash();

  const second = await startGateway(t, argv, { dataDir: data.dir, waitFor: ['a'] });
  await eventually(async () => Object.keys(await getJson<History>(`${second.url}/history`)).length === ids.length, 15_000, 'all in history');
  const history = await getJson<History>(`${second.url}/history`);
  for (const id of ids) assert.equal(history[id]?.status.status_str, 'success', id);
  for (const id of onB) assert.equal(acceptedBy(fakes.a).filter((x) => x === id).length, 1, `${id} moved to a`);
});
