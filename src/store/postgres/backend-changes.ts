import type { BackendChangeStore } from '../backend-types.js';
import type { PostgresDatabase } from './database.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresBackendChangeStore(_db: PostgresDatabase): BackendChangeStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresBackendChangeStore.${String(key)}: not written yet`); } }) as never;
}
