import assert from 'node:assert/strict';
import test from 'node:test';
import { createLiveJobEvents, type JobFrame } from '../../../src/api/v2/job-events.js';
import { createJobTracker } from '../../../src/api/v2/job-tracker.js';
import type { JobJson, JobViews } from '../../../src/api/v2/job-view.js';
import { createLogger } from '../../../src/log.js';

/** A job as the views would show it; only what the event source reads matters here. */
function job(status: JobJson['status'], started: boolean): JobJson {
  return {
    id: 'j1',
    status,
    created_at: '2026-12-07T00:00:00.000Z',
    started_at: started ? '2026-12-07T00:00:01.000Z' : null,
    completed_at: status === 'succeeded' ? '2026-12-07T00:00:02.000Z' : null,
    expires_at: '9999-12-31T23:59:59.000Z',
    queue_position: status === 'queued' ? 0 : null,
    progress: null,
    outputs: [],
    error: null,
    metrics: {},
    urls: { self: '/api/v2/jobs/j1', events: '/api/v2/jobs/j1/events', cancel: '/api/v2/jobs/j1/cancel' },
  };
}

/** Resolves once the stream has said the job ended (refreshes run on the event loop, not inline). */
async function untilTerminal(seen: JobFrame[]): Promise<void> {
  while (!seen.some((f) => f.event === 'status' && ['succeeded', 'canceled'].includes(f.data.status as string))) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A stream of job j1 opened while the job reads as queued; `then` is what the next read shows.
 * Resolves with the opening frames and the status frames streamed after.
 */
async function statusesWhenNextRead(then: JobJson): Promise<{ opened: unknown[]; streamed: unknown[] }> {
  const tracker = createJobTracker();
  let current = job('queued', false);
  const views = { view: async () => current } as unknown as JobViews;
  const events = createLiveJobEvents({ tracker, views, logger: createLogger('silent') });
  const seen: JobFrame[] = [];
  const subscription = await events.open('j1', null, (frame) => seen.push(frame));
  assert.ok(subscription);
  current = then;
  tracker.touch('j1');
  await untilTerminal(seen);
  events.close();
  return { opened: subscription.frames.map((f) => f.data.status), streamed: seen.filter((f) => f.event === 'status').map((f) => f.data.status) };
}

test('a job read as queued and next as finished is streamed through running', async () => {
  const { opened, streamed } = await statusesWhenNextRead(job('succeeded', true));
  assert.deepEqual(opened, ['queued']);
  assert.deepEqual(streamed, ['running', 'succeeded']);
});

test('a job cancelled before it started is not shown as running', async () => {
  const { streamed } = await statusesWhenNextRead(job('canceled', false));
  assert.deepEqual(streamed, ['canceled']);
});
