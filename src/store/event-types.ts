/**
 * The event log: every lifecycle change (prompt, run, sweep, backend, webhook) as one row with a
 * monotonic id, appended in the same transaction as the change it reports (an outbox). SSE
 * streams and webhook deliveries read from it; ids are the resume cursor.
 */

/** An event to append. `subject` is what it is about: a prompt, run or sweep id, or a backend name. */
export interface NewEvent {
  /** Dotted name: `prompt.queued`, `run.succeeded`, `backend.down`, … */
  readonly type: string;
  readonly subject: string | null;
  /** The workflow app it belongs to, for `?app=` filters and webhook filters. */
  readonly app?: string | null;
  /** The sweep it belongs to, for `?sweep=` filters and webhook filters. */
  readonly sweep?: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface EventRecord {
  readonly id: number;
  readonly type: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly subject: string | null;
  readonly app: string | null;
  readonly sweep: string | null;
  /** `data` as stored JSON text: bodies are spliced from it, never re-encoded. */
  readonly dataJson: string;
}

export interface EventRetention {
  /** Drop events older than this (0: no limit). */
  readonly maxAgeMs: number;
  /** Keep at most this many events (0: no limit). */
  readonly maxCount: number;
}

/** Told synchronously, inside the appending transaction; must not touch the store. */
export type EventAppendedListener = (id: number, type: string, subject: string | null) => void;

export interface EventStore {
  /**
   * Append in a transaction of its own (for changes that live only in memory: started, progress,
   * backend up/down). Null when the log declined it: `prompt.*` of a workflow run's prompt (run.* speaks for it).
   */
  append(event: NewEvent): Promise<number | null>;
  /** Events with id > `afterId`, oldest first. */
  after(afterId: number, limit: number): Promise<readonly EventRecord[]>;
  get(id: number): Promise<EventRecord | undefined>;
  /** The newest id (0 when the log has never held an event). */
  lastId(): Promise<number>;
  /** The oldest id still kept (null when the log is empty). */
  firstId(): Promise<number | null>;
  /**
   * Drop events past retention, except those a webhook delivery still has to send;
   * finished deliveries of dropped events go with them. Returns the number of events dropped.
   */
  prune(retention: EventRetention, now: number): Promise<number>;
  /** Listen for appends (from any writer, triggers included); returns the unsubscribe function. */
  onAppended(listener: EventAppendedListener): () => void;
}
