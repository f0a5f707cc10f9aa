import { conflict } from '../../errors.js';
import { IDEMPOTENCY_TTL_MS } from '../automa-types.js';
import type { AppSqlRow, RunSqlRow, SweepSqlRow } from './automa-sql.js';
import { decodeCursor, json, pageOf, RUN_COLUMNS, SWEEP_COLUMNS, toApp, toRun, toSweep } from './automa-sql.js';
import type { SqliteDatabase, SqlValue } from './database.js';
import type { SqliteRunEvents } from './run-events.js';
import type { AutomaStore, IdempotentAnswer, NewRun, RunQuery, RunRow, StoredRunStatus } from '../automa-types.js';

const now = (): string => new Date().toISOString();

/** Apps, runs, sweeps and Idempotency-Key answers in the service's SQLite file; `runEvents` appends their events. */
export function createSqliteAutomaStore(db: SqliteDatabase, runEvents: SqliteRunEvents): AutomaStore {
  const insertApp = db.prepare('INSERT INTO automa_apps (id, name, body, create_time, update_time) VALUES (?, ?, ?, ?, ?) RETURNING *');
  const getApp = db.prepare('SELECT * FROM automa_apps WHERE id = ?');
  const updateApp = db.prepare(
    'UPDATE automa_apps SET name = coalesce(?, name), body = coalesce(?, body), update_time = ? WHERE id = ? RETURNING *',
  );
  const deleteApp = db.prepare('DELETE FROM automa_apps WHERE id = ?');
  const insertRun = db.prepare(
    `INSERT INTO automa_runs (id, app_id, sweep_id, cell, coords, prompt_id, client_id, inputs, pending_prompt, create_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const getRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE id = ?`);
  const deleteRun = db.prepare('DELETE FROM automa_runs WHERE id = ? RETURNING prompt_id');
  const unsubmitted = db.prepare(
    `SELECT ${RUN_COLUMNS} FROM automa_runs WHERE submitted = 0 AND status = 'queued' AND seq > ? ORDER BY seq LIMIT ? + 0`,
  );
  const failRun = db.prepare(`UPDATE automa_runs SET status = 'failed', submitted = 1, pending_prompt = NULL, error = ?, end_time = ? WHERE id = ? AND submitted = 0`);
  const cancelRun = db.prepare(`UPDATE automa_runs SET status = 'cancelled', pending_prompt = NULL, end_time = ? WHERE id = ? AND submitted = 0 AND status = 'queued'`);
  const insertSweep = db.prepare('INSERT INTO automa_sweeps (id, app_id, name, body, count, create_time) VALUES (?, ?, ?, ?, ?, ?)');
  const getSweep = db.prepare(`SELECT ${SWEEP_COLUMNS} FROM automa_sweeps WHERE id = ?`);
  const sweepRuns = db.prepare(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE sweep_id = ? ORDER BY cell`);
  const cancelSweep = db.prepare('UPDATE automa_sweeps SET cancelled = 1 WHERE id = ?');
  const cancelSweepRuns = db.prepare(
    `UPDATE automa_runs SET status = 'cancelled', end_time = ? WHERE sweep_id = ? AND submitted = 0 AND status = 'queued'`,
  );
  const liveSweepRuns = db.prepare(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE sweep_id = ? AND submitted = 1 AND status = 'queued' ORDER BY cell`);
  const retryRun = db.prepare(
    `UPDATE automa_runs SET prompt_id = ?, status = 'queued', submitted = 0, backend = NULL, error = NULL, outputs = NULL,
       exec_status = NULL, start_time = NULL, end_time = NULL, attempt = attempt + 1 WHERE id = ?`,
  );
  const uncancelSweep = db.prepare('UPDATE automa_sweeps SET cancelled = 0 WHERE id = ?');
  const insertAnswer = db.prepare(
    `INSERT INTO automa_idempotency (scope, key, body_hash, status, response, create_time) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (scope, key) DO UPDATE SET body_hash = excluded.body_hash, status = excluded.status, response = excluded.response,
       create_time = excluded.create_time WHERE create_time < ?`,
  );
  const getAnswer = db.prepare('SELECT scope, key, body_hash, status, response, create_time FROM automa_idempotency WHERE scope = ? AND key = ? AND create_time >= ?');
  const deleteAnswerFor = db.prepare(`DELETE FROM automa_idempotency WHERE json_extract(response, '$.id') = ?`);
  const pruneAnswers = db.prepare('DELETE FROM automa_idempotency WHERE create_time < ?');

  const addRun = (run: NewRun): void => {
    insertRun.run(run.id, run.appId, run.sweepId, run.cell, json(run.coords), run.promptId, run.clientId, json(run.inputs), json(run.prompt), run.createTime);
  };
  const addAnswer = (answer: IdempotentAnswer | undefined): void => {
    if (answer === undefined) return;
    // A live answer under this key means a concurrent request with it won: this one rolls back.
    const expired = answer.createTime - IDEMPOTENCY_TTL_MS;
    const changes = insertAnswer.run(answer.scope, answer.key, answer.bodyHash, answer.status, JSON.stringify(answer.response), answer.createTime, expired).changes;
    if (Number(changes) === 0) throw conflict('Another request with this Idempotency-Key was answered first', answer.key);
  };
  const runById = (id: string): RunRow | undefined => {
    const row = getRun.get(id) as RunSqlRow | undefined;
    return row ? toRun(row) : undefined;
  };

  return {
    useEventViews: (views) => runEvents.useViews(views),
    appendLiveRunEvent: async (promptId, type, data) => runEvents.appendLive(promptId, type, data),
    createApp: async (app) => {
      const time = now();
      return toApp(insertApp.get(app.id, app.name, JSON.stringify(app.body), time, time) as AppSqlRow);
    },
    getApp: async (id) => {
      const row = getApp.get(id) as AppSqlRow | undefined;
      return row ? toApp(row) : undefined;
    },
    listApps: async ({ limit, cursor }) => {
      const rows = (cursor === undefined
        ? db.prepare('SELECT * FROM automa_apps ORDER BY seq DESC LIMIT ? + 0').all(limit + 1)
        : db.prepare('SELECT * FROM automa_apps WHERE seq < ? ORDER BY seq DESC LIMIT ? + 0').all(decodeCursor(cursor), limit + 1)) as AppSqlRow[];
      return pageOf(rows, limit, toApp);
    },
    updateApp: async (id, change) => {
      const row = updateApp.get(change.name ?? null, change.body === undefined ? null : JSON.stringify(change.body), now(), id) as AppSqlRow | undefined;
      return row ? toApp(row) : undefined;
    },
    deleteApp: async (id) => Number(deleteApp.run(id).changes) > 0,

    createRun: async (run, answer) =>
      db.transaction(() => {
        addRun(run);
        addAnswer(answer);
        return runById(run.id) as RunRow;
      }, 'immediate'),
    deleteRun: async (id) =>
      void db.transaction(() => {
        if (deleteRun.get(id) !== undefined) deleteAnswerFor.run(id);
      }, 'immediate'),
    getRun: async (id) => runById(id),
    listRuns: async (query) => listRuns(db, query),
    unsubmitted: async (afterSeq, limit) => (unsubmitted.all(afterSeq, limit) as RunSqlRow[]).map(toRun),
    failRun: async (id, error) => void db.transaction(() => failRun.run(error, Date.now(), id), 'immediate'),
    cancelUnsubmitted: async (ids) => {
      const time = Date.now();
      return db.transaction(() => ids.filter((id) => Number(cancelRun.run(time, id).changes) > 0), 'immediate');
    },

    createSweep: async (sweep, runs, answer) =>
      db.transaction(() => {
        insertSweep.run(sweep.id, sweep.appId, sweep.name, JSON.stringify(sweep.body), sweep.count, sweep.createTime);
        for (const run of runs) addRun(run);
        addAnswer(answer);
        return { ...sweep, cancelled: false };
      }, 'immediate'),
    getSweep: async (id) => {
      const row = getSweep.get(id) as SweepSqlRow | undefined;
      return row ? toSweep(row) : undefined;
    },
    listSweeps: async ({ appId, limit, cursor }) => {
      const where = [...(appId === undefined ? [] : ['app_id = ?']), ...(cursor === undefined ? [] : ['seq < ?'])];
      const params = [...(appId === undefined ? [] : [appId]), ...(cursor === undefined ? [] : [decodeCursor(cursor)])];
      const sql = `SELECT ${SWEEP_COLUMNS} FROM automa_sweeps ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ? + 0`;
      return pageOf(db.prepare(sql).all(...params, limit + 1) as SweepSqlRow[], limit, toSweep);
    },
    sweepRuns: async (sweepId) => (sweepRuns.all(sweepId) as RunSqlRow[]).map(toRun),
    cancelSweep: async (id) =>
      db.transaction(() => {
        cancelSweep.run(id);
        cancelSweepRuns.run(Date.now(), id);
        return (liveSweepRuns.all(id) as RunSqlRow[]).map(toRun);
      }, 'immediate'),
    retrySweep: async (id, statuses, newPromptId) =>
      db.transaction(() => {
        const runs = (sweepRuns.all(id) as RunSqlRow[]).filter((row) => statuses.includes(row.status as StoredRunStatus));
        for (const run of runs) retryRun.run(newPromptId(), run.id);
        if (runs.length > 0) uncancelSweep.run(id);
        return runs.map((run) => runById(run.id) as RunRow);
      }, 'immediate'),

    findAnswer: async (scope, key, since) => {
      const row = getAnswer.get(scope, key, since) as
        | { scope: string; key: string; body_hash: string; status: number; response: string; create_time: number }
        | undefined;
      return row
        ? { scope: row.scope, key: row.key, bodyHash: row.body_hash, status: row.status, response: JSON.parse(row.response) as Record<string, unknown>, createTime: row.create_time }
        : undefined;
    },
    pruneAnswers: async (before) => Number(pruneAnswers.run(before).changes),
  };
}

function listRuns(db: SqliteDatabase, query: RunQuery): { items: RunRow[]; nextCursor: string | null } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.appId !== undefined) where.push('app_id = ?') && params.push(query.appId);
  if (query.sweepId !== undefined) where.push('sweep_id = ?') && params.push(query.sweepId);
  if (query.statuses !== undefined) {
    where.push(`status IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(query.statuses));
  }
  if (query.promptIdsIn !== undefined) {
    where.push(`prompt_id ${query.promptIdsIn.inside ? '' : 'NOT '}IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(query.promptIdsIn.ids));
  }
  if (query.cursor !== undefined) where.push('seq < ?') && params.push(decodeCursor(query.cursor));
  const sql = `SELECT ${RUN_COLUMNS} FROM automa_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ? + 0`;
  return pageOf(db.prepare(sql).all(...params, query.limit + 1) as RunSqlRow[], query.limit, toRun);
}
