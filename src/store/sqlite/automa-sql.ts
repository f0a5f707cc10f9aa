import { badRequest } from '../../errors.js';
import { parseExactJson, stringifyExactJson } from '../../json.js';
import type { AppRow, RunRow, StoredRunStatus, SweepRow } from '../automa-types.js';

export const RUN_COLUMNS = `seq, id, app_id, sweep_id, cell, coords, prompt_id, client_id, inputs, pending_prompt, status, submitted,
  backend, error, outputs, exec_status, attempt, create_time, start_time, end_time`;

export const SWEEP_COLUMNS = 'seq, id, app_id, name, body, count, cancelled, create_time';

export interface RunSqlRow {
  seq: number;
  id: string;
  app_id: string;
  sweep_id: string | null;
  cell: number | null;
  coords: string | null;
  prompt_id: string;
  client_id: string | null;
  inputs: string;
  pending_prompt: string | null;
  status: string;
  submitted: number;
  backend: string | null;
  error: string | null;
  outputs: string | null;
  exec_status: string | null;
  attempt: number;
  create_time: number;
  start_time: number | null;
  end_time: number | null;
}

const parsed = (text: string | null): unknown => (text === null ? null : parseExactJson(text));

export function toRun(row: RunSqlRow): RunRow {
  return {
    seq: row.seq,
    id: row.id,
    appId: row.app_id,
    sweepId: row.sweep_id,
    cell: row.cell,
    coords: parsed(row.coords) as Record<string, unknown> | null,
    promptId: row.prompt_id,
    clientId: row.client_id,
    inputs: parsed(row.inputs) as Record<string, unknown>,
    prompt: parsed(row.pending_prompt) as Record<string, unknown> | null,
    status: row.status as StoredRunStatus,
    submitted: row.submitted === 1,
    backend: row.backend,
    error: row.error,
    outputs: parsed(row.outputs),
    execStatus: parsed(row.exec_status),
    attempt: row.attempt,
    createTime: row.create_time,
    startTime: row.start_time,
    endTime: row.end_time,
  };
}

export const json = (value: unknown): string | null => (value === null || value === undefined ? null : stringifyExactJson(value));

export interface AppSqlRow {
  seq: number;
  id: string;
  name: string;
  body: string;
  create_time: string;
  update_time: string;
}

export function toApp(row: AppSqlRow): AppRow {
  return { id: row.id, name: row.name, body: parseExactJson(row.body) as Record<string, unknown>, createTime: row.create_time, updateTime: row.update_time };
}

export interface SweepSqlRow {
  seq: number;
  id: string;
  app_id: string;
  name: string | null;
  body: string;
  count: number;
  cancelled: number;
  create_time: number;
}

export function toSweep(row: SweepSqlRow): SweepRow {
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    body: parseExactJson(row.body) as Record<string, unknown>,
    count: row.count,
    cancelled: row.cancelled === 1,
    createTime: row.create_time,
  };
}

/** Opaque page cursors: the seq of the last item served. */
export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof value.s === 'number' && Number.isInteger(value.s)) return value.s;
  } catch {
    // fall through
  }
  throw badRequest('Invalid cursor', 'pass next_cursor from a previous page unchanged');
}

/** Newest first; `limit + 1` rows were read to know whether another page follows. */
export function pageOf<R extends { seq: number }, T>(rows: readonly R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: more && last !== undefined ? encodeCursor(last.seq) : null };
}
