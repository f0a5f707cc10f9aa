/**
 * The event stream's `prompt.*` events folded into what each prompt is doing now. Unlike /ws,
 * which follows ComfyUI's rule of sending a prompt's progress to its own client only, the event
 * log has every prompt's lifecycle, whoever queued it. Pure functions, tested without a stream.
 */
import type { EventBody, PromptEventData } from '@contract';

/** One prompt between `prompt.queued` and its end, as far as the events tell. */
export interface PromptActivity {
  readonly status: 'queued' | 'running';
  readonly backend: string | null;
  /** The running node's steps (from `prompt.progress`, at most two a second). */
  readonly node: string | null;
  readonly value: number;
  readonly max: number;
}

export type ActivityMap = ReadonlyMap<string, PromptActivity>;

/** The event types the app listens to (EventSource needs each name: they come as `event:` lines). */
export const PROMPT_EVENT_TYPES = ['prompt.queued', 'prompt.started', 'prompt.progress', 'prompt.succeeded', 'prompt.failed', 'prompt.interrupted', 'prompt.cancelled'] as const;
export const BACKEND_EVENT_TYPES = ['backend.up', 'backend.down', 'backend.draining'] as const;

const ENDED = new Set(['prompt.succeeded', 'prompt.failed', 'prompt.interrupted', 'prompt.cancelled']);

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
  if (!event.type.startsWith('prompt.')) return activity;
  const data = event.data as Partial<PromptEventData>;
  if (typeof data.prompt_id !== 'string') return activity;
  const id = data.prompt_id;
  if (ENDED.has(event.type)) {
    if (!activity.has(id)) return activity;
    const next = new Map(activity);
    next.delete(id);
    return next;
  }
  const before = activity.get(id) ?? { status: 'queued', backend: null, node: null, value: 0, max: 0 };
  const backend = typeof data.backend === 'string' ? data.backend : before.backend;
  switch (event.type) {
    case 'prompt.queued':
      return new Map(activity).set(id, { ...before, backend });
    case 'prompt.started':
      return new Map(activity).set(id, { ...before, status: 'running', backend });
    case 'prompt.progress': {
      const progress = data.progress;
      if (progress === undefined || !Number.isFinite(progress.value) || !Number.isFinite(progress.max)) return activity;
      return new Map(activity).set(id, { status: 'running', backend, node: progress.node ?? before.node, value: progress.value, max: progress.max });
    }
    default:
      return activity;
  }
}

/** 0..100 for the running node's steps, or null before any step is known. */
export function stepPercent(activity: PromptActivity | undefined): number | null {
  if (activity === undefined || activity.max <= 0) return null;
  return Math.round(Math.min(1, Math.max(0, activity.value / activity.max)) * 100);
}
