import type { DocumentStore } from '../types.js';
import type { PostgresDatabase } from './database.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresDocumentStore(_db: PostgresDatabase): DocumentStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresDocumentStore.${String(key)}: not written yet`); } }) as never;
}
