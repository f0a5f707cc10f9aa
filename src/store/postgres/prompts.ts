import { promptSearchText } from '../prompt-search.js';
import { conflict } from '../../errors.js';
import { parseExactJson, stringifyExactJson } from '../../json.js';
import type {
  FinishInput,
  HistoryRecord,
  HistoryRetention,
  JobQuery,
  JobRow,
  JobStatus,
  NewPrompt,
  PromptRecord,
  PromptState,
  PromptStore,
} from '../prompt-types.js';
import { promptCancelledEvent, promptFinishedEvent, promptQueuedEvent, type PromptFacts } from '../prompt-events.js';
import type { PgValue, PostgresDatabase } from './database.js';
import type { PostgresEventLog } from './events.js';
import { createSharedCommit } from './shared-commit.js';

/** A `prompts` row as `PROMPT_COLUMNS` selects it. */
export interface PromptRow {
  seq: number;
  id: string;
  number: number;
  state: string;
  client_id: string | null;
  prompt: string;
  extra_data: string;
  outputs_to_execute: string;
  backend: string | null;
  attempts: number;
  create_time: number;
  start_time: number | null;
  end_time: number | null;
  history: string | null;
}

/** The columns an event needs, as a RETURNING clause gives them back. */
interface FactsRow {
  id: string;
  number: number;
  client_id: string | null;
  create_time: number;
  backend: string | null;
}
const FACTS = 'id, number, client_id, create_time, backend';

interface HistoryRow {
  id: string;
  state: string;
  history: string;
}

export const PROMPT_COLUMNS = `seq, id, number, state, client_id, prompt, extra_data, outputs_to_execute, backend, attempts,
  create_time, start_time, end_time, history`;
const UNFINISHED = `state IN ('pending', 'submitted')`;
const FINISHED = `state IN ('completed', 'failed', 'interrupted')`;

/** Distinct history pages kept in memory (clients poll one or two). */
const MAX_CACHED_PAGES = 16;

/**
 * The queue and history as rows of one table shared by every gateway on the database; each change
 * of a prompt's state appends its `prompt.*` event in the transaction that makes it. A cached
 * history page is served while prompts_history_version is what it was read under: that row is
 * bumped by every transaction that changes history, from whichever gateway.
 */
