import type { ScheduleStore } from '../schedule-types.js';
import type { PostgresDatabase } from './database.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresScheduleStore(_db: PostgresDatabase): ScheduleStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresScheduleStore.${String(key)}: not written yet`); } }) as never;
}
