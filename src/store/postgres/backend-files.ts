import type { BackendFileStore } from '../backend-file-types.js';
import type { PostgresDatabase } from './database.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresBackendFileStore(_db: PostgresDatabase): BackendFileStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresBackendFileStore.${String(key)}: not written yet`); } }) as never;
}
