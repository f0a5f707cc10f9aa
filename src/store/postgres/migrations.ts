import type { PostgresMigration } from './migrate.js';
import { CORE_SQL } from './core-sql.js';
import { AUTOMATION_SQL } from './automation-sql.js';
import { CLUSTER_SQL, PROMPT_NOTIFY_DETAIL_SQL, PROMPT_NOTIFY_SQL } from './cluster-sql.js';

/**
 * PostgreSQL's schema, in order. Its own history, not SQLite's: a PostgreSQL database starts at
 * the current design, so the SQLite migrations that only moved old files forward have no twin.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  // documents, prompts and history, backend files and changes, the event log, v2 assets and keys
  { version: 1, name: 'core', sql: CORE_SQL },
  // webhooks, schedules, apps, runs, sweeps and the triggers that keep runs in step with prompts
  { version: 2, name: 'automation', sql: AUTOMATION_SQL },
  // gateways, backend leases
  { version: 3, name: 'cluster', sql: CLUSTER_SQL },
  // prompt state changes announced to every gateway; global priority numbers
  { version: 4, name: 'prompt_notify', sql: PROMPT_NOTIFY_SQL },
  // prompt changes also carry the number and the state left
  { version: 5, name: 'prompt_notify_detail', sql: PROMPT_NOTIFY_DETAIL_SQL },
];
