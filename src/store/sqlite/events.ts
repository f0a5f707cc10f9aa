import type { EventAppendedListener, EventRecord, EventStore, NewEvent } from '../event-types.js';
import { stringifyExactJson } from '../../json.js';
import type { SqliteDatabase } from './database.js';

interface EventRow {
  id: number;
  type: string;
  time: number;
  subject: string | null;
  app: string | null;
  sweep: string | null;
  data: string;
}

/** The store's own handle on the log: `appendSync` joins whatever transaction is open. */
export interface SqliteEventLog {
  readonly store: EventStore;
  /** Append inside the caller's transaction (the outbox write); returns the new id, or null when the log declined it (a workflow run's `prompt.*`). */
  appendSync(event: NewEvent, time?: number): number | null;
  getSync(id: number): EventRecord | undefined;
}

const COLUMNS = 'id, type, time, subject, app, sweep, data';

/**
 * The event log on the store's one connection. The `automa_event_appended` SQL function, called by
 * the log's insert trigger, is how listeners hear of every append, including appends made by other
 * tables' triggers that no JS code sees.
 */
export function createSqliteEventLog(db: SqliteDatabase): SqliteEventLog {
  const listeners = new Set<EventAppendedListener>();
  db.raw.function('automa_event_appended', { deterministic: false }, (id, type, subject) => {
    for (const listener of listeners) listener(Number(id), String(type), subject === null ? null : String(subject));
    return null;
  });
  const insert = db.prepare<[string, number, string | null, string | null, string | null, string], { id: number }>(
    `INSERT INTO automa_events (type, time, subject, app, sweep, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  // `LIMIT ? + 0`: a bare bound LIMIT makes SQLite re-prepare the statement on every rebind (see prompts.ts).
  const after = db.prepare<[number, number], EventRow>(`SELECT ${COLUMNS} FROM automa_events WHERE id > ? ORDER BY id LIMIT ? + 0`);
  const getOne = db.prepare<[number], EventRow>(`SELECT ${COLUMNS} FROM automa_events WHERE id = ?`);
  const lastId = db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'automa_events'`);
  const firstId = db.prepare<[], { id: number | null }>(`SELECT min(id) AS id FROM automa_events`);
  // Events a pending delivery still needs are kept whatever their age.
  const KEEP = `id NOT IN (SELECT event_id FROM automa_webhook_deliveries WHERE status = 'pending')`;
  const pruneOld = db.prepare(`DELETE FROM automa_events WHERE time < ? AND ${KEEP}`);
  const pruneBeyond = db.prepare(
    `DELETE FROM automa_events WHERE id <= (SELECT id FROM automa_events ORDER BY id DESC LIMIT 1 OFFSET ?) AND ${KEEP}`,
  );
  const pruneDeliveries = db.prepare(
    `DELETE FROM automa_webhook_deliveries WHERE status <> 'pending' AND event_id NOT IN (SELECT id FROM automa_events)`,
  );

  // Exact: a run's inputs may hold a seed past 2^53. No row back: a BEFORE INSERT trigger declined it (migration 7).
  const appendSync = (event: NewEvent, time = Date.now()): number | null =>
    insert.get(event.type, time, event.subject, event.app ?? null, event.sweep ?? null, stringifyExactJson(event.data))?.id ?? null;

  const getSync = (id: number): EventRecord | undefined => {
    const row = getOne.get(id);
    return row === undefined ? undefined : toRecord(row);
  };

  const store: EventStore = {
    append: async (event) => db.transaction(() => appendSync(event)),
    after: async (afterId, limit) => after.all(afterId, limit).map(toRecord),
    get: async (id) => getSync(id),
    lastId: async () => lastId.get()?.seq ?? 0,
    firstId: async () => firstId.get()?.id ?? null,
    prune: async (retention, now) =>
      db.transaction(() => {
        let removed = 0;
        if (retention.maxAgeMs > 0) removed += pruneOld.run(now - retention.maxAgeMs).changes;
        if (retention.maxCount > 0) removed += pruneBeyond.run(retention.maxCount).changes;
        if (removed > 0) pruneDeliveries.run();
        return removed;
      }, 'immediate'),
    onAppended: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { store, appendSync, getSync };
}

function toRecord(row: EventRow): EventRecord {
  return { id: row.id, type: row.type, time: row.time, subject: row.subject, app: row.app, sweep: row.sweep, dataJson: row.data };
}
