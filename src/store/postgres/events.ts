import type { EventAppendedListener, EventRecord, EventStore, NewEvent } from '../event-types.js';
import { stringifyExactJson } from '../../json.js';
import type { PostgresDatabase } from './database.js';

interface EventRow {
  id: number;
  type: string;
  time: number;
  subject: string | null;
  app: string | null;
  sweep: string | null;
  data: string;
}

/** The store's own handle on the log: `appendInTx` joins whatever transaction is open. */
export interface PostgresEventLog {
  readonly store: EventStore;
  /** Append inside the caller's transaction (the outbox write); the new id, or null when the log declined it (a workflow run's `prompt.*`). */
  appendInTx(event: NewEvent, time?: number): Promise<number | null>;
  get(id: number): Promise<EventRecord | undefined>;
  /** LISTEN for appends, so `onAppended` hears of every gateway's events. */
  start(): Promise<void>;
}

const COLUMNS = 'id, type, time, subject, app, sweep, data';
/** NOTIFY channel (schema-scoped by the database): migration 1's trigger sends `id type subject` on it. */
export const EVENTS_CHANNEL = 'events';
// Events a pending delivery still needs are kept whatever their age.
const KEEP = `id NOT IN (SELECT event_id FROM automa_webhook_deliveries WHERE status = 'pending')`;

/**
 * The event log in PostgreSQL. Appends NOTIFY (from the insert trigger, so appends made by other
 * tables' triggers and by other gateways count too); PostgreSQL delivers a notification only when
 * its transaction commits, so a listener never hears of an event it cannot read yet.
 */
