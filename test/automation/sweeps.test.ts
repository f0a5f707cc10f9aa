import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { sheetLayout } from '../../src/automation/sheet.js';
import { acceptedBy } from '../pool/pool-helpers.js';
import { call, importDefaultApp, startAutomaStack, type ErrorReply } from './helpers.js';

interface Cell {
  index: number;
  coords: Record<string, number>;
  run_id: string;
  prompt_id: string;
  status: string;
  outputs: { node: string; kind: string; url: string | null }[];
}
interface SweepBody {
  id: string;
  count: number;
  status: string;
  counts: Record<string, number>;
  cells: Cell[];
  axes: { input: string; values: number[] }[];
  links: Record<string, string>;
  retried?: number;
}

const getSweep = async (url: string, id: string) => (await call<SweepBody>(`${url}/automa/sweeps/${id}`, 'GET')).body;

test('a 3×4 grid sweep makes 12 runs in cell order and a contact sheet of the right size with labels', async (t) => {
  const { app, fake, client } = await startAutomaStack(t);
  const { id } = await importDefaultApp(app.url);
  const created = await call<SweepBody>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', {
    name: 'cfg × steps',
    inputs: { prompt: 'a lighthouse at dusk', seed: 42 },
    axes: [{ input: 'cfg', values: [5, 7.5, 10] }, { input: 'steps', range: { from: 1, to: 4, step: 1 } }],
    mode: 'grid',
    client_id: client.clientId,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.count, 12);
  assert.deepEqual(created.body.axes, [{ input: 'cfg', values: [5, 7.5, 10] }, { input: 'steps', values: [1, 2, 3, 4] }]);

  const before = await getSweep(app.url, created.body.id);
  assert.equal(before.cells.length, 12);
  assert.deepEqual(before.cells.slice(0, 5).map((c) => c.coords), [{ cfg: 5, steps: 1 }, { cfg: 5, steps: 2 }, { cfg: 5, steps: 3 }, { cfg: 5, steps: 4 }, { cfg: 7.5, steps: 1 }]);
  for (const cell of before.cells) await client.waitForDone(cell.prompt_id);

  const done = await getSweep(app.url, created.body.id);
  assert.equal(done.status, 'finished');
  assert.deepEqual(done.counts, { queued: 0, running: 0, succeeded: 12, failed: 0, cancelled: 0 });
  assert.ok(done.cells.every((c) => c.outputs.some((o) => o.node === '9' && o.kind === 'image')));
  assert.deepEqual(acceptedBy(fake), before.cells.map((c) => c.prompt_id), 'enqueued and run in cell order');
  // (The fake keeps Python floats as PyFloat; JSON brings them back to numbers.)
  const received = fake.control.received.prompts.find((p) => p.promptId === before.cells[6]?.prompt_id)?.body;
  const sent = JSON.parse(JSON.stringify(received)) as { prompt: Record<string, { inputs: Record<string, unknown> }> };
  assert.deepEqual([sent.prompt['3']?.inputs.cfg, sent.prompt['3']?.inputs.steps, sent.prompt['3']?.inputs.seed], [7.5, 3, 42]);
  assert.equal(sent.prompt['6']?.inputs.text, 'a lighthouse at dusk');
  const runs = await call<{ items: unknown[] }>(`${app.url}/automa/runs?sweep=${created.body.id}&limit=100`, 'GET');
  assert.equal(runs.body.items.length, 12);

  const sheet = await fetch(`${app.url}${done.links.sheet}?output=9&thumb=64`);
  assert.equal(sheet.status, 200);
  assert.equal(sheet.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await sheet.arrayBuffer());
  const meta = await sharp(bytes).metadata();
  const layout = sheetLayout(done.axes, 'grid', 12, 64);
  assert.deepEqual([meta.width, meta.height], [layout.width, layout.height]);
  assert.deepEqual([layout.columns, layout.rows], [4, 3]);
  assert.deepEqual(layout.columnLabels, ['steps=1', 'steps=2', 'steps=3', 'steps=4']);
  assert.deepEqual(layout.rowLabels, ['cfg=5', 'cfg=7.5', 'cfg=10']);
  // Labels are drawn: the header strip and the row headers have dark (text) pixels on white.
  const header = await sharp(bytes).extract({ left: layout.rowHeaderWidth, top: 0, width: layout.width - layout.rowHeaderWidth, height: layout.headerHeight }).stats();
  assert.ok((header.channels[0]?.min ?? 255) < 100);
  const rows = await sharp(bytes).extract({ left: 0, top: layout.headerHeight, width: layout.rowHeaderWidth, height: layout.height - layout.headerHeight }).stats();
  assert.ok((rows.channels[0]?.min ?? 255) < 100);
  const defaultThumb = await sharp(Buffer.from(await (await fetch(`${app.url}${done.links.sheet}`)).arrayBuffer())).metadata();
  assert.equal(defaultThumb.width, sheetLayout(done.axes, 'grid', 12, 256).width, 'thumb defaults to 256 and output to the app’s first');
});

