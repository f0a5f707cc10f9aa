import type { IdempotencyKeyStore } from '../api-v2-types.js';
import type { PostgresDatabase } from './database.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresIdempotencyKeyStore(_db: PostgresDatabase): IdempotencyKeyStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresIdempotencyKeyStore.${String(key)}: not written yet`); } }) as never;
}