export function createPostgresEventLog(db: PostgresDatabase): PostgresEventLog {
  const listeners = new Set<EventAppendedListener>();
  let lastHeard = 0;

  const appendInTx = async (event: NewEvent, time = Date.now()): Promise<number | null> => {
    // A workflow run's prompt.* is declined here, before an id is drawn: no gap for readers to wait on.
    const row = await db.one<{ id: number }>(
      `INSERT INTO automa_events (type, time, subject, app, sweep, data)
       SELECT $1, $2, $3, $4, $5, $6
       WHERE NOT ($1 LIKE 'prompt.%' AND EXISTS (SELECT 1 FROM automa_runs WHERE prompt_id = $3))
       RETURNING id`,
      [event.type, time, event.subject, event.app ?? null, event.sweep ?? null, stringifyExactJson(event.data)],
    );
    return row?.id ?? null;
  };
  const get = async (id: number): Promise<EventRecord | undefined> => {
    const row = await db.one<EventRow>(`SELECT ${COLUMNS} FROM automa_events WHERE id = $1`, [id]);
    return row === undefined ? undefined : toRecord(row);
  };
  const tell = (id: number, type: string, subject: string | null): void => {
    if (id > lastHeard) lastHeard = id;
    for (const listener of listeners) listener(id, type, subject);
  };

  const gapless = createGaplessReader(db, () => {
    // A gap was left open: read again shortly even if no append is heard (a rollback sends none).
    for (const listener of listeners) listener(lastHeard, '', null);
  });

  const store: EventStore = {
    append: (event) => db.transaction(() => appendInTx(event)),
    after: (afterId, limit) => gapless.after(afterId, limit),
    get,
    // The sequence, not max(id): ids are never reused after pruning, as SQLite's AUTOINCREMENT.
    lastId: async () => (await db.one<{ id: number }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS id FROM automa_events_id_seq`))?.id ?? 0,
    firstId: async () => (await db.one<{ id: number | null }>(`SELECT min(id) AS id FROM automa_events`))?.id ?? null,
    prune: (retention, now) =>
      db.transaction(async () => {
        let removed = 0;
        if (retention.maxAgeMs > 0) removed += await db.run(`DELETE FROM automa_events WHERE time < $1 AND ${KEEP}`, [now - retention.maxAgeMs]);
        if (retention.maxCount > 0) {
          removed += await db.run(
            `DELETE FROM automa_events WHERE id <= (SELECT id FROM automa_events ORDER BY id DESC LIMIT 1 OFFSET $1) AND ${KEEP}`,
            [retention.maxCount],
          );
        }
        if (removed > 0) {
          await db.run(`DELETE FROM automa_webhook_deliveries WHERE status <> 'pending' AND event_id NOT IN (SELECT id FROM automa_events)`);
        }
        return removed;
      }),
    onAppended: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const start = async (): Promise<void> => {
    lastHeard = await store.lastId();
    await db.listen(EVENTS_CHANNEL, (payload) => {
      const [id, type, ...subject] = payload.split(' ');
      tell(Number(id), type ?? '', subject.length === 0 ? null : subject.join(' '));
    });
    // Notifications sent while the listening connection was down are gone: replay from the log.
    db.onListenerReconnected(() => {
      void (async () => {
        for (const event of await store.after(lastHeard, 10_000)) tell(event.id, event.type, event.subject);
      })().catch(() => undefined);
    });
  };

  return { store, appendInTx, get, start };
}

function toRecord(row: EventRow): EventRecord {
  return { id: row.id, type: row.type, time: row.time, subject: row.subject, app: row.app, sweep: row.sweep, dataJson: row.data };
}

/**
 * Ids come from a sequence when a row is inserted, but transactions commit in any order: a
 * reader that saw 11 and moved its cursor past 10 would never see 10 if it commits later. So a
 * read stops at the first missing id until it is known to be gone for good: every transaction
 * that was appending events when the gap was seen (it holds a row lock on the log's table from
 * before it draws an id until it ends) has ended, and the id still is not there. Unrelated
 * transactions on the same server, however long, are not waited for.
 */
function createGaplessReader(db: PostgresDatabase, recheck: () => void) {
  /** First missing id → the transactions that may still fill the gap from it. */
  const open = new Map<number, string[]>();
  /** Ids proven never to come (rolled back). */
  const gone = new Set<number>();
  let timer: NodeJS.Timeout | null = null;

  const scheduleRecheck = (): void => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      recheck();
    }, GAP_RECHECK_MS);
    timer.unref();
  };

  /**
   * Transactions appending to the log right now (other than this connection's), by virtual
   * transaction id: a transaction has one from its start, and takes the table's row lock before
   * its insert draws an id.
   */
  const appenders = async (): Promise<string[]> =>
    (
      await db.query<{ tx: string }>(
        `SELECT DISTINCT virtualtransaction AS tx FROM pg_locks
          WHERE locktype = 'relation' AND relation = 'automa_events'::regclass AND mode = 'RowExclusiveLock'
            AND pid <> pg_backend_pid()`,
      )
    ).map((row) => row.tx);

  /** True when the ids from..to are all gone for good; false while some may still come. */
  const closed = async (from: number, to: number): Promise<boolean> => {
    for (let id = from; id <= to && gone.has(id); id++) if (id === to) return true;
    const now = await appenders();
    const waitingOn = open.get(from) ?? now;
    if (waitingOn.some((tx) => now.includes(tx))) {
      open.set(from, waitingOn);
      scheduleRecheck();
      return false;
    }
    // Nobody who could fill it is still appending: what is missing now never comes.
    open.delete(from);
    const found = new Set((await db.query<{ id: number }>(`SELECT id FROM automa_events WHERE id BETWEEN $1 AND $2`, [from, to])).map((r) => r.id));
    for (let id = from; id <= to; id++) if (!found.has(id)) gone.add(id);
    if (gone.size > MAX_GONE_REMEMBERED) for (const id of [...gone].sort((a, b) => a - b).slice(0, gone.size / 2)) gone.delete(id);
    // Rows that became visible meanwhile are read on the next pass.
    return found.size === 0;
  };

  return {
    after: async (afterId: number, limit: number): Promise<EventRecord[]> => {
      for (;;) {
        const rows = await db.query<EventRow>(`SELECT ${COLUMNS} FROM automa_events WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
        const out: EventRecord[] = [];
        let expected = afterId + 1;
        let reread = false;
        for (const row of rows) {
          if (row.id > expected && !(await closed(expected, row.id - 1))) {
            reread = open.get(expected) === undefined && out.length === 0;
            break;
          }
          out.push(toRecord(row));
          expected = row.id + 1;
        }
        // The gap closed with rows in it that this read could not see: read them now.
        if (!reread) return out;
      }
    },
  };
}

/** How soon an open gap is looked at again when nothing else wakes the readers. */
const GAP_RECHECK_MS = 50;
const MAX_GONE_REMEMBERED = 100_000;
