import { createHash } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { ScheduleRecord, ScheduleStore, ScheduleTarget } from '../../store/index.js';
import { messageOf } from '../../values.js';
import { cronSlots, oneShot, type Slots } from './slots.js';

/** What a fired slot produced. */
export interface FireResult {
  readonly kind: 'prompt' | 'run' | 'sweep';
  readonly id: string;
}

/**
 * Where schedules submit. `key` is the same for every try of one slot (a restart re-submits a
 * slot it had claimed but not seen through): the target must treat it as an idempotency key.
 */
export interface ScheduleTargets {
  prompt(body: Readonly<Record<string, unknown>>, key: string): Promise<FireResult>;
  /** Present once workflow apps exist (issue #13): an app run with these inputs. */
  app?(appId: string, inputs: Readonly<Record<string, unknown>>, key: string): Promise<FireResult>;
  /** Present once sweeps exist: a sweep with this create body. */
  sweep?(body: Readonly<Record<string, unknown>>, key: string): Promise<FireResult>;
}

/** Time as the scheduler sees it; tests pass one they move by hand. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    // setTimeout holds at most ~24.8 days; a later slot is re-armed when this one wakes.
    const timer = setTimeout(fn, Math.min(Math.max(ms, 0), 2_147_483_647));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface SchedulerOptions {
  readonly store: ScheduleStore;
  readonly targets: ScheduleTargets;
  readonly clock: Clock;
  /** A slot found later than this is missed (the service was down) and follows the schedule's policy. */
  readonly misfireGraceMs: number;
  readonly logger: Logger;
}

export interface Scheduler {
  /** Finish slots a previous process claimed but did not see through, then fire what is due. */
  start(): Promise<void>;
  stop(): void;
  /** Fire every slot due now; resolves when their submissions are done. */
  tick(): Promise<void>;
  /** A schedule was made, paused, resumed or removed: look again. */
  changed(): void;
}

/** How a schedule's slots are computed. */
export function slotsOf(schedule: Pick<ScheduleRecord, 'cron' | 'at' | 'timezone'>): Slots {
  return schedule.cron !== null ? cronSlots(schedule.cron, schedule.timezone) : oneShot(schedule.at ?? 0);
}

/**
 * Fires each slot once: a slot is claimed (a row keyed by schedule and slot, and the schedule moved
 * to its next slot, in one transaction) before it is submitted, and the submission carries a key
 * derived from the slot, so a crash between the two re-submits the same thing rather than
 * firing twice or not at all.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, clock, logger } = options;
  let cancelTimer: (() => void) | null = null;
  let stopped = true;
  let ticking: Promise<void> = Promise.resolve();

  const submit = async (schedule: Pick<ScheduleRecord, 'id' | 'target'>, slot: number): Promise<void> => {
    const key = `schedule:${schedule.id}:${slot}`;
    try {
      const result = await submitTarget(options.targets, schedule.target, key);
      await store.finishFire(schedule.id, slot, { result });
    } catch (err) {
      const message = messageOf(err);
      logger.warn({ schedule: schedule.id, slot: new Date(slot).toISOString(), err: message }, 'scheduled submission failed');
      await store.finishFire(schedule.id, slot, { error: message.slice(0, 1000) });
    }
  };

  const fireDue = async (schedule: ScheduleRecord, now: number): Promise<void> => {
    const slots = slotsOf(schedule);
    let expected = schedule.nextTime;
    while (expected !== null && expected <= now) {
      if (now - expected > options.misfireGraceMs) {
        // Missed while the service was down: skip them all, or fire once for them (keyed by the first).
        const resumeAt = slots.after(now - options.misfireGraceMs - 1);
        const fire = schedule.missed === 'run_once';
        if (!(await store.claim(schedule.id, expected, fire ? expected : null, resumeAt, clock.now()))) return;
        logger.info({ schedule: schedule.id, missedFrom: new Date(expected).toISOString(), policy: schedule.missed }, 'schedule missed slots');
        if (fire) await submit(schedule, expected);
        expected = resumeAt;
        continue;
      }
      const next = slots.after(expected);
      if (!(await store.claim(schedule.id, expected, expected, next, clock.now()))) return;
      await submit(schedule, expected);
      expected = next;
    }
  };

  const tick = async (): Promise<void> => {
    const now = clock.now();
    for (const schedule of await store.due(now)) {
      try {
        await fireDue(schedule, now);
      } catch (err) {
        logger.error({ err, schedule: schedule.id }, 'schedule could not fire');
      }
    }
    await arm();
  };

  const arm = async (): Promise<void> => {
    cancelTimer?.();
    cancelTimer = null;
    if (stopped) return;
    const next = await store.nextTime();
    if (next === null) return;
    cancelTimer = clock.setTimer(() => void run(), next - clock.now());
  };

  /** Ticks never overlap: a slot is looked at by one tick at a time. */
  const run = (): Promise<void> => (ticking = ticking.then(tick).catch((err: unknown) => logger.error({ err }, 'scheduler tick failed')));

  return {
    start: async () => {
      stopped = false;
      for (const fire of await store.unfinished()) {
        const schedule = await store.get(fire.scheduleId);
        if (schedule !== undefined) await submit(schedule, fire.slotTime);
      }
      await run();
    },
    stop: () => {
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
    },
    tick: run,
    changed: () => void run(),
  };
}

async function submitTarget(targets: ScheduleTargets, target: ScheduleTarget, key: string): Promise<FireResult> {
  switch (target.kind) {
    case 'prompt':
      return targets.prompt(target.prompt, key);
    case 'app':
      if (targets.app === undefined) throw new Error('app runs are not available in this build');
      return targets.app(target.app, target.inputs, key);
    case 'sweep':
      if (targets.sweep === undefined) throw new Error('sweeps are not available in this build');
      return targets.sweep(target.sweep, key);
  }
}

/** A UUID drawn from `key`: the same slot always submits the same prompt_id, so a retry is a 409, not a second prompt. */
export function promptIdFor(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  // Shaped as a version-4/variant-1 UUID so ComfyUI-minded clients accept it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
