import type { BackendChange, BackendChangeStore } from '../backend-types.js';
import type { SqliteDatabase } from './database.js';

interface ChangeRow {
  name: string;
  url: string | null;
  draining: number;
  removed: number;
}

/** Runtime pool changes as one row per backend name. */
export function createSqliteBackendChangeStore(db: SqliteDatabase): BackendChangeStore {
  const all = db.prepare<[], ChangeRow>('SELECT name, url, draining, removed FROM backend_changes ORDER BY rowid');
  const upsert = db.prepare(
    `INSERT INTO backend_changes (name, url, draining, removed) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET url = excluded.url, draining = excluded.draining, removed = excluded.removed`,
  );
  return {
    list: async () =>
      all.all().map((row): BackendChange => ({ name: row.name, url: row.url, draining: row.draining === 1, removed: row.removed === 1 })),
    save: async (change) => void upsert.run(change.name, change.url, change.draining ? 1 : 0, change.removed ? 1 : 0),
  };
}
