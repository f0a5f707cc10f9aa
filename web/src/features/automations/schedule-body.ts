/**
 * The schedule form's values turned into POST /automa/schedules' body, with the problems the
 * browser can see before sending (the service checks again and names the field it refuses).
 */
import type { CreateScheduleBody, ScheduleView, SweepView } from '@contract';

export type ScheduleTarget = 'prompt' | 'app' | 'sweep';

export interface ScheduleForm {
  readonly name: string;
  readonly target: ScheduleTarget;
  /** The API-format prompt, as JSON text. */
  readonly prompt: string;
  /** An app's id and the inputs of its runs. */
  readonly app: string;
  readonly appInputs: Readonly<Record<string, unknown>>;
  /** A past sweep whose app, axes, mode and inputs each slot sweeps again. */
  readonly sweep: SweepView | null;
  readonly when: 'cron' | 'at';
  readonly cron: string;
  /** A `datetime-local` value (`2030-01-01T09:00`), in the browser's time zone. */
  readonly at: string;
  readonly timezone: string;
  readonly missed: 'skip' | 'run_once';
  readonly paused: boolean;
}

export type ScheduleBodyResult = { readonly ok: true; readonly body: CreateScheduleBody } | { readonly ok: false; readonly field: 'prompt' | 'app' | 'sweep' | 'cron' | 'at'; readonly problem: string };

type TargetResult = { readonly ok: true; readonly target: Pick<CreateScheduleBody, 'prompt' | 'app' | 'inputs' | 'sweep'> } | (ScheduleBodyResult & { ok: false });

/** What each slot submits: a prompt, a run of an app, or a sweep like a past one. */
function targetOf(form: ScheduleForm): TargetResult {
  if (form.target === 'app') return form.app === '' ? { ok: false, field: 'app', problem: 'pick an app' } : { ok: true, target: { app: form.app, inputs: form.appInputs } };
  if (form.target === 'sweep') {
    const sweep = form.sweep;
    if (sweep === null) return { ok: false, field: 'sweep', problem: 'pick a sweep' };
    // The axes as the sweep spelled them out: random seeds stay the seeds it drew.
    const axes = sweep.axes.map(({ input, values }) => ({ input, values }));
    return { ok: true, target: { sweep: { app: sweep.app_id, axes, mode: sweep.mode, inputs: sweep.inputs, ...(sweep.name !== null && { name: sweep.name }) } } };
  }
  return promptTarget(form.prompt);
}

export const CRON_PRESETS = [
  { cron: '*/5 * * * *', label: 'every5' },
  { cron: '0 * * * *', label: 'hourly' },
  { cron: '0 9 * * *', label: 'daily9' },
  { cron: '0 9 * * 1', label: 'monday9' },
] as const;

function promptTarget(text: string): TargetResult {
  let prompt: unknown;
  try {
    prompt = JSON.parse(text);
  } catch (err) {
    return { ok: false, field: 'prompt', problem: err instanceof Error ? err.message : String(err) };
  }
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt) || Object.keys(prompt).length === 0) {
    return { ok: false, field: 'prompt', problem: 'not an API-format prompt (an object of node id → {class_type, inputs})' };
  }
  const graph = prompt as Record<string, unknown>;
  // A saved UI workflow (nodes, links) is not an API prompt: say so rather than let it fail later.
  if (Array.isArray(graph.nodes) && Array.isArray(graph.links)) return { ok: false, field: 'prompt', problem: 'this is a UI workflow; export it in API format, or import it as an app' };
  return { ok: true, target: { prompt: graph } };
}

/** Build the body, or say which field is wrong. */
export function scheduleBody(form: ScheduleForm): ScheduleBodyResult {
  const target = targetOf(form);
  if (!target.ok) return target;
  const common = {
    ...(form.name.trim() !== '' && { name: form.name.trim() }),
    ...target.target,
    timezone: form.timezone,
    missed: form.missed,
    paused: form.paused,
  };
  if (form.when === 'cron') {
    if (form.cron.trim() === '') return { ok: false, field: 'cron', problem: 'empty' };
    return { ok: true, body: { ...common, cron: form.cron.trim() } };
  }
  const at = new Date(form.at);
  if (form.at === '' || !Number.isFinite(at.getTime())) return { ok: false, field: 'at', problem: 'not a date and time' };
  return { ok: true, body: { ...common, at: at.toISOString() } };
}

/** A schedule's target in a few words: what kind, and how big. */
export function targetSummary(schedule: ScheduleView): { kind: 'prompt' | 'app' | 'sweep'; detail: string } {
  if ('prompt' in schedule) return { kind: 'prompt', detail: String(Object.keys(schedule.prompt).length) };
  if ('app' in schedule) return { kind: 'app', detail: schedule.app };
  return { kind: 'sweep', detail: typeof schedule.sweep.app === 'string' ? schedule.sweep.app : '' };
}

/** The browser's IANA time zone (UTC when it cannot say). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every zone the browser knows, UTC first. */
export function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}
