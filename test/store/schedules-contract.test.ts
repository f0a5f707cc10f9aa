import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler, type Clock, type FireResult } from '../../src/automation/schedules/index.js';
import { createLogger } from '../../src/log.js';
import type { NewSchedule } from '../../src/store/index.js';
import { openSharedTestStore, openTestStore, STORE_KINDS } from '../helpers/stores.js';

const MINUTE = 60_000;
const T0 = Date.parse('2030-03-01T08:00:00Z');

function schedule(id: string, overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    name: null,
    target: { kind: 'prompt', prompt: { '1': { class_type: 'X', inputs: { seed: 1 } } } },
    cron: '* * * * *',
    at: null,
    timezone: 'UTC',
    missed: 'skip',
    paused: false,
    nextTime: T0 + MINUTE,
    ...overrides,
  };
}

for (const kind of STORE_KINDS) {
  test(`${kind}: schedules read back as made; due and nextTime see unpaused ones only`, async (t) => {
    const { schedules } = await openTestStore(kind, t);
    const a = await schedules.create(schedule('a', { name: 'first', target: { kind: 'app', app: 'app1', inputs: { n: 2 } } }), T0);
    assert.deepEqual(a, { ...schedule('a', { name: 'first', target: { kind: 'app', app: 'app1', inputs: { n: 2 } } }), createTime: T0, updateTime: T0 });
    await schedules.create(schedule('b', { nextTime: T0 + 2 * MINUTE, missed: 'run_once' }), T0);
    await schedules.create(schedule('c', { paused: true, nextTime: T0 }), T0);
    await schedules.create(schedule('d', { cron: null, at: T0 + 5 * MINUTE, nextTime: null }), T0);
    assert.deepEqual((await schedules.list()).map((s) => s.id), ['a', 'b', 'c', 'd']);
    assert.equal(await schedules.nextTime(), T0 + MINUTE);
    assert.deepEqual((await schedules.due(T0 + 2 * MINUTE)).map((s) => s.id), ['a', 'b'], 'oldest slot first');
    assert.deepEqual(await schedules.due(T0), []);

    const paused = await schedules.setPaused('a', true, null, T0 + 1);
    assert.equal(paused?.paused, true);
    assert.equal(paused?.updateTime, T0 + 1);
    assert.equal(await schedules.nextTime(), T0 + 2 * MINUTE);
    assert.equal(await schedules.setPaused('nope', true, null, T0), undefined);
    assert.equal(await schedules.remove('b'), true);
    assert.equal(await schedules.remove('b'), false);
    assert.equal(await schedules.get('b'), undefined);
    assert.equal(await schedules.nextTime(), null);
  });

  test(`${kind}: a slot is claimed once; a moved, paused or removed schedule claims nothing`, async (t) => {
    const { schedules } = await openTestStore(kind, t);
    await schedules.create(schedule('s'), T0);
    const slot = T0 + MINUTE;
    assert.equal(await schedules.claim('s', slot, slot, slot + MINUTE, slot + 5), true);
    assert.equal(await schedules.claim('s', slot, slot, slot + MINUTE, slot + 6), false, 'already moved on');
    assert.equal((await schedules.get('s'))?.nextTime, slot + MINUTE);
    assert.deepEqual(await schedules.unfinished(), [{ scheduleId: 's', slotTime: slot, fireTime: slot + 5, status: 'firing', result: null, error: null }]);

    await schedules.finishFire('s', slot, { result: { kind: 'prompt', id: 'p1' } });
    assert.deepEqual(await schedules.unfinished(), []);
    // A skipped stretch (slot null) moves on without a fire row.
    assert.equal(await schedules.claim('s', slot + MINUTE, null, slot + 10 * MINUTE, slot + MINUTE), true);
    assert.equal(await schedules.claim('s', slot + 10 * MINUTE, slot + 10 * MINUTE, null, slot + 10 * MINUTE), true);
    await schedules.finishFire('s', slot + 10 * MINUTE, { error: 'refused' });
    assert.deepEqual(await schedules.fires('s', 10), [
      { scheduleId: 's', slotTime: slot + 10 * MINUTE, fireTime: slot + 10 * MINUTE, status: 'failed', result: null, error: 'refused' },
      { scheduleId: 's', slotTime: slot, fireTime: slot + 5, status: 'fired', result: { kind: 'prompt', id: 'p1' }, error: null },
    ]);
    assert.equal((await schedules.fires('s', 1)).length, 1);
    assert.equal((await schedules.get('s'))?.nextTime, null, 'a one-shot end: nothing more to wait on');

    await schedules.create(schedule('p', { paused: true }), T0);
    assert.equal(await schedules.claim('p', T0 + MINUTE, T0 + MINUTE, T0 + 2 * MINUTE, T0 + MINUTE), false, 'paused');
    assert.equal(await schedules.claim('gone', T0 + MINUTE, T0 + MINUTE, T0 + 2 * MINUTE, T0 + MINUTE), false, 'removed');
    assert.deepEqual(await schedules.fires('p', 10), []);
    assert.equal(await schedules.remove('s'), true);
    assert.deepEqual(await schedules.fires('s', 10), [], 'fires go with their schedule');
  });
}

test('postgres: two gateways ticking at once claim each slot once, and submit each slot once', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  const ids = Array.from({ length: 8 }, (_, i) => `s${i}`);
  for (const id of ids) await a.schedules.create(schedule(id), T0);
  let now = T0;
  const clock: Clock = { now: () => now, setTimer: () => () => undefined };
  const submitted: string[] = [];
  const targets = {
    prompt: async (_body: unknown, key: string): Promise<FireResult> => {
      submitted.push(key);
      return { kind: 'prompt', id: key };
    },
  };
  const schedulers = [a, b].map((store) => createScheduler({ store: store.schedules, targets, clock, misfireGraceMs: 10 * MINUTE, logger: createLogger('silent') }));
  await Promise.all(schedulers.map((s) => s.start()));
  t.after(() => schedulers.forEach((s) => s.stop()));
  for (let minute = 1; minute <= 5; minute++) {
    now = T0 + minute * MINUTE + 100;
    await Promise.all(schedulers.map((s) => s.tick()));
  }
  const expected = ids.flatMap((id) => [1, 2, 3, 4, 5].map((m) => `schedule:${id}:${T0 + m * MINUTE}`));
  assert.deepEqual([...submitted].sort(), [...expected].sort(), 'every slot once, none twice');
  for (const id of ids) {
    const fires = await b.schedules.fires(id, 10);
    assert.equal(fires.length, 5);
    assert.ok(fires.every((f) => f.status === 'fired'));
  }
});
