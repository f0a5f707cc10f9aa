import type { BackendChange, BackendChangeStore } from '../backend-types.js';
import type { PostgresDatabase } from './database.js';

interface ChangeRow {
  name: string;
  url: string | null;
  draining: boolean;
  removed: boolean;
}

/** Runtime pool changes as one row per backend name, listed in the order the names first appeared (SQLite's rowid). */
export function createPostgresBackendChangeStore(db: PostgresDatabase): BackendChangeStore {
  return {
    list: async () =>
      (await db.query<ChangeRow>(`SELECT name, url, draining, removed FROM backend_changes ORDER BY seq`)).map(
        (row): BackendChange => ({ name: row.name, url: row.url, draining: row.draining, removed: row.removed }),
      ),
    save: async (change) =>
      void (await db.run(
        `INSERT INTO backend_changes (name, url, draining, removed) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET url = excluded.url, draining = excluded.draining, removed = excluded.removed`,
        [change.name, change.url, change.draining, change.removed],
      )),
  };
}
