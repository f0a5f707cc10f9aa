import path from 'node:path';
import type { Store } from '../types.js';
import { createSqliteAssetStore } from './assets.js';
import { createSqliteBackendFileStore } from './backend-files.js';
import { createSqliteDocumentStore } from './documents.js';
import { createSqliteIdempotencyKeyStore } from './idempotency-keys.js';
import { createSqliteBackendChangeStore } from './backend-changes.js';
import { openSqliteDatabase } from './open.js';
import { createSqlitePromptStore } from './prompts.js';

export const DATABASE_FILE = 'automa.sqlite';

/** The embedded store: one SQLite file, `<dataDir>/automa.sqlite`. */
export function createSqliteStore(options: { dataDir: string }): Store {
  const db = openSqliteDatabase(path.join(options.dataDir, DATABASE_FILE));
  let closed = false;
  return {
    documents: createSqliteDocumentStore(db),
    prompts: createSqlitePromptStore(db),
    backendChanges: createSqliteBackendChangeStore(db),
    backendFiles: createSqliteBackendFileStore(db),
    assets: createSqliteAssetStore(db),
    idempotencyKeys: createSqliteIdempotencyKeyStore(db),
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
