/** What a schedule submits at each slot: a raw API prompt, an app's run, or a sweep. */
export type ScheduleTargetView =
  | { readonly prompt: Readonly<Record<string, unknown>>; readonly extra_data?: Readonly<Record<string, unknown>> }
  | { readonly app: string; readonly inputs: Readonly<Record<string, unknown>> }
  | { readonly sweep: Readonly<Record<string, unknown>> };

interface ScheduleFields {
  readonly id: string;
  readonly name: string | null;
  readonly cron: string | null;
  /** A one-shot schedule's time (ISO); null for cron schedules. */
  readonly at: string | null;
  readonly timezone: string;
  /** After downtime: skip missed slots, or fire once for them. */
  readonly missed: 'skip' | 'run_once';
  readonly paused: boolean;
  /** done: a one-shot that has fired (or a pattern with no slot left). */
  readonly status: 'active' | 'paused' | 'done';
  /** The next slots (ISO); GET /automa/schedules lists only the first, GET one up to five. */
  readonly next_fire_times: readonly string[];
  readonly create_time: string;
  readonly update_time: string;
}

/** A schedule as GET /automa/schedules lists it. */
export type ScheduleView = ScheduleFields & ScheduleTargetView;

/** GET /automa/schedules */
export interface ScheduleList {
  readonly schedules: readonly ScheduleView[];
}

/** One slot that fired and what it produced (`prompt_id`, `run_id` or `sweep_id`). */
export interface ScheduleFireView {
  readonly slot_time: string;
  readonly fire_time: string;
  /** firing: claimed, submission under way · fired · failed: the target refused. */
  readonly status: 'firing' | 'fired' | 'failed';
  readonly prompt_id?: string;
  readonly run_id?: string;
  readonly sweep_id?: string;
  /** Where what it produced is read (`/automa/runs/{id}`, …). */
  readonly link?: string | null;
  readonly error: string | null;
}

/** GET /automa/schedules/{id}, and the answers of POST and PATCH. */
export type ScheduleDetail = ScheduleView & { readonly fires: readonly ScheduleFireView[] };

/** POST /automa/schedules: one target, and exactly one of `cron` and `at`. */
export interface CreateScheduleBody {
  readonly name?: string;
  /** A raw API-format graph, submitted as POST /prompt would. */
  readonly prompt?: Readonly<Record<string, unknown>>;
  readonly extra_data?: Readonly<Record<string, unknown>>;
  readonly app?: string;
  readonly inputs?: Readonly<Record<string, unknown>>;
  readonly sweep?: Readonly<Record<string, unknown>>;
  readonly cron?: string;
  readonly at?: string;
  readonly timezone?: string;
  readonly missed?: 'skip' | 'run_once';
  readonly paused?: boolean;
}
