/**
 * The schedule form's values turned into POST /automa/schedules' body, with the problems the
 * browser can see before sending (the service checks again and names the field it refuses).
 */
import type { CreateScheduleBody, ScheduleView } from '@contract';

export interface ScheduleForm {
  readonly name: string;
  /** The API-format prompt, as JSON text. */
  readonly prompt: string;
  readonly when: 'cron' | 'at';
  readonly cron: string;
  /** A `datetime-local` value (`2030-01-01T09:00`), in the browser's time zone. */
  readonly at: string;
  readonly timezone: string;
  readonly missed: 'skip' | 'run_once';
  readonly paused: boolean;
}

export type ScheduleBodyResult = { readonly ok: true; readonly body: CreateScheduleBody } | { readonly ok: false; readonly field: 'prompt' | 'cron' | 'at'; readonly problem: string };

export const CRON_PRESETS = [
  { cron: '*/5 * * * *', label: 'every5' },
  { cron: '0 * * * *', label: 'hourly' },
  { cron: '0 9 * * *', label: 'daily9' },
  { cron: '0 9 * * 1', label: 'monday9' },
] as const;

/** Build the body, or say which field is wrong. */
export function scheduleBody(form: ScheduleForm): ScheduleBodyResult {
  let prompt: unknown;
  try {
    prompt = JSON.parse(form.prompt);
  } catch (err) {
    return { ok: false, field: 'prompt', problem: err instanceof Error ? err.message : String(err) };
  }
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt) || Object.keys(prompt).length === 0) {
    return { ok: false, field: 'prompt', problem: 'not an API-format prompt (an object of node id → {class_type, inputs})' };
  }
  const graph = prompt as Record<string, unknown>;
  // A saved UI workflow (nodes, links) is not an API prompt: say so rather than let it fail later.
  if (Array.isArray(graph.nodes) && Array.isArray(graph.links)) return { ok: false, field: 'prompt', problem: 'this is a UI workflow; export it in API format' };
  const common = {
    ...(form.name.trim() !== '' && { name: form.name.trim() }),
    prompt: graph,
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
