import type { Logger } from '../log.js';
import { promptProgressEvent, promptStartedEvent, type EventStore, type NewEvent, type PromptRecord } from '../store/index.js';

export interface LifecycleRecorderOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  /** Least time between two progress events of one prompt (500 ms: at most 2 per second). */
  readonly progressIntervalMs?: number;
}

type Progress = { value: number; max: number; node: string | null };

/**
 * Told of each prompt start and each progress the recorder lets through (coalesced), after the
 * prompt's own event: a client of the queue that speaks for some prompts (workflow runs) appends
 * its own events from here. The log drops `prompt.*` of such prompts (store migration 7).
 */
export interface LifecycleListener {
  started?(record: PromptRecord, backend: string, startTime: number): void;
  progress?(record: PromptRecord, backend: string, progress: Progress): void;
}

/** The queue's LifecycleEvents port (queue/ports.ts), stated here so events/ never imports queue/. */
export interface LifecycleRecorder {
  started(record: PromptRecord, backend: string, startTime: number): void;
  progress(record: PromptRecord, backend: string, progress: Progress): void;
  backend(name: string, state: 'up' | 'down' | 'draining', detail: Readonly<Record<string, unknown>>): void;
  /** Also tell `listener`; returns the function that stops it. */
  follow(listener: LifecycleListener): () => void;
  /** Drop pending progress and stop listening. */
  close(): void;
}

/** Types after which a subject's progress no longer means anything. */
const TERMINAL = /\.(succeeded|failed|cancelled|interrupted|completed)$/;

interface Pending {
  /** Set while the interval since the last progress sent runs. */
  timer: NodeJS.Timeout | null;
  latest: { record: PromptRecord; backend: string; value: Progress } | null;
}

/**
 * Appends the queue's in-memory lifecycle changes to the log. Progress is coalesced per prompt:
 * the first goes at once, later ones at most every interval, always ending on the latest value;
 * progress still waiting when the prompt's terminal event is appended is dropped, so no progress
 * ever follows a prompt's end. A prompt's entry goes one interval after its last progress sent.
 */
export function createLifecycleRecorder(options: LifecycleRecorderOptions): LifecycleRecorder {
  const { store, logger } = options;
  const interval = options.progressIntervalMs ?? 500;
  const progress = new Map<string, Pending>();
  const listeners = new Set<LifecycleListener>();

  const append = (event: NewEvent): void => {
    store.append(event).catch((err: unknown) => logger.error({ err, type: event.type }, 'could not append an event'));
  };
  const tell = (each: (listener: LifecycleListener) => void): void => {
    for (const listener of listeners) {
      try {
        each(listener);
      } catch (err) {
        logger.error({ err }, 'a lifecycle listener failed');
      }
    }
  };
  const flush = (subject: string, pending: Pending): void => {
    const latest = pending.latest;
    if (latest === null) {
      // A whole interval without progress: the next one may go at once, so forget this prompt.
      pending.timer = null;
      progress.delete(subject);
      return;
    }
    pending.latest = null;
    append(promptProgressEvent(facts(latest.record, latest.backend), latest.value));
    tell((l) => l.progress?.(latest.record, latest.backend, latest.value));
    pending.timer = setTimeout(() => flush(subject, pending), interval);
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

  return {
    started: (record, backend, startTime) => {
      append(promptStartedEvent(facts(record, backend), startTime));
      tell((l) => l.started?.(record, backend, startTime));
    },
    progress: (record, backend, value) => {
      let pending = progress.get(record.id);
      if (pending === undefined) {
        pending = { timer: null, latest: null };
        progress.set(record.id, pending);
      }
      pending.latest = { record, backend, value };
      if (pending.timer === null) flush(record.id, pending);
    },
    backend: (name, state, detail) => append({ type: `backend.${state}`, subject: name, data: { backend: name, state, ...detail } }),
    follow: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      unlisten();
      listeners.clear();
      for (const subject of [...progress.keys()]) drop(subject);
    },
  };
}

const facts = (record: PromptRecord, backend: string) => ({ ...record, backend });
