import { randomUUID } from 'node:crypto';
import type { CreateScheduleBody } from '../../contract/index.js';
import { invalidField } from '../../errors.js';
import type { NewSchedule, ScheduleTarget } from '../../store/index.js';
import { messageOf } from '../../values.js';
import { cronSlots, isTimeZone, oneShot, type Slots } from './slots.js';

/** POST /automa/schedules as it arrives (the route schema has checked the types). */
export type ScheduleInput = CreateScheduleBody;

/** Which target kinds this build can submit to (app and sweep need workflow apps, issue #13). */
export interface AvailableTargets {
  readonly app: boolean;
  readonly sweep: boolean;
}

/** Checks a schedule body the way the API reports problems (400 naming the field) and builds the record. */
export function newSchedule(input: ScheduleInput, available: AvailableTargets, now: number): NewSchedule {
  const target = targetOf(input, available);
  if ((input.cron === undefined) === (input.at === undefined)) throw invalidField('cron', 'give exactly one of cron (a pattern) or at (a date-time)');
  const timezone = input.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) throw invalidField('timezone', `${JSON.stringify(timezone.slice(0, 80))} is not an IANA time zone (e.g. Europe/Paris, UTC)`);
  let slots: Slots;
  let at: number | null = null;
  if (input.cron !== undefined) {
    try {
      slots = cronSlots(input.cron, timezone);
    } catch (err) {
      throw invalidField('cron', `is not a cron pattern croner accepts: ${messageOf(err)}`);
    }
  } else {
    at = Date.parse(input.at ?? '');
    if (!Number.isFinite(at) || !/[T ]\d{2}:\d{2}/.test(input.at ?? '')) throw invalidField('at', 'must be an ISO 8601 date-time, e.g. 2030-01-01T09:00:00Z');
    if (at <= now) throw invalidField('at', 'is in the past');
    slots = oneShot(at);
  }
  const nextTime = slots.after(now);
  if (nextTime === null) throw invalidField('cron', 'never fires');
  return {
    id: randomUUID(),
    name: input.name ?? null,
    target,
    cron: input.cron ?? null,
    at,
    timezone,
    missed: input.missed ?? 'skip',
    paused: input.paused ?? false,
    nextTime,
  };
}

function targetOf(input: ScheduleInput, available: AvailableTargets): ScheduleTarget {
  const given = (['app', 'sweep', 'prompt'] as const).filter((k) => input[k] !== undefined);
  if (given.length !== 1) throw invalidField('app', 'give exactly one target: app (with inputs), sweep, or prompt');
  if (input.inputs !== undefined && input.app === undefined) throw invalidField('inputs', 'go with app only');
  if (input.extra_data !== undefined && input.prompt === undefined) throw invalidField('extra_data', 'goes with prompt only');
  if (input.app !== undefined) {
    if (!available.app) throw invalidField('app', 'workflow apps are not available in this build; schedule a raw prompt instead');
    return { kind: 'app', app: input.app, inputs: input.inputs ?? {} };
  }
  if (input.sweep !== undefined) {
    if (!available.sweep) throw invalidField('sweep', 'sweeps are not available in this build; schedule a raw prompt instead');
    return { kind: 'sweep', sweep: input.sweep };
  }
  const graph = input.prompt ?? {};
  if (Object.keys(graph).length === 0) throw invalidField('prompt', 'must be a non-empty API-format graph (node id → {class_type, inputs})');
  return { kind: 'prompt', prompt: { prompt: graph, ...(input.extra_data !== undefined && { extra_data: input.extra_data }) } };
}
