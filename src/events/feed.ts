import type { EventRecord, EventStore } from '../store/index.js';
import { eventMatches, type EventFilter } from './filter.js';
import type { EventHub } from './hub.js';

/** Where a feed writes: false from `write` means "slow down" (the socket's buffer is full). */
export interface FeedSink {
  write(events: readonly EventRecord[]): boolean;
  drained(): Promise<void>;
  /** Bytes written but not yet taken by the client. */
  backlog(): number;
  /** The client cannot keep up: tell it the last id it was sent, then close. */
  overflow(lastSentId: number): void;
  readonly closed: boolean;
}

export interface FeedOptions {
  readonly store: EventStore;
  readonly hub: EventHub;
  readonly filter: EventFilter;
  /** Send events with a greater id (Last-Event-ID / ?since=). */
  readonly afterId: number;
  readonly sink: FeedSink;
  readonly maxBacklogBytes: number;
  /** Live events held while catching up from the log, before the catch-up starts over. */
  readonly maxHeldEvents?: number;
  /** Ends the feed (the client went away). */
  readonly signal?: AbortSignal;
}

const PAGE = 500;

/**
 * The missed events from the log, then live ones, each exactly once and in order. The feed
 * listens to the hub *before* reading the log, holding live events meanwhile; it reads the log up
 * to the hub's position at that moment (or its end), then sends the held events past what it read
 * and switches to live. Nothing can slip between the two: every event is either at or below that
 * position (in the log) or above it (held).
 * Returns once the feed has ended (the sink closed or overflowed).
 */
export async function runFeed(options: FeedOptions): Promise<void> {
  const { store, hub, filter, sink } = options;
  const maxHeld = options.maxHeldEvents ?? 10_000;
  /** Every event with an id up to here was sent or filtered out. */
  let cursor = options.afterId;
  let lastSent = options.afterId;
  let held: EventRecord[] | null = [];
  let live = false;
  let done: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (done = resolve));

  const send = (events: readonly EventRecord[]): boolean => {
    const fresh = events.filter((e) => e.id > cursor);
    if (fresh.length === 0) return true;
    cursor = fresh[fresh.length - 1]?.id ?? cursor;
    const wanted = fresh.filter((e) => eventMatches(filter, e));
    if (wanted.length === 0) return true;
    lastSent = wanted[wanted.length - 1]?.id ?? lastSent;
    return sink.write(wanted);
  };

  let unlisten: () => void = () => undefined;
  const attach = (): number => {
    held = [];
    unlisten = hub.listen((batch) => {
      if (sink.closed) return finish();
      if (!live) {
        if (held === null) return;
        held.push(...batch);
        if (held.length > maxHeld) held = null; // too far behind: catch up from the log again
        return;
      }
      send(batch);
      if (sink.backlog() > options.maxBacklogBytes) {
        sink.overflow(lastSent);
        finish();
      }
    });
    return hub.position();
  };
  const finish = (): void => {
    unlisten();
    done();
  };
  options.signal?.addEventListener('abort', finish, { once: true });

  for (;;) {
    const until = attach();
    while (!sink.closed && options.signal?.aborted !== true) {
      const page = await store.after(cursor, PAGE);
      const ok = send(page);
      if (page.length < PAGE || cursor >= until) break;
      if (!ok) await Promise.race([sink.drained(), ended]);
    }
    if (sink.closed || options.signal?.aborted === true) {
      finish();
      break;
    }
    if (held === null) {
      unlisten();
      continue;
    }
    live = true;
    send(held);
    held = null;
    break;
  }
  return ended;
}
