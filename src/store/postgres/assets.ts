import type { AssetStore } from '../api-v2-types.js';
import type { PostgresDatabase } from './database.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresAssetStore(_db: PostgresDatabase): AssetStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresAssetStore.${String(key)}: not written yet`); } }) as never;
}
