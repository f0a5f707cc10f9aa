/**
 * The app's subscription to GET /automa/events (Server-Sent Events). EventSource resumes by
 * itself after a dropped connection (it sends Last-Event-ID), but gives up for good on an answer
 * that is not a stream (a 401 before the key is set, a restarting service): then this reopens it
 * with backoff and `?since=` the last id seen, so nothing is missed and nothing comes twice.
 */
import type { EventBody } from '@contract';
import { parseEvent } from './prompt-activity';

/** The part of EventSource this uses (a test passes a scripted one). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface EventStreamOptions {
  /** The URL to open, resuming after `since` (null: from now on). */
  readonly url: (since: number | null) => string;
  /** The event names to listen for. */
  readonly types: readonly string[];
  readonly onEvent: (event: EventBody) => void;
  readonly onConnected: (connected: boolean) => void;
  readonly createSource?: (url: string) => EventSourceLike;
}

export interface EventStream {
  /** Open again now (the API key changed), resuming after the last event seen. */
  reconnect(): void;
  close(): void;
}

const CLOSED = 2;

/** Open the stream; it keeps itself open until close(). */
export function openEventStream(options: EventStreamOptions): EventStream {
  let source: EventSourceLike | null = null;
  let lastId: number | null = null;
  let attempts = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const onMessage = (event: MessageEvent<string>): void => {
    const body = parseEvent(event.data);
    if (body === null) return;
    // An event at or before the last one seen is a repeat (a resume that raced a reconnect).
    if (lastId !== null && body.id <= lastId) return;
    lastId = body.id;
    options.onEvent(body);
  };

  const open = (): void => {
    if (closed) return;
    const es = (options.createSource ?? ((url) => new EventSource(url)))(options.url(lastId));
    source = es;
    es.onopen = () => {
      attempts = 0;
      options.onConnected(true);
    };
    es.onerror = () => {
      if (source !== es) return;
      options.onConnected(false);
      if (es.readyState !== CLOSED) return; // EventSource retries by itself, with Last-Event-ID
      es.close();
      source = null;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempts, 5));
      attempts += 1;
      retryTimer = setTimeout(open, delay);
    };
    for (const type of options.types) es.addEventListener(type, onMessage);
  };

  open();

  return {
    reconnect: () => {
      if (retryTimer !== null) clearTimeout(retryTimer);
      attempts = 0;
      source?.close();
      source = null;
      options.onConnected(false);
      open();
    },
    close: () => {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      source?.close();
      source = null;
    },
  };
}