test('a sweep past --max-sweep-runs, bad axes or bad axis values are refused with 400 before anything is stored', async (t) => {
  const { app, fake } = await startAutomaStack(t, { argv: ['--max-sweep-runs', '10'] });
  const { id } = await importDefaultApp(app.url);
  const tooBig = await call<ErrorReply>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { axes: [{ input: 'cfg', values: [5, 6, 7] }, { input: 'steps', values: [1, 2, 3, 4] }] });
  assert.equal(tooBig.status, 400);
  assert.match(tooBig.body.error.details, /makes 12 runs, more than --max-sweep-runs \(10\)/);
  const badAxes = await call<ErrorReply>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', {
    axes: [{ input: 'cfg', values: [5, 500, 'x'] }, { input: 'steps', random: 2 }, { input: 'nope', values: [1] }],
  });
  assert.equal(badAxes.status, 400);
  assert.deepEqual(badAxes.body.error.extra_info.fields?.map((f) => f.field), ['axes.1.random', 'axes.2.input']);
  const badValues = await call<ErrorReply>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { axes: [{ input: 'cfg', values: [5, 500, 'x'] }] });
  assert.deepEqual(badValues.body.error.extra_info.fields?.map((f) => f.field), ['axes.0.values.1', 'axes.0.values.2']);
  const badShape = await call<ErrorReply>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { axes: [{ input: 'cfg' }], mode: 'diagonal' });
  assert.deepEqual(badShape.body.error.extra_info.fields?.map((f) => f.field).sort(), ['axes.0', 'mode']);
  const uneven = await call<ErrorReply>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { mode: 'zip', axes: [{ input: 'cfg', values: [5, 6] }, { input: 'steps', values: [1, 2, 3] }] });
  assert.equal(uneven.status, 400);
  assert.deepEqual((await call<{ items: unknown[] }>(`${app.url}/automa/sweeps`, 'GET')).body.items, []);
  assert.deepEqual((await call<{ items: unknown[] }>(`${app.url}/automa/runs`, 'GET')).body.items, []);
  assert.deepEqual(fake.control.received.prompts, []);
});

