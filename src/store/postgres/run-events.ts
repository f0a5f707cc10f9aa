import type { PostgresDatabase } from './database.js';
import type { PostgresEventLog } from './events.js';

// PLACEHOLDER (pg branch only, replaced by helper B before anything lands).
export type PostgresRunEvents = unknown;
export function createPostgresRunEvents(_db: PostgresDatabase, _events: PostgresEventLog): PostgresRunEvents {
  return null;
}
