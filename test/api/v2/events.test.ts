import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, simpleGraph } from '../../helpers/comfy-client.js';
import { startStack } from '../../helpers/stack.js';
import { call } from './contract.js';
import { isTerminalStatus, openEvents } from './sse.js';

const seqOf = (id: string | null): number => Number(id?.split('-')[1]);
const noHeaders: Record<string, string> = {};

test('SSE: a reconnect with Last-Event-ID gets exactly the frames it missed, in order, up to the final status', async (t) => {
  const { app, fake } = await startStack(t);
  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const job = await call<{ id: string }>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(21, 'sse') } });
  const events = `${app.url}/api/v2/jobs/${job.body.id}/events`;

  const first = await openEvents(events);
  assert.equal(first.status, 200);
  assert.match(first.contentType ?? '', /^text\/event-stream/);
  const running = await first.waitFor((f) => f.event === 'status' && f.data.status === 'running');
  await stall.reached;
  first.close();
  // Everything from here on happens while no client listens.
  fake.control.releaseStalls();
  await fake.control.waitForHistory(job.body.id);
  await fake.control.waitForIdle();
  await eventually(async () => (await call<{ status: string }>(app.url, 'GET', '/api/v2/jobs/{id}', `/api/v2/jobs/${job.body.id}`)).body.status === 'succeeded', 10_000, 'job succeeded');

  const resumed = await openEvents(events, { 'last-event-id': String(running.id) });
  await resumed.ended;
  const seqs = resumed.frames.map((f) => seqOf(f.id));
  assert.deepEqual(seqs, seqs.map((_, i) => seqOf(running.id) + 1 + i), 'consecutive ids right after the last one seen');
  // Progress frames are snapshots (coalesced when events come faster than they are read): they only go up.
  const values = resumed.frames.filter((f) => f.event === 'progress').map((f) => Number(f.data.value));
  assert.ok(values.length > 0, 'the missed progress');
  assert.deepEqual(values, [...values].sort((a, b) => a - b));
  assert.equal(values.at(-1), 1);
  assert.ok(resumed.frames.some((f) => f.event === 'output' && f.data.node_id === '3'), 'the missed SaveImage output');
  const last = resumed.frames.at(-1);
  assert.ok(last && isTerminalStatus(last));
  assert.equal(last.data.status, 'succeeded');

  // Without a usable Last-Event-ID (none, or one of another process): the snapshot, final status included.
  for (const headers of [noHeaders, { 'last-event-id': 'deadbeef-3' }]) {
    const fresh = await openEvents(events, headers);
    await fresh.ended;
    assert.deepEqual(fresh.frames.map((f) => f.event), ['progress', ...fresh.frames.filter((f) => f.event === 'output').map(() => 'output'), 'status']);
    assert.equal(fresh.frames.at(-1)?.data.status, 'succeeded');
    assert.equal(fresh.frames.find((f) => f.event === 'progress')?.data.value, 1);
  }

  const unknown = await fetch(`${app.url}/api/v2/jobs/not-a-job/events`);
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'not_found');
});

test('SSE: a queued job reports its queue position and moves to running when the one ahead finishes', async (t) => {
  const { app, fake } = await startStack(t);
  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const ahead = await call<{ id: string }>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(31, 'ahead') } });
  await stall.reached;
  const behind = await call<{ id: string; status: string; queue_position: number | null }>(app.url, 'POST', '/api/v2/jobs', '/api/v2/jobs', { json: { workflow: simpleGraph(32, 'behind') } });
  assert.equal(behind.body.status, 'queued');
  assert.equal(typeof behind.body.queue_position, 'number');
  const stream = await openEvents(`${app.url}/api/v2/jobs/${behind.body.id}/events`);
  const queued = await stream.waitFor((f) => f.event === 'status');
  assert.equal(queued.data.status, 'queued');
  fake.control.releaseStalls();
  await stream.waitFor((f) => f.event === 'status' && f.data.status === 'running');
  const end = await stream.waitFor(isTerminalStatus);
  assert.equal(end.data.status, 'succeeded');
  assert.ok(ahead.body.id);
});