test('cancelling a sweep interrupts its running cell and keeps the rest from running; retry runs the failed cells again', async (t) => {
  const { app, fake, client } = await startAutomaStack(t);
  const { id } = await importDefaultApp(app.url);

  const stall = fake.control.stall({ classType: 'KSampler' });
  const stopped = await call<SweepBody>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { axes: [{ input: 'steps', values: [1, 2, 3] }, { input: 'cfg', values: [5, 6] }], client_id: client.clientId });
  assert.equal(stopped.status, 201);
  await stall.reached;
  const cancelled = await call<SweepBody>(`${app.url}/automa/sweeps/${stopped.body.id}/cancel`, 'POST');
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  const first = cancelled.body.cells[0]!;
  stall.release();
  await client.waitFor(() => client.frames.some((f) => f.type === 'execution_interrupted' && f.data.prompt_id === first.prompt_id));
  await client.waitFor(() => client.frames.some((f) => f.type === 'status' && (f.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 0));
  const afterCancel = await getSweep(app.url, stopped.body.id);
  assert.deepEqual(afterCancel.counts, { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 6 });
  assert.equal(afterCancel.status, 'cancelled');
  const reached = new Set(acceptedBy(fake));
  assert.ok(afterCancel.cells.slice(2).every((c) => !reached.has(c.prompt_id)), 'pending cells never reached the backend');

  fake.control.resetBehaviors();
  fake.control.failNode({ classType: 'KSampler' });
  const failing = await call<SweepBody>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { axes: [{ input: 'steps', values: [1, 2] }, { input: 'cfg', values: [5, 6] }], client_id: client.clientId });
  const failingIds = new Set((await getSweep(app.url, failing.body.id)).cells.map((c) => c.prompt_id));
  await client.waitFor(() => client.frames.filter((f) => f.type === 'execution_error' && failingIds.has(String(f.data.prompt_id))).length === 4);
  const failed = await getSweep(app.url, failing.body.id);
  assert.deepEqual(failed.counts, { queued: 0, running: 0, succeeded: 0, failed: 4, cancelled: 0 });
  const run = await call<{ error: { message: string } | null }>(`${app.url}/automa/runs/${failed.cells[0]!.run_id}`, 'GET');
  assert.ok(run.body.error !== null && run.body.error.message !== '', 'the run says why it failed');

  fake.control.resetBehaviors();
  const retried = await call<SweepBody>(`${app.url}/automa/sweeps/${failing.body.id}/retry`, 'POST');
  assert.equal(retried.body.retried, 4);
  const newIds = retried.body.cells.map((c) => c.prompt_id);
  assert.ok(newIds.every((p, i) => p !== failed.cells[i]!.prompt_id), 'each retried cell runs under a new prompt id');
  assert.deepEqual(retried.body.cells.map((c) => c.run_id), failed.cells.map((c) => c.run_id), 'cells keep their runs');
  for (const promptId of newIds) await client.waitForDone(promptId);
  assert.deepEqual((await getSweep(app.url, failing.body.id)).counts, { queued: 0, running: 0, succeeded: 4, failed: 0, cancelled: 0 });
  // The cancelled sweep has no failed cells: retry changes nothing there.
  assert.equal((await call<SweepBody>(`${app.url}/automa/sweeps/${stopped.body.id}/retry`, 'POST')).body.retried, 0);
});

test('sweep creation is idempotent under an Idempotency-Key; zip pairs axes and random seeds are drawn and recorded', async (t) => {
  const { app, client } = await startAutomaStack(t);
  const { id } = await importDefaultApp(app.url);
  const body = { mode: 'zip', axes: [{ input: 'seed', random: 3 }, { input: 'steps', values: [1, 2, 3] }], client_id: client.clientId };
  const first = await call<SweepBody>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', body, { 'idempotency-key': 'sweep-1' });
  assert.equal(first.status, 201);
  const again = await call<SweepBody>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', body, { 'idempotency-key': 'sweep-1' });
  assert.deepEqual(again.body, first.body);
  const other = await call<ErrorReply>(`${app.url}/automa/apps/${id}/sweeps`, 'POST', { ...body, mode: 'grid' }, { 'idempotency-key': 'sweep-1' });
  assert.equal(other.status, 422);
  assert.equal((await call<{ items: unknown[] }>(`${app.url}/automa/sweeps?app=${id}`, 'GET')).body.items.length, 1);
  const seeds = first.body.axes[0]!.values;
  assert.equal(new Set(seeds).size, 3);
  const sweep = await getSweep(app.url, first.body.id);
  assert.deepEqual(sweep.cells.map((c) => c.coords), seeds.map((seed, i) => ({ seed, steps: i + 1 })));
  for (const cell of sweep.cells) await client.waitForDone(cell.prompt_id);
  const run = await call<{ inputs: { seed: number } }>(`${app.url}/automa/runs/${sweep.cells[1]!.run_id}`, 'GET');
  assert.equal(run.body.inputs.seed, seeds[1]);
});
