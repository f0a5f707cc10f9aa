import type { AutomaStore } from '../automa-types.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresRunEvents } from './run-events.js';

// PLACEHOLDER (pg branch only, replaced by helper B before anything lands).
export function createPostgresAutomaStore(_db: PostgresDatabase, _runEvents: PostgresRunEvents): AutomaStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresAutomaStore.${String(key)}: not written yet`); } }) as never;
}
