import type { RunRow, SweepRow } from '../automa-types.js';
import { toRun as runOf, toSweep as sweepOf, type AppSqlRow, type RunSqlRow, type SweepSqlRow } from '../sqlite/automa-sql.js';

/**
 * Rows of the automa tables as PostgreSQL gives them back. The mapping to the contract's records
 * (exact JSON, field names) is SQLite's, shared rather than copied; only the flags differ here,
 * booleans where SQLite keeps 0/1.
 */
export { RUN_COLUMNS, SWEEP_COLUMNS, decodeCursor, json, pageOf, toApp } from '../sqlite/automa-sql.js';

export type AppPgRow = AppSqlRow;
export type RunPgRow = Omit<RunSqlRow, 'submitted'> & { submitted: boolean };
export type SweepPgRow = Omit<SweepSqlRow, 'cancelled'> & { cancelled: boolean };

export const toRun = (row: RunPgRow): RunRow => runOf({ ...row, submitted: row.submitted ? 1 : 0 });
export const toSweep = (row: SweepPgRow): SweepRow => sweepOf({ ...row, cancelled: row.cancelled ? 1 : 0 });
