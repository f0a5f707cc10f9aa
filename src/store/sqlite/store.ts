import path from 'node:path';
import type { Store } from '../types.js';
import { createSqliteAutomaStore } from './automa.js';
import { createSqliteBackendFileStore } from './backend-files.js';
import { createSqliteDocumentStore } from './documents.js';
import { createSqliteBackendChangeStore } from './backend-changes.js';
import { openSqliteDatabase } from './open.js';
import { createSqliteEventLog } from './events.js';
import { createSqliteRunEvents } from './run-events.js';
import { createSqlitePromptStore } from './prompts.js';
import { createSqliteScheduleStore } from './schedules.js';
import { createSqliteWebhookStore } from './webhooks.js';

export const DATABASE_FILE = 'automa.sqlite';

/** The embedded store: one SQLite file, `<dataDir>/automa.sqlite`. */
export function createSqliteStore(options: { dataDir: string }): Store {
  const db = openSqliteDatabase(path.join(options.dataDir, DATABASE_FILE));
  let closed = false;
  const events = createSqliteEventLog(db);
  // First: statements that fire migration 7's triggers (the prompt store's) need its function to exist when prepared.
  const runEvents = createSqliteRunEvents(db, events);
  return {
    documents: createSqliteDocumentStore(db),
    prompts: createSqlitePromptStore(db, events),
    backendChanges: createSqliteBackendChangeStore(db),
    backendFiles: createSqliteBackendFileStore(db),
    automa: createSqliteAutomaStore(db, runEvents),
    events: events.store,
    webhooks: createSqliteWebhookStore(db, events),
    schedules: createSqliteScheduleStore(db),
    ping: async () => {
      if (closed) return false;
      // Taking and releasing the write lock proves the file is writable right now.
      db.exec('BEGIN IMMEDIATE; ROLLBACK');
      return true;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
