import type { PostgresDatabase } from './database.js';
import { quoteIdent } from './database.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Bring the schema up to date. Gateways sharing a database start at the same time: an advisory
 * lock (held for the migration's transaction) lets one migrate while the others wait, then find
 * nothing left to do. Each migration commits with its version row, so a crash leaves no half schema.
 */
export async function migratePostgres(db: PostgresDatabase): Promise<void> {
  await db.transaction(async () => {
    // IF NOT EXISTS alone still races (two creators, one unique violation): take the lock first.
    await db.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${db.schema}.automa_migrations`]);
    await db.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db.schema)}`);
    await db.run(`CREATE TABLE IF NOT EXISTS automa_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  for (const migration of POSTGRES_MIGRATIONS) {
    await db.transaction(async () => {
      await db.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${db.schema}.automa_migrations`]);
      const done = await db.one(`SELECT 1 FROM automa_migrations WHERE version = $1`, [migration.version]);
      if (done) return;
      await db.query(migration.sql);
      await db.run(`INSERT INTO automa_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    });
  }
}
