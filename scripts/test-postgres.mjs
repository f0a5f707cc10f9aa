#!/usr/bin/env node
// `npm run test:postgres [files…]`: the suite again with every test app's tables in PostgreSQL
// (AUTOMA_TEST_DATABASE=postgres; test/helpers/app.ts gives each data dir a schema). Finds or
// starts the server through scripts/start-postgres.sh, and drops the schemas earlier runs left.
import { execFileSync, spawn } from 'node:child_process';
import pg from 'pg';

const server = process.env.AUTOMA_TEST_POSTGRES_URL || execFileSync('bash', ['scripts/start-postgres.sh'], { encoding: 'utf8' }).trim();
// A database of its own: dropping its leftover schemas cannot touch another run's tests.
const url = new URL(server);
url.pathname = '/automa_suite';
const admin = new pg.Client({ connectionString: server });
await admin.connect();
const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'automa_suite'`);
if (exists.rowCount === 0) await admin.query('CREATE DATABASE automa_suite');
await admin.end();
const client = new pg.Client({ connectionString: url.toString() });
await client.connect();
const { rows } = await client.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'`);
for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
await client.end();
console.log(`PostgreSQL at ${url.toString()}; dropped ${rows.length} schemas of earlier runs`);

const child = spawn(process.execPath, ['scripts/test.mjs', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, AUTOMA_TEST_DATABASE: 'postgres', AUTOMA_TEST_POSTGRES_URL: url.toString() },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
