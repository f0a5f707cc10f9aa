import { conflict } from '../../errors.js';
import { IDEMPOTENCY_TTL_MS } from '../automa-types.js';
import type { AutomaStore, IdempotentAnswer, NewRun, RunQuery, RunRow, StoredRunStatus } from '../automa-types.js';
import type { AppPgRow, RunPgRow, SweepPgRow } from './automa-rows.js';
import { decodeCursor, json, pageOf, RUN_COLUMNS, SWEEP_COLUMNS, toApp, toRun, toSweep } from './automa-rows.js';
import type { PgValue, PostgresDatabase } from './database.js';
import type { PostgresRunEvents } from './run-events.js';

const now = (): string => new Date().toISOString();

interface AnswerPgRow {
  scope: string;
  key: string;
  body_hash: string;
  status: number;
  response: string;
  create_time: number;
}

/**
 * Apps, runs, sweeps and Idempotency-Key answers in PostgreSQL; `runEvents` appends their events.
 * Every write that can change a run's status is a transaction, so its event commits with it.
 */
export function createPostgresAutomaStore(db: PostgresDatabase, runEvents: PostgresRunEvents): AutomaStore {
  const addRun = async (run: NewRun): Promise<void> => {
    await db.run(
      `INSERT INTO automa_runs (id, app_id, sweep_id, cell, coords, prompt_id, client_id, inputs, pending_prompt, create_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [run.id, run.appId, run.sweepId, run.cell, json(run.coords), run.promptId, run.clientId, json(run.inputs), json(run.prompt), run.createTime],
    );
  };
  const addAnswer = async (answer: IdempotentAnswer | undefined): Promise<void> => {
    if (answer === undefined) return;
    // A live answer under this key means a concurrent request with it won: this one rolls back.
    const expired = answer.createTime - IDEMPOTENCY_TTL_MS;
    const changes = await db.run(
      `INSERT INTO automa_idempotency (scope, key, body_hash, status, response, create_time) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (scope, key) DO UPDATE SET body_hash = excluded.body_hash, status = excluded.status, response = excluded.response,
         create_time = excluded.create_time WHERE automa_idempotency.create_time < $7`,
      [answer.scope, answer.key, answer.bodyHash, answer.status, JSON.stringify(answer.response), answer.createTime, expired],
    );
    if (changes === 0) throw conflict('Another request with this Idempotency-Key was answered first', answer.key);
  };
  /** The answers that created run `id` (response.id), matched in JS: PostgreSQL's json refuses some text JSON allows. */
  const deleteAnswersFor = async (id: string): Promise<void> => {
    const candidates = await db.query<{ scope: string; key: string; response: string }>(
      `SELECT scope, key, response FROM automa_idempotency WHERE strpos(response, $1) > 0`,
      [id],
    );
    for (const row of candidates) {
      if ((JSON.parse(row.response) as { id?: unknown }).id === id) {
        await db.run('DELETE FROM automa_idempotency WHERE scope = $1 AND key = $2', [row.scope, row.key]);
      }
    }
  };
  const runById = async (id: string): Promise<RunRow | undefined> => {
    const row = await db.one<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE id = $1`, [id]);
    return row ? toRun(row) : undefined;
  };
  const sweepRuns = async (sweepId: string): Promise<RunRow[]> =>
    (await db.query<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE sweep_id = $1 ORDER BY cell`, [sweepId])).map(toRun);

  return {
    useEventViews: (views) => runEvents.useViews(views),
    appendLiveRunEvent: (promptId, type, data) => runEvents.appendLive(promptId, type, data),
    createApp: async (app) => {
      const time = now();
      const row = await db.one<AppPgRow>(
        'INSERT INTO automa_apps (id, name, body, create_time, update_time) VALUES ($1, $2, $3, $4, $5) RETURNING *',
        [app.id, app.name, JSON.stringify(app.body), time, time],
      );
      return toApp(row as AppPgRow);
    },
    getApp: async (id) => {
      const row = await db.one<AppPgRow>('SELECT * FROM automa_apps WHERE id = $1', [id]);
      return row ? toApp(row) : undefined;
    },
    listApps: async ({ limit, cursor }) => {
      const rows =
        cursor === undefined
          ? await db.query<AppPgRow>('SELECT * FROM automa_apps ORDER BY seq DESC LIMIT $1', [limit + 1])
          : await db.query<AppPgRow>('SELECT * FROM automa_apps WHERE seq < $1 ORDER BY seq DESC LIMIT $2', [decodeCursor(cursor), limit + 1]);
      return pageOf(rows, limit, toApp);
    },
    updateApp: async (id, change) => {
      const row = await db.one<AppPgRow>(
        'UPDATE automa_apps SET name = coalesce($1, name), body = coalesce($2, body), update_time = $3 WHERE id = $4 RETURNING *',
        [change.name ?? null, change.body === undefined ? null : JSON.stringify(change.body), now(), id],
      );
      return row ? toApp(row) : undefined;
    },
    deleteApp: async (id) => (await db.run('DELETE FROM automa_apps WHERE id = $1', [id])) > 0,

    createRun: (run, answer) =>
      db.transaction(async () => {
        await addRun(run);
        await addAnswer(answer);
        return (await runById(run.id)) as RunRow;
      }),
    deleteRun: async (id) => {
      await db.transaction(async () => {
        if ((await db.run('DELETE FROM automa_runs WHERE id = $1', [id])) > 0) await deleteAnswersFor(id);
      });
    },
    getRun: (id) => runById(id),
    listRuns: (query) => listRuns(db, query),
    unsubmitted: async (afterSeq, limit) =>
      (
        await db.query<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE NOT submitted AND status = 'queued' AND seq > $1 ORDER BY seq LIMIT $2`, [
          afterSeq,
          limit,
        ])
      ).map(toRun),
    failRun: async (id, error) => {
      await db.transaction(() =>
        db.run(`UPDATE automa_runs SET status = 'failed', submitted = true, pending_prompt = NULL, error = $1, end_time = $2 WHERE id = $3 AND NOT submitted`, [
          error,
          Date.now(),
          id,
        ]),
      );
    },
    cancelUnsubmitted: (ids) => {
      const time = Date.now();
      return db.transaction(async () => {
        const changed: string[] = [];
        for (const id of ids) {
          const n = await db.run(
            `UPDATE automa_runs SET status = 'cancelled', pending_prompt = NULL, end_time = $1 WHERE id = $2 AND NOT submitted AND status = 'queued'`,
            [time, id],
          );
          if (n > 0) changed.push(id);
        }
        return changed;
      });
    },

    createSweep: (sweep, runs, answer) =>
      db.transaction(async () => {
        await db.run('INSERT INTO automa_sweeps (id, app_id, name, body, count, create_time) VALUES ($1, $2, $3, $4, $5, $6)', [
          sweep.id,
          sweep.appId,
          sweep.name,
          JSON.stringify(sweep.body),
          sweep.count,
          sweep.createTime,
        ]);
        for (const run of runs) await addRun(run);
        await addAnswer(answer);
        return { ...sweep, cancelled: false };
      }),
    getSweep: async (id) => {
      const row = await db.one<SweepPgRow>(`SELECT ${SWEEP_COLUMNS} FROM automa_sweeps WHERE id = $1`, [id]);
      return row ? toSweep(row) : undefined;
    },
    listSweeps: async ({ appId, limit, cursor }) => {
      const params: PgValue[] = [];
      const where: string[] = [];
      if (appId !== undefined) where.push(`app_id = $${params.push(appId)}`);
      if (cursor !== undefined) where.push(`seq < $${params.push(decodeCursor(cursor))}`);
      const sql = `SELECT ${SWEEP_COLUMNS} FROM automa_sweeps ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.push(limit + 1)}`;
      return pageOf(await db.query<SweepPgRow>(sql, params), limit, toSweep);
    },
    sweepRuns: (sweepId) => sweepRuns(sweepId),
    cancelSweep: (id) =>
      db.transaction(async () => {
        await db.run('UPDATE automa_sweeps SET cancelled = true WHERE id = $1', [id]);
        await db.run(`UPDATE automa_runs SET status = 'cancelled', end_time = $1 WHERE sweep_id = $2 AND NOT submitted AND status = 'queued'`, [Date.now(), id]);
        return (
          await db.query<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE sweep_id = $1 AND submitted AND status = 'queued' ORDER BY cell`, [id])
        ).map(toRun);
      }),
    retrySweep: (id, statuses, newPromptId) =>
      db.transaction(async () => {
        const runs = (await sweepRuns(id)).filter((run) => statuses.includes(run.status as StoredRunStatus));
        for (const run of runs) {
          await db.run(
            `UPDATE automa_runs SET prompt_id = $1, status = 'queued', submitted = false, backend = NULL, error = NULL, outputs = NULL,
               exec_status = NULL, start_time = NULL, end_time = NULL, attempt = attempt + 1 WHERE id = $2`,
            [newPromptId(), run.id],
          );
        }
        if (runs.length > 0) await db.run('UPDATE automa_sweeps SET cancelled = false WHERE id = $1', [id]);
        const changed: RunRow[] = [];
        for (const run of runs) changed.push((await runById(run.id)) as RunRow);
        return changed;
      }),

    findAnswer: async (scope, key, since) => {
      const row = await db.one<AnswerPgRow>(
        'SELECT scope, key, body_hash, status, response, create_time FROM automa_idempotency WHERE scope = $1 AND key = $2 AND create_time >= $3',
        [scope, key, since],
      );
      return row
        ? { scope: row.scope, key: row.key, bodyHash: row.body_hash, status: row.status, response: JSON.parse(row.response) as Record<string, unknown>, createTime: row.create_time }
        : undefined;
    },
    pruneAnswers: (before) => db.run('DELETE FROM automa_idempotency WHERE create_time < $1', [before]),
  };
}

async function listRuns(db: PostgresDatabase, query: RunQuery): Promise<{ items: RunRow[]; nextCursor: string | null }> {
  const where: string[] = [];
  const params: PgValue[] = [];
  if (query.appId !== undefined) where.push(`app_id = $${params.push(query.appId)}`);
  if (query.sweepId !== undefined) where.push(`sweep_id = $${params.push(query.sweepId)}`);
  if (query.statuses !== undefined) where.push(`status IN (SELECT json_array_elements_text($${params.push(JSON.stringify(query.statuses))}::json))`);
  if (query.promptIdsIn !== undefined) {
    const list = `SELECT json_array_elements_text($${params.push(JSON.stringify(query.promptIdsIn.ids))}::json)`;
    where.push(`prompt_id ${query.promptIdsIn.inside ? '' : 'NOT '}IN (${list})`);
  }
  if (query.cursor !== undefined) where.push(`seq < $${params.push(decodeCursor(query.cursor))}`);
  const sql = `SELECT ${RUN_COLUMNS} FROM automa_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.push(query.limit + 1)}`;
  return pageOf(await db.query<RunPgRow>(sql, params), query.limit, toRun);
}
