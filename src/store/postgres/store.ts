import type { Store } from '../types.js';
import { createPostgresAssetStore } from './assets.js';
import { createPostgresAutomaStore } from './automa.js';
import { createPostgresBackendChangeStore } from './backend-changes.js';
import { createPostgresBackendFileStore } from './backend-files.js';
import { createPostgresClusterStore } from './cluster.js';
import { openPostgres, type PostgresDatabase } from './database.js';
import { createPostgresDocumentStore } from './documents.js';
import { createPostgresEventLog } from './events.js';
import { createPostgresIdempotencyKeyStore } from './idempotency-keys.js';
import { migratePostgres } from './migrate.js';
import { createPostgresPromptStore } from './prompts.js';
import { createPostgresRunEvents } from './run-events.js';
import { createPostgresScheduleStore } from './schedules.js';
import { createPostgresWebhookStore } from './webhooks.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  readonly url: string;
  /** Default `public`; tests give each store a schema of its own. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

/** A Store on PostgreSQL, with the database it talks through (the cluster parts use it too). */
export interface PostgresStore extends Store {
  readonly db: PostgresDatabase;
}

/** Connect, migrate, and hand out the same contract as the SQLite store. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const { url, schema } = splitSchema(options.url);
  const db = openPostgres({ ...options, url, ...(options.schema === undefined && schema !== undefined && { schema }) });
  try {
    await migratePostgres(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  let closed = false;
  const events = createPostgresEventLog(db);
  const runEvents = createPostgresRunEvents(db, events);
  await events.start();
  return {
    db,
    documents: createPostgresDocumentStore(db),
    prompts: createPostgresPromptStore(db, events),
    backendChanges: createPostgresBackendChangeStore(db),
    backendFiles: createPostgresBackendFileStore(db),
    automa: createPostgresAutomaStore(db, runEvents),
    events: events.store,
    webhooks: createPostgresWebhookStore(db, events),
    schedules: createPostgresScheduleStore(db),
    assets: createPostgresAssetStore(db),
    idempotencyKeys: createPostgresIdempotencyKeyStore(db),
    cluster: createPostgresClusterStore(db),
    ping: async () => {
      if (closed) return false;
      // A write-capable answer: a standby (read-only) server says false here.
      const row = await db.one<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`);
      return row?.ro === 'off';
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}

/**
 * `?schema=name` on the URL picks the schema (several deployments, or tests, on one database).
 * libpq knows no such parameter, so it is taken off before the URL reaches the driver.
 */
export function splitSchema(text: string): { url: string; schema?: string } {
  const url = new URL(text);
  const schema = url.searchParams.get('schema');
  if (schema === null) return { url: text };
  url.searchParams.delete('schema');
  return { url: url.toString(), ...(schema !== '' && { schema }) };
}
