/**
 * Schedules: a target (an app run, a sweep, or a raw API prompt) submitted at the slots of a cron
 * pattern or once at a given time. Each slot is claimed with a row keyed by (schedule, slot) in
 * the same transaction that moves the schedule on, so a slot fires once across restarts.
 */

export type ScheduleTarget =
  | { readonly kind: 'prompt'; readonly prompt: Readonly<Record<string, unknown>> }
  | { readonly kind: 'app'; readonly app: string; readonly inputs: Readonly<Record<string, unknown>> }
  | { readonly kind: 'sweep'; readonly sweep: Readonly<Record<string, unknown>> };

export const MISSED_POLICIES = ['skip', 'run_once'] as const;
/** After downtime: skip the missed slots, or fire once for them. */
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

export interface NewSchedule {
  readonly id: string;
  readonly name: string | null;
  readonly target: ScheduleTarget;
  readonly cron: string | null;
  /** One-shot time (ms) when there is no cron pattern. */
  readonly at: number | null;
  readonly timezone: string;
  readonly missed: MissedPolicy;
  readonly paused: boolean;
  /** The next slot to fire; null once a one-shot schedule has fired. */
  readonly nextTime: number | null;
}

export interface ScheduleRecord extends NewSchedule {
  readonly createTime: number;
  readonly updateTime: number;
}

export const FIRE_STATUSES = ['firing', 'fired', 'failed'] as const;
/** firing: claimed, submission under way (or cut short by a crash) · fired · failed: the target refused. */
export type FireStatus = (typeof FIRE_STATUSES)[number];

export interface ScheduleFire {
  readonly scheduleId: string;
  readonly slotTime: number;
  readonly fireTime: number;
  readonly status: FireStatus;
  /** What the slot produced: a run, a sweep or a prompt, by id. */
  readonly result: { readonly kind: string; readonly id: string } | null;
  readonly error: string | null;
}

export interface ScheduleStore {
  create(schedule: NewSchedule, now: number): Promise<ScheduleRecord>;
  get(id: string): Promise<ScheduleRecord | undefined>;
  list(): Promise<readonly ScheduleRecord[]>;
  remove(id: string): Promise<boolean>;
  setPaused(id: string, paused: boolean, nextTime: number | null, now: number): Promise<ScheduleRecord | undefined>;
  /** Unpaused schedules whose next slot is at or before `now`. */
  due(now: number): Promise<readonly ScheduleRecord[]>;
  /** The earliest next slot of any unpaused schedule. */
  nextTime(): Promise<number | null>;
  /**
   * Claim `slot` (record it as firing) and move the schedule to `nextTime`, in one transaction;
   * false when the schedule no longer waits on `expected` (paused, removed or already moved on).
   */
  claim(id: string, expected: number, slot: number | null, nextTime: number | null, now: number): Promise<boolean>;
  finishFire(id: string, slot: number, outcome: { result: { kind: string; id: string } } | { error: string }): Promise<void>;
  /** Slots claimed but never finished (the process stopped mid-submission). */
  unfinished(): Promise<readonly ScheduleFire[]>;
  fires(id: string, limit: number): Promise<readonly ScheduleFire[]>;
}
