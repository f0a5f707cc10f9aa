import type { Logger } from '../log.js';
import { promptProgressEvent, promptStartedEvent, type EventStore, type NewEvent, type PromptRecord } from '../store/index.js';

export interface LifecycleRecorderOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  /** Least time between two progress events of one prompt (500 ms: at most 2 per second). */
  readonly progressIntervalMs?: number;
}

/** The queue's LifecycleEvents port (queue/ports.ts), stated here so events/ never imports queue/. */
export interface LifecycleRecorder {
  started(record: PromptRecord, backend: string, startTime: number): void;
  progress(record: PromptRecord, backend: string, progress: { value: number; max: number; node: string | null }): void;
  backend(name: string, state: 'up' | 'down' | 'draining', detail: Readonly<Record<string, unknown>>): void;
  /** Drop pending progress and stop listening. */
  close(): void;
}

/** Types after which a subject's progress no longer means anything. */
const TERMINAL = /\.(succeeded|failed|cancelled|interrupted|completed)$/;

interface Pending {
  last: number;
  timer: NodeJS.Timeout | null;
  event: NewEvent | null;
}

/**
 * Appends the queue's in-memory lifecycle changes to the log. Progress is coalesced per prompt:
 * the first goes at once, later ones at most every interval, always ending on the latest value;
 * progress still waiting when the prompt's terminal event is appended is dropped, so no progress
 * ever follows a prompt's end.
 */
export function createLifecycleRecorder(options: LifecycleRecorderOptions): LifecycleRecorder {
  const { store, logger } = options;
  const interval = options.progressIntervalMs ?? 500;
  const progress = new Map<string, Pending>();

  const append = (event: NewEvent): void => {
    store.append(event).catch((err: unknown) => logger.error({ err, type: event.type }, 'could not append an event'));
  };
  const flush = (pending: Pending): void => {
    pending.timer = null;
    if (pending.event === null) return;
    const event = pending.event;
    pending.event = null;
    pending.last = Date.now();
    append(event);
  };
  const drop = (subject: string): void => {
    const pending = progress.get(subject);
    if (pending?.timer) clearTimeout(pending.timer);
    progress.delete(subject);
  };
  // Heard inside the appending transaction; only touches memory.
  const unlisten = store.onAppended((_id, type, subject) => {
    if (subject !== null && TERMINAL.test(type)) drop(subject);
  });

  const facts = (record: PromptRecord, backend: string) => ({ ...record, backend });

  return {
    started: (record, backend, startTime) => append(promptStartedEvent(facts(record, backend), startTime)),
    progress: (record, backend, value) => {
      const event = promptProgressEvent(facts(record, backend), value);
      const now = Date.now();
      let pending = progress.get(record.id);
      if (pending === undefined) {
        pending = { last: 0, timer: null, event: null };
        progress.set(record.id, pending);
      }
      pending.event = event;
      if (pending.timer !== null) return;
      const wait = pending.last + interval - now;
      if (wait <= 0) flush(pending);
      else {
        const held = pending;
        pending.timer = setTimeout(() => flush(held), wait);
      }
    },
    backend: (name, state, detail) => append({ type: `backend.${state}`, subject: name, data: { backend: name, state, ...detail } }),
    close: () => {
      unlisten();
      for (const subject of [...progress.keys()]) drop(subject);
    },
  };
}
