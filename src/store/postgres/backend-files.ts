import type { BackendFileKey, BackendFileStore } from '../backend-file-types.js';
import type { PostgresDatabase } from './database.js';

/** backend_files rows: one per backend, folder and name. */
export function createPostgresBackendFileStore(db: PostgresDatabase, now: () => number = Date.now): BackendFileStore {
  const args = (key: BackendFileKey) => [key.backend, key.type, key.subfolder, key.name] as const;
  return {
    get: async (key) =>
      (await db.one<{ sha256: string }>(`SELECT sha256 FROM backend_files WHERE backend = $1 AND type = $2 AND subfolder = $3 AND name = $4`, args(key)))
        ?.sha256,
    put: async (key, sha256) => {
      await db.run(
        `INSERT INTO backend_files (backend, type, subfolder, name, sha256, update_time) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (backend, type, subfolder, name) DO UPDATE SET sha256 = excluded.sha256, update_time = excluded.update_time`,
        [...args(key), sha256, now()],
      );
    },
    forgetBackend: (backend) => db.run(`DELETE FROM backend_files WHERE backend = $1`, [backend]),
  };
}