export function createPostgresPromptStore(db: PostgresDatabase, events: PostgresEventLog): PromptStore {
  const pages = new Map<string, { version: number; page: Buffer }>();

  const historyChanged = (): Promise<number> => db.run(`UPDATE prompts_history_version SET version = version + 1`);
  const historyVersion = async (): Promise<number> =>
    (await db.one<{ version: number }>(`SELECT version FROM prompts_history_version`))?.version ?? 0;

  /**
   * Insert prompts and append each one's `prompt.queued` event, in one statement (one round trip
   * however many): call inside a transaction. The event part keeps appendInTx's rules (events.ts):
   * the transaction's id is taken before any event id, a workflow run's prompt gets no
   * `prompt.*`, and event ids follow the prompts' order. A prompt_id already stored, or repeated
   * within `prompts`, is not inserted: its slot is null.
   */
  const insertAll = async (prompts: readonly NewPrompt[]): Promise<(PromptRecord | null)[]> => {
    const seen = new Set<string>();
    const fresh = prompts.filter((p) => !seen.has(p.id) && seen.add(p.id));
    const column = <T extends string | number | null>(value: (p: NewPrompt) => T): T[] => fresh.map(value);
    const events = fresh.map(promptQueuedEvent);
    const rows = await db.query<{ id: string; seq: number }>(
      `WITH tx AS MATERIALIZED (SELECT pg_current_xact_id() AS xid),
       batch AS (
         SELECT * FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::text[],
                              $9::text[], $10::text[], $11::text[], $12::text[])
           WITH ORDINALITY AS b (id, number, client_id, prompt, extra_data, outputs_to_execute, create_time, search_text,
                                 event_type, event_app, event_sweep, event_data, k)),
       inserted AS (
         INSERT INTO prompts (id, number, state, client_id, prompt, extra_data, outputs_to_execute, create_time, search_text)
         SELECT id, number, 'pending', client_id, prompt, extra_data, outputs_to_execute, create_time, search_text FROM batch, tx ORDER BY k
         ON CONFLICT (id) DO NOTHING RETURNING id, seq),
       appended AS (
         INSERT INTO automa_events (type, time, subject, app, sweep, data)
         SELECT b.event_type, b.create_time, b.id, b.event_app, b.event_sweep, b.event_data FROM inserted JOIN batch b USING (id)
          WHERE NOT (b.event_type LIKE 'prompt.%' AND EXISTS (SELECT 1 FROM automa_runs WHERE prompt_id = b.id))
          ORDER BY b.k
         RETURNING id)
       SELECT id, seq FROM inserted`,
      [
        column((p) => p.id),
        column((p) => p.number),
        column((p) => p.clientId),
        // Exact: a seed past 2^53 must reach the backend and history as the client sent it.
        column((p) => stringifyExactJson(p.prompt)),
        column((p) => stringifyExactJson(p.extraData)),
        column((p) => JSON.stringify(p.outputsToExecute)),
        column((p) => p.createTime),
        // PostgreSQL text cannot hold NUL; nobody searches for one.
        column((p) => promptSearchText(p.prompt).replaceAll('\0', '')),
        events.map((e) => e.type),
        events.map((e) => e.app ?? null),
        events.map((e) => e.sweep ?? null),
        events.map((e) => stringifyExactJson(e.data)),
      ],
    );
    const seqs = new Map(rows.map((row) => [row.id, row.seq]));
    const taken = new Set<string>();
    return prompts.map((prompt) => {
      const seq = seqs.get(prompt.id);
      if (seq === undefined || taken.has(prompt.id)) return null;
      taken.add(prompt.id);
      return { ...prompt, seq, state: 'pending', backend: null, attempts: 0, startTime: null, endTime: null };
    });
  };

  /** Removed from the queue before it ran (POST /queue delete, /api/jobs cancel): `prompt.cancelled`. */
  const cancelled = async (rows: readonly FactsRow[], now: number): Promise<string[]> => {
    for (const row of rows) await events.appendInTx(promptCancelledEvent(facts(row), now), now);
    return rows.map((row) => row.id);
  };
  const eachOf = async (ids: readonly string[], sql: string, params: (id: string) => PgValue[]): Promise<FactsRow[]> => {
    const rows: FactsRow[] = [];
    for (const id of ids) rows.push(...(await db.query<FactsRow>(sql, params(id))));
    return rows;
  };

  const readPage = async (maxItems: number | null, offset: number | null): Promise<Buffer> => {
    // As SQLite's LIMIT: a negative count means no limit.
    const limit = maxItems === null || maxItems < 0 ? null : maxItems;
    const rows =
      offset === null || offset < 0
        ? await db.query<HistoryRow>(
            `SELECT id, state, history FROM (SELECT id, state, history, history_seq FROM prompts WHERE history_seq IS NOT NULL
               ORDER BY history_seq DESC LIMIT $1) newest ORDER BY history_seq`,
            [limit],
          )
        : await db.query<HistoryRow>(
            `SELECT id, state, history FROM prompts WHERE history_seq IS NOT NULL ORDER BY history_seq LIMIT $1 OFFSET $2`,
            [limit, offset],
          );
    // Entries are stored as JSON text: the page is spliced together, never parsed.
    return Buffer.from(`{${rows.map((row) => `${JSON.stringify(row.id)}:${row.history}`).join(',')}}`);
  };

  // One commit for the lot (a sweep's thousands of prompts would otherwise pay one each), shared
  // with whatever other POST /prompt arrived meanwhile.
  const insertMany = createSharedCommit(db, insertAll);

  return {
    insert: async (prompt) => {
      const [record] = await insertMany([prompt]);
      if (!record) throw conflict('A prompt with this prompt_id already exists', prompt.id);
      return record;
    },
    insertMany,
    get: async (id) => {
      const row = await db.one<PromptRow>(`SELECT ${PROMPT_COLUMNS} FROM prompts WHERE id = $1`, [id]);
      return row ? toRecord(row) : undefined;
    },
    renumber: async (id, number) => (await db.run(`UPDATE prompts SET number = $1 WHERE id = $2 AND state = 'pending'`, [number, id])) === 1,
    unfinished: async () => (await db.query<PromptRow>(`SELECT ${PROMPT_COLUMNS} FROM prompts WHERE ${UNFINISHED} ORDER BY number, seq`)).map(toRecord),
    lastSeq: async () => (await db.one<{ seq: number }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM prompts_seq_seq`))?.seq ?? 0,
    // The claim: of all gateways sharing the database, only the one whose update found it pending sends it.
    markSubmitted: (id, backend, attempts) =>
      db.transaction(async () => (await db.run(`UPDATE prompts SET state = 'submitted', backend = $1, attempts = $2 WHERE id = $3 AND state = 'pending'`, [backend, attempts, id])) > 0),
    requeue: async (id) => {
      await db.transaction(() => db.run(`UPDATE prompts SET state = 'pending', backend = NULL WHERE id = $1 AND ${UNFINISHED}`, [id]));
    },
    cancel: (ids) => {
      const now = Date.now();
      return db.transaction(async () =>
        cancelled(await eachOf(ids, `UPDATE prompts SET state = 'cancelled', end_time = $1 WHERE id = $2 AND ${UNFINISHED} RETURNING ${FACTS}`, (id) => [now, id]), now),
      );
    },
    removePending: (ids) => {
      const now = Date.now();
      return db.transaction(async () =>
        cancelled(
          ids === 'all'
            ? await db.query<FactsRow>(`DELETE FROM prompts WHERE ${UNFINISHED} RETURNING ${FACTS}`)
            : await eachOf(ids, `DELETE FROM prompts WHERE id = $1 AND ${UNFINISHED} RETURNING ${FACTS}`, (id) => [id]),
          now,
        ),
      );
    },
    finish: (id, input: FinishInput) =>
      db.transaction(async () => {
        const row = await db.one<FactsRow>(
          `UPDATE prompts SET state = $1, start_time = $2, end_time = $3, history_seq = nextval('prompts_history_order'), history = $4
            WHERE id = $5 AND ${UNFINISHED} RETURNING ${FACTS}`,
          [input.state, input.startTime, input.endTime, stringifyExactJson(input.entry), id],
        );
        if (row === undefined) return false;
        await historyChanged();
        await events.appendInTx(promptFinishedEvent(facts(row), input), input.endTime);
        return true;
      }),
    history: async (id) => {
      const row = await db.one<HistoryRow>(`SELECT id, state, history FROM prompts WHERE id = $1 AND history_seq IS NOT NULL`, [id]);
      return row ? toHistory(row) : undefined;
    },
    historyPageJson: async (maxItems, offset) => {
      const key = `${maxItems} ${offset}`;
      // Read before the page: a page newer than its version is only refetched once more, never stale.
      const version = await historyVersion();
      const cached = pages.get(key);
      if (cached !== undefined && cached.version === version) return cached.page;
      const page = await readPage(maxItems, offset);
      if (pages.size >= MAX_CACHED_PAGES && !pages.has(key)) pages.clear();
      pages.set(key, { version, page });
      return page;
    },
    deleteHistory: (ids) =>
      db.transaction(async () => {
        let deleted = 0;
        if (ids === 'all') deleted = await db.run(`DELETE FROM prompts WHERE ${FINISHED}`);
        else for (const id of ids) deleted += await db.run(`DELETE FROM prompts WHERE id = $1 AND ${FINISHED}`, [id]);
        if (deleted > 0) await historyChanged();
        return deleted;
      }),
    jobs: (query) => jobs(db, query),
    job: async (id) => {
      const row = await db.one<PromptRow>(`SELECT ${PROMPT_COLUMNS} FROM prompts WHERE id = $1`, [id]);
      return row ? { record: toRecord(row), entryJson: row.history } : undefined;
    },
    pruneHistory: (retention: HistoryRetention, now) =>
      db.transaction(async () => {
        let removed = 0;
        if (retention.maxAgeMs > 0) removed += await db.run(`DELETE FROM prompts WHERE history_seq IS NOT NULL AND end_time < $1`, [now - retention.maxAgeMs]);
        if (retention.maxItems > 0) {
          removed += await db.run(
            `DELETE FROM prompts WHERE history_seq IS NOT NULL AND history_seq <= (
               SELECT history_seq FROM prompts WHERE history_seq IS NOT NULL ORDER BY history_seq DESC LIMIT 1 OFFSET $1)`,
            [retention.maxItems],
          );
        }
        if (removed > 0) await historyChanged();
        return removed;
      }),
  };
}

async function jobs(db: PostgresDatabase, query: JobQuery): Promise<{ rows: readonly JobRow[]; total: number }> {
  const params: PgValue[] = [];
  let running: string | undefined;
  // Bound once however many clauses use it: PostgreSQL refuses a parameter no clause names.
  const isRunning = (): string => {
    if (running === undefined) {
      params.push(JSON.stringify(query.runningIds));
      running = `id IN (SELECT json_array_elements_text($${params.length}::json))`;
    }
    return running;
  };
  const clauses: Record<JobStatus, () => string> = {
    pending: () => `(state = 'pending' OR (state = 'submitted' AND NOT ${isRunning()}))`,
    in_progress: () => `(state = 'submitted' AND ${isRunning()})`,
    completed: () => `state = 'completed'`,
    failed: () => `state = 'failed'`,
    cancelled: () => `state IN ('cancelled', 'interrupted')`,
  };
  const chosen = query.statuses.map((status) => clauses[status]());
  const conditions = [chosen.length === 0 ? 'false' : `(${chosen.join(' OR ')})`];
  const filter = (sql: (param: string) => string, value: PgValue): void => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (query.appId !== undefined) filter((p) => `id IN (SELECT prompt_id FROM automa_runs WHERE app_id = ${p})`, query.appId);
  if (query.backend !== undefined) filter((p) => `backend = ${p}`, query.backend);
  if (query.createdFrom !== undefined) filter((p) => `create_time >= ${p}`, query.createdFrom);
  if (query.createdBefore !== undefined) filter((p) => `create_time < ${p}`, query.createdBefore);
  // Lowercased here, as the stored text was (promptSearchText): SQL's lower() follows the locale.
  if (query.text !== undefined) filter((p) => `strpos(search_text, ${p}) > 0`, query.text.toLowerCase());
  const where = conditions.join(' AND ');
  const order = query.order === 'asc' ? 'ASC' : 'DESC';
  const sort =
    query.sortBy === 'execution_duration'
      ? `(coalesce(end_time, 0) - coalesce(start_time, 0)) ${order}, create_time ${order}`
      : `create_time ${order}, seq ${order}`;
  const total = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM prompts WHERE ${where}`, params))?.n ?? 0;
  const rows = await db.query<PromptRow>(
    `SELECT ${PROMPT_COLUMNS} FROM prompts WHERE ${where} ORDER BY ${sort} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    // As SQLite's: a negative limit is no limit, a negative offset none.
    [...params, query.limit === null || query.limit < 0 ? null : query.limit, Math.max(query.offset, 0)],
  );
  return { rows: rows.map((row) => ({ record: toRecord(row), entryJson: row.history })), total };
}

export function toRecord(row: PromptRow): PromptRecord {
  return {
    seq: row.seq,
    id: row.id,
    number: row.number,
    state: row.state as PromptState,
    clientId: row.client_id,
    prompt: parseExactJson(row.prompt) as Record<string, unknown>,
    extraData: parseExactJson(row.extra_data) as Record<string, unknown>,
    outputsToExecute: JSON.parse(row.outputs_to_execute) as string[],
    backend: row.backend,
    attempts: row.attempts,
    createTime: row.create_time,
    startTime: row.start_time,
    endTime: row.end_time,
  };
}

const facts = (row: FactsRow): PromptFacts => ({
  id: row.id,
  number: row.number,
  clientId: row.client_id,
  createTime: row.create_time,
  backend: row.backend,
});

function toHistory(row: HistoryRow): HistoryRecord {
  return { id: row.id, state: row.state as HistoryRecord['state'], entryJson: row.history };
}
