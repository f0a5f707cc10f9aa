import type { Logger } from '../log.js';
import type { EventRecord, EventStore } from '../store/index.js';

/** Receives every new event once, in id order, in batches. */
export type BatchListener = (events: readonly EventRecord[]) => void;

export interface EventHub {
  /** Read the log's end and start following it. */
  start(): Promise<void>;
  stop(): void;
  /** The id up to which listeners have been given every event. */
  position(): number;
  listen(listener: BatchListener): () => void;
  /** Resolves once every event appended before the call has gone to the listeners. */
  settled(): Promise<void>;
}

const PAGE = 1_000;

/**
 * One reader of the log for the whole process: an append (heard through the store, from inside
 * the appending transaction) schedules a read of everything past the hub's position once that
 * transaction is over; listeners (SSE streams, the webhook sender) get the new rows from memory.
 */
export function createEventHub(deps: { store: EventStore; logger: Logger }): EventHub {
  const { store, logger } = deps;
  const listeners = new Set<BatchListener>();
  let position = 0;
  let started = false;
  let scheduled = false;
  let reading: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void) | null = null;

  const read = async (): Promise<void> => {
    for (;;) {
      const batch = await store.after(position, PAGE);
      if (batch.length === 0) return;
      position = batch[batch.length - 1]?.id ?? position;
      for (const listener of [...listeners]) {
        try {
          listener(batch);
        } catch (err) {
          logger.error({ err }, 'an event listener failed');
        }
      }
      if (batch.length < PAGE) return;
    }
  };
  const schedule = (): void => {
    if (scheduled || !started) return;
    scheduled = true;
    // setImmediate: the append was heard inside its transaction; read once it has committed.
    setImmediate(() => {
      scheduled = false;
      reading = reading.then(read).catch((err: unknown) => logger.error({ err }, 'could not read the event log'));
    });
  };

  return {
    start: async () => {
      position = await store.lastId();
      started = true;
      unsubscribe = store.onAppended(schedule);
    },
    stop: () => {
      started = false;
      unsubscribe?.();
      listeners.clear();
    },
    position: () => position,
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    settled: async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await reading;
    },
  };
}
