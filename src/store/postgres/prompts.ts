import type { PromptStore } from '../prompt-types.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresEventLog } from './events.js';

// PLACEHOLDER (pg branch only, replaced by helper B before anything lands).
export function createPostgresPromptStore(_db: PostgresDatabase, _events: PostgresEventLog): PromptStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresPromptStore.${String(key)}: not written yet`); } }) as never;
}
