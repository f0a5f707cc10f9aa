import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';

let resolved: string | undefined;

/**
 * The PostgreSQL the tests use: AUTOMA_TEST_POSTGRES_URL when set, else the local server, which
 * scripts/start-postgres.sh starts (or installs) when it does not answer. Never a silent skip:
 * if none can be had, the test fails saying why.
 */
export function postgresUrl(): string {
  if (resolved !== undefined) return resolved;
  const fromEnv = process.env.AUTOMA_TEST_POSTGRES_URL;
  resolved = fromEnv !== undefined && fromEnv !== '' ? fromEnv : execFileSync('bash', ['scripts/start-postgres.sh'], { encoding: 'utf8' }).trim();
  return resolved;
}

/** A schema of the test's own (dropped after it), so tests run side by side on one database. */
export function testSchema(t: Pick<TestContext, 'after'>): { url: string; schema: string } {
  const url = postgresUrl();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  t.after(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // A gateway process the test failed to stop could hold a lock: never wait on it for long.
      await client.query(`SET lock_timeout = '10s'`);
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } catch {
      // Left behind; npm run test:postgres drops leftovers of its own database.
    } finally {
      await client.end();
    }
  });
  return { url, schema };
}

/** Which store the in-process suite runs on: AUTOMA_TEST_DATABASE=postgres moves it to PostgreSQL. */
export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return process.env.AUTOMA_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}
