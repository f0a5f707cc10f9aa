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
    const row = await db.one<{ id: number }>(
      `INSERT INTO automa_events (type, time, subject, app, sweep, data) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
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

  const store: EventStore = {
    append: (event) => db.transaction(() => appendInTx(event)),
    after: async (afterId, limit) =>
      (await db.query<EventRow>(`SELECT ${COLUMNS} FROM automa_events WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])).map(toRecord),
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
