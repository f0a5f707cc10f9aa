import assert from 'node:assert/strict';
import { test } from 'node:test';
import { automationTargets, type Clock } from '../../src/automation/schedules/index.js';
import { startTestApp } from '../helpers/app.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { waitForState } from '../pool/pool-helpers.js';
import { call, DEFAULT_CHECKPOINT, importDefaultApp, type ErrorReply } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2030-03-01T08:00:30Z');
const NINE = Date.parse('2030-03-01T09:00:00Z');

/** A clock moved by hand; the scheduler's timers are only recorded (the test ticks it). */
function manualClock(start: number): Clock & { set(time: number): void } {
  let now = start;
  return { now: () => now, set: (time) => void (now = time), setTimer: () => () => undefined };
}

interface ScheduleView {
  id: string;
  next_fire_times: string[];
  fires: { slot_time: string; status: string; run_id?: string; sweep_id?: string; link?: string; error: string | null }[];
}

test('a schedule with an app target fires one run per slot (hand-moved clock), the slot key making it idempotent; GET lists the runs; a sweep target fires a sweep', async (t) => {
  const fake = await startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } });
  t.after(() => fake.close());
  const clock = manualClock(T0);
  const app = await startTestApp(['--comfyui', `local=${fake.url}`], { scheduleClock: clock });
  t.after(() => app.close());
  await waitForState(app, ['local'], 'up');
  const { id: appId } = await importDefaultApp(app.url);

  const made = await call<ScheduleView>(`${app.url}/automa/schedules`, 'POST', { app: appId, inputs: { prompt: 'the morning sky' }, cron: '0 9 * * *', timezone: 'UTC' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.next_fire_times[0], new Date(NINE).toISOString(), 'slots come from the scheduler’s clock');
  const scheduleUrl = `${app.url}/automa/schedules/${made.body.id}`;

  clock.set(NINE + 200);
  await app.app.scheduler.tick();
  await app.app.scheduler.tick();
  let view = (await call<ScheduleView>(scheduleUrl, 'GET')).body;
  assert.equal(view.fires.length, 1, 'two ticks in one slot fire it once');
  const first = view.fires[0];
  assert.equal(first?.status, 'fired', JSON.stringify(first));
  assert.ok(first.run_id);
  assert.equal(first.link, `/automa/runs/${first.run_id}`);

  // A restart re-submits a claimed slot under the same key: the same run comes back, not a second one.
  const targets = automationTargets(app.app.automation);
  const again = await targets.app(appId, { prompt: 'the morning sky' }, `schedule:${made.body.id}:${NINE}`);
  assert.deepEqual(again, { kind: 'run', id: first.run_id });

  clock.set(NINE + DAY + 200);
  await app.app.scheduler.tick();
  view = (await call<ScheduleView>(scheduleUrl, 'GET')).body;
  assert.equal(view.fires.length, 2);
  const fired = view.fires.map((f) => f.run_id).sort();
  const runs = await call<{ items: { id: string; inputs: { prompt: string } }[] }>(`${app.url}/automa/runs?app=${appId}`, 'GET');
  assert.deepEqual(runs.body.items.map((r) => r.id).sort(), fired, 'each slot’s run, and no other');
  assert.ok(runs.body.items.every((r) => r.inputs.prompt === 'the morning sky'));

  const sweepSlot = NINE + DAY + 60 * 60 * 1000;
  const sweepSchedule = await call<ScheduleView>(`${app.url}/automa/schedules`, 'POST', {
    sweep: { app: appId, axes: [{ input: 'steps', values: [2, 3] }], name: 'nightly' },
    at: new Date(sweepSlot).toISOString(),
  });
  assert.equal(sweepSchedule.status, 201, JSON.stringify(sweepSchedule.body));
  clock.set(sweepSlot + 100);
  await app.app.scheduler.tick();
  const sweepFire = (await call<ScheduleView>(`${app.url}/automa/schedules/${sweepSchedule.body.id}`, 'GET')).body.fires[0];
  assert.ok(sweepFire?.sweep_id, JSON.stringify(sweepFire));
  const sweep = await call<{ count: number; name: string }>(`${app.url}/automa/sweeps/${sweepFire.sweep_id}`, 'GET');
  assert.deepEqual([sweep.body.count, sweep.body.name], [2, 'nightly']);
});

test('app and sweep schedule targets are checked against the app when made: 400 naming the field, nothing stored', async (t) => {
  const fake = await startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } });
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', `local=${fake.url}`]);
  t.after(() => app.close());
  await waitForState(app, ['local'], 'up');
  const { id: appId } = await importDefaultApp(app.url);
  const cron = '0 9 * * *';
  const cases: [Record<string, unknown>, string][] = [
    [{ app: '0b7c5e1a-2f3d-4c5b-8a69-7e8f9a0b1c2d', inputs: {}, cron }, 'app'],
    [{ app: appId, inputs: { steps: 'many' }, cron }, 'inputs.steps'],
    [{ app: appId, inputs: { no_such_input: 1 }, cron }, 'inputs.no_such_input'],
    [{ sweep: { axes: [{ input: 'steps', values: [2] }] }, cron }, 'sweep.app'],
    [{ sweep: { app: appId, axes: [] }, cron }, 'sweep.axes'],
    [{ sweep: { app: appId, axes: [{ input: 'nope', values: [1] }] }, cron }, 'sweep.axes.0.input'],
  ];
  for (const [body, field] of cases) {
    const reply = await call<ErrorReply>(`${app.url}/automa/schedules`, 'POST', body);
    assert.equal(reply.status, 400, JSON.stringify(body));
    const named = reply.body.error.extra_info.field ?? reply.body.error.extra_info.fields?.[0]?.field;
    assert.equal(named, field, `${JSON.stringify(body)} → ${JSON.stringify(reply.body.error)}`);
  }
  assert.deepEqual((await call(`${app.url}/automa/schedules`, 'GET')).body, { schedules: [] });
});
