import type { NewEvent } from './event-types.js';
import type { FinishedState, NewPrompt } from './prompt-types.js';

/**
 * The `prompt.*` events' bodies: small, versioned by their type, and the same whoever appends them
 * (the store inside its transactions, the queue for started and progress).
 */

export const PROMPT_EVENT_STATUS = {
  completed: 'succeeded',
  failed: 'failed',
  interrupted: 'interrupted',
  cancelled: 'cancelled',
} as const;

/** What every prompt event says about its prompt. */
export interface PromptFacts {
  readonly id: string;
  readonly number: number;
  readonly clientId: string | null;
  readonly createTime: number;
  readonly backend: string | null;
}

const base = (p: PromptFacts, status: string): Record<string, unknown> => ({
  prompt_id: p.id,
  number: p.number,
  status,
  client_id: p.clientId,
  backend: p.backend,
  create_time: iso(p.createTime),
});

export const promptQueuedEvent = (p: NewPrompt): NewEvent => ({
  type: 'prompt.queued',
  subject: p.id,
  data: base({ ...p, backend: null }, 'queued'),
});

export const promptStartedEvent = (p: PromptFacts, startTime: number): NewEvent => ({
  type: 'prompt.started',
  subject: p.id,
  data: { ...base(p, 'running'), start_time: iso(startTime) },
});

export const promptProgressEvent = (p: PromptFacts, progress: { value: number; max: number; node: string | null }): NewEvent => ({
  type: 'prompt.progress',
  subject: p.id,
  data: { ...base(p, 'running'), progress },
});

export const promptCancelledEvent = (p: PromptFacts, endTime: number): NewEvent => ({
  type: 'prompt.cancelled',
  subject: p.id,
  data: { ...base(p, 'cancelled'), end_time: iso(endTime) },
});

/** succeeded / failed / interrupted, with the outputs (and a `url` on each file) and the error if any. */
export function promptFinishedEvent(
  p: PromptFacts,
  finish: { state: FinishedState; startTime: number | null; endTime: number; entry: Readonly<Record<string, unknown>> },
): NewEvent {
  const status = PROMPT_EVENT_STATUS[finish.state];
  const data: Record<string, unknown> = {
    ...base(p, status),
    start_time: finish.startTime === null ? null : iso(finish.startTime),
    end_time: iso(finish.endTime),
    outputs: withUrls(finish.entry.outputs),
  };
  const error = executionError(finish.entry.status);
  if (error !== null) data.error = error;
  return { type: `prompt.${status}`, subject: p.id, data };
}

const iso = (ms: number): string => new Date(ms).toISOString();

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** ComfyUI's outputs with a relative `/view` URL on every file entry, so a receiver can fetch it. */
function withUrls(outputs: unknown): Record<string, unknown> {
  if (!isRecord(outputs)) return {};
  const result: Record<string, unknown> = {};
  for (const [node, output] of Object.entries(outputs)) {
    if (!isRecord(output)) continue;
    result[node] = Object.fromEntries(
      Object.entries(output).map(([key, items]) => [
        key,
        Array.isArray(items) ? items.map((item: unknown) => (isRecord(item) && typeof item.filename === 'string' ? { ...item, url: viewUrl(item) } : item)) : items,
      ]),
    );
  }
  return result;
}

function viewUrl(file: Record<string, unknown>): string {
  const query = new URLSearchParams({
    filename: String(file.filename),
    subfolder: typeof file.subfolder === 'string' ? file.subfolder : '',
    type: typeof file.type === 'string' ? file.type : 'output',
  });
  return `/view?${query.toString()}`;
}

/** The execution_error message of a history status, in a few fields. */
function executionError(status: unknown): Record<string, unknown> | null {
  if (!isRecord(status) || !Array.isArray(status.messages)) return null;
  for (const message of status.messages as unknown[]) {
    if (!Array.isArray(message) || message[0] !== 'execution_error' || !isRecord(message[1])) continue;
    const data = message[1];
    return {
      message: data.exception_message ?? null,
      type: data.exception_type ?? null,
      node_id: data.node_id ?? null,
      node_type: data.node_type ?? null,
    };
  }
  return null;
}
