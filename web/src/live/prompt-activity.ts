/**
 * The event stream's `prompt.*` and `run.*` events folded into what each running prompt is doing
 * now. Unlike /ws, which follows ComfyUI's rule of sending a prompt's progress to its own client
 * only, the event log has every prompt's lifecycle, whoever queued it: `prompt.*` for prompts sent
 * to /prompt, `run.*` (the run, with its prompt id) for those of workflow apps. Pure functions,
 * tested without a stream.
 */
import type { EventBody, PromptEventData, RunView } from '@contract';

/** One prompt between its start and its end, as far as the events tell. */
export interface PromptActivity {
  readonly status: 'running';
  readonly backend: string | null;
  /** The running node's steps (from `*.progress`, at most two a second). */
  readonly node: string | null;
  readonly value: number;
  readonly max: number;
  /** The whole prompt's share done (0–1), which `run.progress` tells; null for raw prompts. */
  readonly fraction: number | null;
}

export type ActivityMap = ReadonlyMap<string, PromptActivity>;

/**
 * The event types the app listens to (EventSource needs each name: they come as `event:` lines).
 * Not `*.queued`: a 10,000-cell sweep queues its runs at once, and nothing on screen needs them.
 */
export const PROMPT_EVENT_TYPES = ['prompt.started', 'prompt.progress', 'prompt.succeeded', 'prompt.failed', 'prompt.interrupted', 'prompt.cancelled'] as const;
export const RUN_EVENT_TYPES = ['run.started', 'run.progress', 'run.succeeded', 'run.failed', 'run.cancelled'] as const;
export const BACKEND_EVENT_TYPES = ['backend.up', 'backend.down', 'backend.draining'] as const;
/** Everything the live connection asks the event stream for. */
export const LIVE_EVENT_TYPES: readonly string[] = [...PROMPT_EVENT_TYPES, ...RUN_EVENT_TYPES, ...BACKEND_EVENT_TYPES];

const ENDED = /^(prompt|run)\.(succeeded|failed|interrupted|cancelled)$/;

/** Parse an SSE `data:` line into an event body; anything else → null. */
export function parseEvent(text: string): EventBody | null {
  try {
    const value = JSON.parse(text) as Partial<EventBody>;
    if (typeof value.id !== 'number' || typeof value.type !== 'string' || typeof value.data !== 'object' || value.data === null) return null;
    return value as EventBody;
  } catch {
    return null;
  }
}

/** The map after one event (the same map when it changes nothing). */
export function applyPromptEvent(activity: ActivityMap, event: EventBody): ActivityMap {
  const fact = factOf(event);
  if (fact === null) return activity;
  if (ENDED.test(event.type)) {
    if (!activity.has(fact.promptId)) return activity;
    const next = new Map(activity);
    next.delete(fact.promptId);
    return next;
  }
  const before = activity.get(fact.promptId) ?? { status: 'running', backend: null, node: null, value: 0, max: 0, fraction: null };
  const backend = fact.backend ?? before.backend;
  if (event.type.endsWith('.started')) return new Map(activity).set(fact.promptId, { ...before, backend });
  if (!event.type.endsWith('.progress') || fact.step === null) return activity;
  return new Map(activity).set(fact.promptId, { status: 'running', backend, node: fact.node ?? before.node, value: fact.step.value, max: fact.step.max, fraction: fact.fraction });
}

interface Fact {
  readonly promptId: string;
  readonly backend: string | null;
  readonly node: string | null;
  readonly step: { readonly value: number; readonly max: number } | null;
  readonly fraction: number | null;
}

const isStep = (v: unknown): v is { value: number; max: number } =>
  typeof v === 'object' && v !== null && Number.isFinite((v as { value?: unknown }).value) && Number.isFinite((v as { max?: unknown }).max);

/** What a `prompt.*` body (the prompt) or a `run.*` body (the run) says, in one shape. */
function factOf(event: EventBody): Fact | null {
  if (event.type.startsWith('prompt.')) {
    const data = event.data as Partial<PromptEventData>;
    if (typeof data.prompt_id !== 'string') return null;
    const progress = data.progress;
    return { promptId: data.prompt_id, backend: typeof data.backend === 'string' ? data.backend : null, node: progress?.node ?? null, step: isStep(progress) ? progress : null, fraction: null };
  }
  if (event.type.startsWith('run.')) {
    const run = event.data as Partial<RunView>;
    if (typeof run.prompt_id !== 'string') return null;
    const progress = run.progress;
    const step = isStep(progress?.step) ? progress.step : null;
    const fraction = typeof progress?.fraction === 'number' && Number.isFinite(progress.fraction) ? progress.fraction : null;
    // A run's progress may come before any node reported steps: its fraction alone is progress.
    return { promptId: run.prompt_id, backend: typeof run.backend === 'string' ? run.backend : null, node: progress?.node ?? null, step: step ?? (fraction !== null ? { value: 0, max: 0 } : null), fraction };
  }
  return null;
}

/** 0..100: the run's whole share when known, else the running node's steps; null before either. */
export function stepPercent(activity: PromptActivity | undefined): number | null {
  if (activity === undefined) return null;
  if (activity.fraction !== null) return Math.round(Math.min(1, Math.max(0, activity.fraction)) * 100);
  if (activity.max <= 0) return null;
  return Math.round(Math.min(1, Math.max(0, activity.value / activity.max)) * 100);
}
