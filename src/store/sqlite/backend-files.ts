import type { BackendFileKey, BackendFileStore } from '../backend-file-types.js';
import type { SqliteDatabase } from './database.js';

/** backend_files rows (migration 3): one per backend, folder and name. */
export function createSqliteBackendFileStore(db: SqliteDatabase, now: () => number = Date.now): BackendFileStore {
  const select = db.prepare<[string, string, string, string], { sha256: string }>(
    'SELECT sha256 FROM backend_files WHERE backend = ? AND type = ? AND subfolder = ? AND name = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO backend_files (backend, type, subfolder, name, sha256, update_time) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (backend, type, subfolder, name) DO UPDATE SET sha256 = excluded.sha256, update_time = excluded.update_time`,
  );
  const removeBackend = db.prepare('DELETE FROM backend_files WHERE backend = ?');
  const args = (key: BackendFileKey) => [key.backend, key.type, key.subfolder, key.name] as const;
  return {
    get: async (key) => select.get(...args(key))?.sha256,
    put: async (key, sha256) => {
      upsert.run(...args(key), sha256, now());
    },
    forgetBackend: async (backend) => removeBackend.run(backend).changes,
  };
}
