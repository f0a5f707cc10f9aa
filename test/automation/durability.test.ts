import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../helpers/comfy-client.js';
import { makeTempDir } from '../helpers/app.js';
import { openSse } from '../events/helpers.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { startService, stopService, type Service } from '../main/service.js';
import { call, DEFAULT_CHECKPOINT, defaultWorkflowPrompt } from './helpers.js';

const CELLS = 1000;

interface SweepBody {
  id: string;
  count: number;
  counts: Record<string, number>;
  cells: { index: number; run_id: string; prompt_id: string; status: string }[];
}

async function backendUp(service: Service): Promise<void> {
  await eventually(async () => {
    const body = (await (await fetch(`${service.url}/automa/backends`)).json()) as { backends: { state: string; node_classes: number }[] };
    return body.backends.some((b) => b.state === 'up' && b.node_classes > 0);
  }, 20_000, 'the backend up');
}

/** Every prompt id the gateway's queue holds (running or pending), duplicates kept. */
async function queuedIds(service: Service): Promise<string[]> {
  const queue = (await (await fetch(`${service.url}/queue`)).json()) as { queue_running: unknown[][]; queue_pending: unknown[][] };
  return [...queue.queue_running, ...queue.queue_pending].map((tuple) => String(tuple[1]));
}

test('kill -9 while a 1,000-run sweep is being submitted (and another is being created) loses no run and duplicates none', async (t) => {
  const temp = makeTempDir('automa-sweep-kill-');
  t.after(temp.remove);
  const fake = await startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } });
  t.after(() => fake.close());
  // Nothing finishes: after the restart the queue must hold exactly the sweeps' prompts.
  const stall = fake.control.stall({ classType: 'KSampler' });
  t.after(() => stall.release());
  const args = ['--data-dir', temp.dir, '--comfyui', fake.url];

  const first = await startService(args);
  t.after(() => stopService(first));
  await backendUp(first);
  const app = await call<{ id: string }>(`${first.url}/automa/apps`, 'POST', { name: 'txt2img', workflow: defaultWorkflowPrompt() });
  assert.equal(app.status, 201);
  const sweep = { axes: [{ input: 'seed', random: CELLS }] };
  const acked = await call<SweepBody>(`${first.url}/automa/apps/${app.body.id}/sweeps`, 'POST', sweep);
  assert.equal(acked.status, 201);
  assert.equal(acked.body.count, CELLS);
  // A second sweep on its way in, and the first one's runs being handed to the queue: kill now.
  const second = fetch(`${first.url}/automa/apps/${app.body.id}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sweep) }).catch(() => null);
  await new Promise((resolve) => setImmediate(resolve));
  first.child.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');
  await second;

  const restarted = await startService(args);
  t.after(() => stopService(restarted));
  await backendUp(restarted);
  const sweeps = await call<{ items: { id: string; count: number }[] }>(`${restarted.url}/automa/sweeps`, 'GET');
  assert.ok(sweeps.body.items.some((s) => s.id === acked.body.id), 'the acknowledged sweep survived');
  assert.ok(sweeps.body.items.length <= 2);
  const expected = new Set<string>();
  for (const item of sweeps.body.items) {
    // A sweep is stored whole or not at all.
    const stored = (await call<SweepBody>(`${restarted.url}/automa/sweeps/${item.id}`, 'GET')).body;
    assert.equal(stored.cells.length, CELLS, `sweep ${item.id} has every cell`);
    assert.deepEqual(stored.cells.map((c) => c.index), Array.from({ length: CELLS }, (_, i) => i));
    for (const cell of stored.cells) expected.add(cell.prompt_id);
  }
  assert.equal(expected.size, CELLS * sweeps.body.items.length, 'every cell has its own prompt id');

  // The restarted service submits whatever the killed one had not: every cell reaches the queue once.
  await eventually(async () => (await queuedIds(restarted)).length >= expected.size, 30_000, 'every cell in the queue');
  const ids = await queuedIds(restarted);
  assert.equal(ids.length, expected.size, 'no prompt twice and none extra');
  assert.equal(new Set(ids).size, ids.length, 'no duplicates');
  assert.ok(ids.every((id) => expected.has(id)), 'every queued prompt is a cell of a sweep');
  for (const item of sweeps.body.items) {
    const { counts } = (await call<SweepBody>(`${restarted.url}/automa/sweeps/${item.id}`, 'GET')).body;
    assert.equal(counts.queued! + counts.running!, CELLS, `counts of ${item.id} are exact: ${JSON.stringify(counts)}`);
  }

  // The outbox: each cell's run.queued was appended with its submission, so exactly once, across the kill.
  const stream = await openSse(`${restarted.url}/automa/events?types=run.queued,prompt.queued&since=0`);
  t.after(() => stream.close());
  await stream.waitFor((events) => events.length >= expected.size, 'a run.queued per cell');
  const queuedEvents = stream.bodies();
  assert.ok(queuedEvents.every((e) => e.type === 'run.queued'), 'cells speak as run.*, never prompt.*');
  const eventPrompts = queuedEvents.map((e) => String(e.data.prompt_id));
  assert.equal(eventPrompts.length, expected.size);
  assert.equal(new Set(eventPrompts).size, eventPrompts.length, 'no cell queued twice in the log');
  assert.ok(eventPrompts.every((id) => expected.has(id)));
});
