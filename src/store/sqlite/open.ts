import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type SqliteDatabase } from './database.js';
import { MIGRATIONS } from './migrations.js';

export type { SqliteDatabase } from './database.js';

/**
 * Open (creating if needed) the service's SQLite file and bring its schema up to date.
 * WAL + synchronous=NORMAL: a committed transaction is in the WAL file before the call returns,
 * so a killed process (kill -9) loses nothing acknowledged; only an OS crash or power cut could
 * lose the last commits, which FULL would guard at ~3.6× the cost per write (STACK.md).
 */
export function openSqliteDatabase(file: string): SqliteDatabase {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = openDatabase(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = Number(db.pragmaValue('user_version'));
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    }, 'immediate');
  }
}
