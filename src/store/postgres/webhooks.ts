import type { WebhookStore } from '../webhook-types.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresEventLog } from './events.js';

// PLACEHOLDER (pg branch only, replaced by helper A before anything lands).
export function createPostgresWebhookStore(_db: PostgresDatabase, _events: PostgresEventLog): WebhookStore {
  return new Proxy({}, { get: (_t, key) => () => { throw new Error(`createPostgresWebhookStore.${String(key)}: not written yet`); } }) as never;
}
