import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createScheduler, newSchedule, type Clock, type FireResult, type ScheduleTargets } from '../../src/automation/schedules/index.js';
import { createLogger } from '../../src/log.js';
import type { MissedPolicy, Store } from '../../src/store/index.js';
import { openSharedTestStore, STORE_KINDS, type StoreKind } from '../helpers/stores.js';

const MINUTE = 60_000;
const T0 = Date.parse('2030-03-01T08:00:30Z');

/** A clock moved by hand; timers only record when they would fire. */
function manualClock(start: number): Clock & { set(time: number): void; armedFor: number | null } {
  let now = start;
  const clock = {
    armedFor: null as number | null,
    now: () => now,
    set: (time: number) => void (now = time),
    setTimer: (_fn: () => void, ms: number) => {
      clock.armedFor = now + ms;
      return () => void (clock.armedFor = null);
    },
  };
  return clock;
}

/** A target that records each submission and its key, and answers the same id for the same key. */
function recordingTargets(): ScheduleTargets & { calls: { key: string; body: unknown }[] } {
  const calls: { key: string; body: unknown }[] = [];
  return {
    calls,
    prompt: async (body, key): Promise<FireResult> => {
      calls.push({ key, body });
      return { kind: 'prompt', id: `p-${key}` };
    },
  };
}

/** A fresh store of `kind`, and `reopen` for another on the same data (a restart). */
async function openStore(kind: StoreKind, t: TestContext): Promise<{ store: Store; reopen: () => Promise<Store> }> {
  const { store, another } = await openSharedTestStore(kind, t);
  return { store, reopen: another };
}

async function addEveryFiveMinutes(store: Store, missed: MissedPolicy = 'skip'): Promise<string> {
  const schedule = newSchedule({ prompt: { '1': { class_type: 'X', inputs: {} } }, cron: '*/5 * * * *', timezone: 'Europe/Paris', missed }, { app: false, sweep: false }, T0);
  await store.schedules.create(schedule, T0);
  return schedule.id;
}

for (const kind of STORE_KINDS) test(`${kind}: a cron schedule fires each slot once, on time, and arms its timer for the next slot`, async (t) => {
  const { store } = await openStore(kind, t);
  const clock = manualClock(T0);
  const targets = recordingTargets();
  const scheduler = createScheduler({ store: store.schedules, targets, clock, misfireGraceMs: MINUTE, logger: createLogger('silent') });
  const id = await addEveryFiveMinutes(store);
  await scheduler.start();
  t.after(() => scheduler.stop());
  const slot1 = Date.parse('2030-03-01T08:05:00Z');
  assert.equal(clock.armedFor, slot1);
  assert.equal(targets.calls.length, 0);

  clock.set(slot1 + 200);
  await scheduler.tick();
  await scheduler.tick(); // the same moment again: nothing more
  assert.deepEqual(targets.calls.map((c) => c.key), [`schedule:${id}:${slot1}`]);
  assert.equal(clock.armedFor, slot1 + 5 * MINUTE);

  clock.set(slot1 + 5 * MINUTE + 10);
  await scheduler.tick();
  assert.equal(targets.calls.length, 2);
  const fires = await store.schedules.fires(id, 10);
  assert.deepEqual(fires.map((f) => [f.slotTime, f.status, f.result?.id]), [
    [slot1 + 5 * MINUTE, 'fired', `p-schedule:${id}:${slot1 + 5 * MINUTE}`],
    [slot1, 'fired', `p-schedule:${id}:${slot1}`],
  ]);
});

for (const kind of STORE_KINDS) test(`${kind}: after downtime, missed slots are skipped by default, or fired once with run_once`, async (t) => {
  const { store } = await openStore(kind, t);
  const clock = manualClock(T0);
  const targets = recordingTargets();
  const scheduler = createScheduler({ store: store.schedules, targets, clock, misfireGraceMs: MINUTE, logger: createLogger('silent') });
  const skip = await addEveryFiveMinutes(store, 'skip');
  const once = await addEveryFiveMinutes(store, 'run_once');
  // "Down" for an hour: the first look comes long after six slots passed.
  clock.set(Date.parse('2030-03-01T09:02:00Z'));
  await scheduler.start();
  t.after(() => scheduler.stop());
  assert.deepEqual(targets.calls.map((c) => c.key), [`schedule:${once}:${Date.parse('2030-03-01T08:05:00Z')}`], 'one catch-up run, none for skip');
  for (const id of [skip, once]) assert.equal((await store.schedules.get(id))?.nextTime, Date.parse('2030-03-01T09:05:00Z'));
});

for (const kind of STORE_KINDS) test(`${kind}: a slot claimed when the process died is submitted again after restart with the same key, not a new slot`, async (t) => {
  const { store, reopen } = await openStore(kind, t);
  const clock = manualClock(T0);
  const id = await addEveryFiveMinutes(store);
  const slot = Date.parse('2030-03-01T08:05:00Z');
  // What a crash between claiming and submitting leaves behind.
  assert.equal(await store.schedules.claim(id, slot, slot, slot + 5 * MINUTE, slot), true);
  await store.close();

  const reopened = await reopen();
  const targets = recordingTargets();
  clock.set(slot + 30_000);
  const scheduler = createScheduler({ store: reopened.schedules, targets, clock, misfireGraceMs: MINUTE, logger: createLogger('silent') });
  await scheduler.start();
  t.after(() => scheduler.stop());
  assert.deepEqual(targets.calls.map((c) => c.key), [`schedule:${id}:${slot}`]);
  assert.equal((await reopened.schedules.fires(id, 5))[0]?.status, 'fired');
});

for (const kind of STORE_KINDS) test(`${kind}: a paused schedule does not fire; a one-shot fires once and is done`, async (t) => {
  const { store } = await openStore(kind, t);
  const clock = manualClock(T0);
  const targets = recordingTargets();
  const scheduler = createScheduler({ store: store.schedules, targets, clock, misfireGraceMs: MINUTE, logger: createLogger('silent') });
  const paused = await addEveryFiveMinutes(store);
  await store.schedules.setPaused(paused, true, Date.parse('2030-03-01T08:05:00Z'), T0);
  const at = newSchedule({ prompt: { '1': {} }, at: '2030-03-01T08:10:00Z' }, { app: false, sweep: false }, T0);
  await store.schedules.create(at, T0);
  await scheduler.start();
  t.after(() => scheduler.stop());
  clock.set(Date.parse('2030-03-01T08:10:01Z'));
  await scheduler.tick();
  clock.set(Date.parse('2030-03-01T08:20:00Z'));
  await scheduler.tick();
  assert.deepEqual(targets.calls.map((c) => c.key), [`schedule:${at.id}:${Date.parse('2030-03-01T08:10:00Z')}`]);
  assert.equal((await store.schedules.get(at.id))?.nextTime, null);
});
