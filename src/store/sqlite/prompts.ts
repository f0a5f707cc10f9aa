import { conflict } from '../../errors.js';
import { parseExactJson, stringifyExactJson } from '../../json.js';
import type {
  FinishInput,
  HistoryRecord,
  HistoryRetention,
  JobQuery,
  JobStatus,
  JobRow,
  NewPrompt,
  PromptRecord,
  PromptState,
  PromptStore,
} from '../prompt-types.js';
import { promptSearchText } from '../prompt-search.js';
import { promptCancelledEvent, promptFinishedEvent, promptQueuedEvent, type PromptFacts } from '../prompt-events.js';
import type { SqlValue, SqliteDatabase } from './database.js';
import type { SqliteEventLog } from './events.js';

interface PromptRow {
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

const COLUMNS = `seq, id, number, state, client_id, prompt, extra_data, outputs_to_execute, backend, attempts,
  create_time, start_time, end_time, history`;
const UNFINISHED = `state IN ('pending', 'submitted')`;
const FINISHED = `state IN ('completed', 'failed', 'interrupted')`;

/** Distinct history pages kept in memory between changes (clients poll one or two). */
const MAX_CACHED_PAGES = 16;

/**
 * The queue and history as rows of one table; every write is one short transaction, and each
 * change of a prompt's state appends its `prompt.*` event in that same transaction.
 */
export function createSqlitePromptStore(db: SqliteDatabase, events: SqliteEventLog): PromptStore {
  const pages = new Map<string, Buffer>();
  const insert = db.prepare(
    `INSERT INTO prompts (id, number, state, client_id, prompt, extra_data, outputs_to_execute, create_time, search_text)
     VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
  );
  const getOne = db.prepare<[string], PromptRow>(`SELECT ${COLUMNS} FROM prompts WHERE id = ?`);
  const unfinished = db.prepare<[], PromptRow>(`SELECT ${COLUMNS} FROM prompts WHERE ${UNFINISHED} ORDER BY number, seq`);
  const lastSeq = db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'prompts'`);
  const submitted = db.prepare(`UPDATE prompts SET state = 'submitted', backend = ?, attempts = ? WHERE id = ? AND state = 'pending'`);
  const requeue = db.prepare(`UPDATE prompts SET state = 'pending', backend = NULL WHERE id = ? AND ${UNFINISHED}`);
  const renumber = db.prepare<[number, string], never>(`UPDATE prompts SET number = ? WHERE id = ? AND state = 'pending'`);
  const cancelOne = db.prepare<[number, string], FactsRow>(`UPDATE prompts SET state = 'cancelled', end_time = ? WHERE id = ? AND ${UNFINISHED} RETURNING ${FACTS}`);
  const removeOne = db.prepare<[string], FactsRow>(`DELETE FROM prompts WHERE id = ? AND ${UNFINISHED} RETURNING ${FACTS}`);
  const removeAll = db.prepare<[], FactsRow>(`DELETE FROM prompts WHERE ${UNFINISHED} RETURNING ${FACTS}`);
  const nextHistorySeq = db.prepare<[], { next: number }>(`SELECT coalesce(max(history_seq), 0) + 1 AS next FROM prompts WHERE history_seq IS NOT NULL`);
  const finish = db.prepare<[string, number | null, number, number, string, string], FactsRow>(
    `UPDATE prompts SET state = ?, start_time = ?, end_time = ?, history_seq = ?, history = ?
      WHERE id = ? AND ${UNFINISHED} RETURNING ${FACTS}`,
  );
  /** Removed from the queue before it ran (POST /queue delete, /api/jobs cancel): `prompt.cancelled`. */
  const cancelled = (rows: readonly FactsRow[], now: number): string[] => {
    for (const row of rows) events.appendSync(promptCancelledEvent(facts(row), now), now);
    return rows.map((row) => row.id);
  };
  const historyOne = db.prepare<[string], HistoryRow>(
    `SELECT id, state, history FROM prompts WHERE id = ? AND history_seq IS NOT NULL`,
  );
  const historyNewest = db.prepare<[number], HistoryRow>(
    `SELECT id, state, history FROM (SELECT id, state, history, history_seq FROM prompts WHERE history_seq IS NOT NULL
       ORDER BY history_seq DESC LIMIT ? + 0) ORDER BY history_seq`,
  );
  const historyFrom = db.prepare<[number, number], HistoryRow>(
    // `LIMIT ? + 0`: SQLite (3.47+) reads a bare bound LIMIT at prepare time and re-prepares on every rebind.
    `SELECT id, state, history FROM prompts WHERE history_seq IS NOT NULL ORDER BY history_seq LIMIT ? + 0 OFFSET ? + 0`,
  );
  const deleteHistoryOne = db.prepare(`DELETE FROM prompts WHERE id = ? AND ${FINISHED}`);
  const deleteHistoryAll = db.prepare(`DELETE FROM prompts WHERE ${FINISHED}`);
  const pruneOld = db.prepare(`DELETE FROM prompts WHERE history_seq IS NOT NULL AND end_time < ?`);
  const pruneBeyond = db.prepare(
    `DELETE FROM prompts WHERE history_seq IS NOT NULL AND history_seq <= (
       SELECT history_seq FROM prompts WHERE history_seq IS NOT NULL ORDER BY history_seq DESC LIMIT 1 OFFSET ?)`,
  );

  /** Insert one prompt and append its `prompt.queued` event; call inside a transaction. */
  const insertOne = (prompt: NewPrompt): PromptRecord | null => {
    const row = insert.get(
      prompt.id,
      prompt.number,
      prompt.clientId,
      // Exact: a seed past 2^53 must reach the backend and history as the client sent it.
      stringifyExactJson(prompt.prompt),
      stringifyExactJson(prompt.extraData),
      JSON.stringify(prompt.outputsToExecute),
      prompt.createTime,
      promptSearchText(prompt.prompt),
    ) as { seq: number } | undefined;
    if (!row) return null;
    events.appendSync(promptQueuedEvent(prompt), prompt.createTime);
    return { ...prompt, seq: row.seq, state: 'pending', backend: null, attempts: 0, startTime: null, endTime: null };
  };

  return {
    insert: async (prompt: NewPrompt) => {
      const record = db.transaction(() => insertOne(prompt));
      if (!record) throw conflict('A prompt with this prompt_id already exists', prompt.id);
      return record;
    },
    // One commit for the lot: a sweep's thousands of prompts would otherwise pay one each.
    insertMany: async (prompts) => db.transaction(() => prompts.map(insertOne), 'immediate'),
    get: async (id) => {
      const row = getOne.get(id);
      return row ? toRecord(row) : undefined;
    },
    unfinished: async () => unfinished.all().map(toRecord),
    lastSeq: async () => lastSeq.get()?.seq ?? 0,
    markSubmitted: async (id, backend, attempts) => submitted.run(backend, attempts, id).changes > 0,
    requeue: async (id) => void requeue.run(id),
    renumber: async (id, number) => renumber.run(number, id).changes === 1,
    cancel: async (ids) => {
      const now = Date.now();
      return db.transaction(() => cancelled(ids.flatMap((id) => cancelOne.all(now, id)), now));
    },
    removePending: async (ids) => {
      const now = Date.now();
      if (ids === 'all') return db.transaction(() => cancelled(removeAll.all(), now));
      return db.transaction(() => cancelled(ids.flatMap((id) => removeOne.all(id)), now));
    },
    finish: async (id, input: FinishInput) => {
      const finished = db.transaction(() => {
        const seq = nextHistorySeq.get()?.next ?? 1;
        const row = finish.get(input.state, input.startTime, input.endTime, seq, stringifyExactJson(input.entry), id);
        if (row !== undefined) events.appendSync(promptFinishedEvent(facts(row), input), input.endTime);
        return row !== undefined;
      }, 'immediate');
      pages.clear();
      return finished;
    },
    history: async (id) => {
      const row = historyOne.get(id);
      return row ? toHistory(row) : undefined;
    },
    historyPageJson: async (maxItems, offset) => {
      const key = `${maxItems} ${offset}`;
      let page = pages.get(key);
      if (page === undefined) {
        const rows = offset === null || offset < 0 ? (maxItems === null ? historyFrom.all(-1, 0) : historyNewest.all(maxItems)) : historyFrom.all(maxItems ?? -1, offset);
        // Entries are stored as JSON text: the page is spliced together, never parsed.
        page = Buffer.from(`{${rows.map((row) => `${JSON.stringify(row.id)}:${row.history}`).join(',')}}`);
        if (pages.size >= MAX_CACHED_PAGES) pages.clear();
        pages.set(key, page);
      }
      return page;
    },
    deleteHistory: async (ids) => {
      const deleted = ids === 'all' ? deleteHistoryAll.run().changes : db.transaction(() => ids.reduce((n, id) => n + deleteHistoryOne.run(id).changes, 0));
      pages.clear();
      return deleted;
    },
    jobs: async (query) => jobs(db, query),
    job: async (id) => {
      const row = getOne.get(id);
      return row ? { record: toRecord(row), entryJson: row.history } : undefined;
    },
    pruneHistory: async (retention: HistoryRetention, now) =>
      db.transaction(() => {
        pages.clear(); // synchronous with the deletes below: no read can slip in between
        let removed = 0;
        if (retention.maxAgeMs > 0) removed += pruneOld.run(now - retention.maxAgeMs).changes;
        if (retention.maxItems > 0) removed += pruneBeyond.run(retention.maxItems).changes;
        return removed;
      }),
  };
}

function jobs(db: SqliteDatabase, query: JobQuery): { rows: readonly JobRow[]; total: number } {
  const running = JSON.stringify(query.runningIds);
  // By seq through the id index, not by id: the whole WHERE then reads prompts_listed alone.
  const isRunning = `seq IN (SELECT seq FROM prompts WHERE id IN (SELECT value FROM json_each(?)))`;
  const clauses: Record<JobStatus, { sql: string; usesRunning: boolean }> = {
    pending: { sql: `(state = 'pending' OR (state = 'submitted' AND NOT ${isRunning}))`, usesRunning: true },
    in_progress: { sql: `(state = 'submitted' AND ${isRunning})`, usesRunning: true },
    completed: { sql: `state = 'completed'`, usesRunning: false },
    failed: { sql: `state = 'failed'`, usesRunning: false },
    cancelled: { sql: `state IN ('cancelled', 'interrupted')`, usesRunning: false },
  };
  const chosen = query.statuses.map((status) => clauses[status]);
  const where = [chosen.length === 0 ? '0' : `(${chosen.map((c) => c.sql).join(' OR ')})`];
  const params: SqlValue[] = chosen.filter((c) => c.usesRunning).map(() => running);
  const filter = (sql: string, value: SqlValue): void => {
    where.push(sql);
    params.push(value);
  };
  if (query.appId !== undefined) filter(`seq IN (SELECT p.seq FROM automa_runs AS r JOIN prompts AS p ON p.id = r.prompt_id WHERE r.app_id = ?)`, query.appId);
  if (query.backend !== undefined) filter(`backend = ?`, query.backend);
  if (query.createdFrom !== undefined) filter(`create_time >= ?`, query.createdFrom);
  if (query.createdBefore !== undefined) filter(`create_time < ?`, query.createdBefore);
  if (query.text !== undefined) filter(`instr(search_text, ?) > 0`, query.text.toLowerCase());
  const conditions = where.join(' AND ');
  const order = query.order === 'asc' ? 'ASC' : 'DESC';
  const sort =
    query.sortBy === 'execution_duration'
      ? `(coalesce(end_time, 0) - coalesce(start_time, 0)) ${order}, create_time ${order}`
      : `create_time ${order}, seq ${order}`;
  const total = (db.prepare(`SELECT count(*) AS n FROM prompts WHERE ${conditions}`).get(...params) as { n: number }).n;
  // The page's seqs first, from the index alone; only then its rows: reading the skipped rows
  // (OFFSET 50000 deep in a gallery) cost seconds, their index entries a few ms.
  const page = `SELECT seq FROM prompts WHERE ${conditions} ORDER BY ${sort} LIMIT ? OFFSET ?`;
  const rows = db
    .prepare<SqlValue[], PromptRow>(`SELECT ${COLUMNS} FROM prompts WHERE seq IN (${page}) ORDER BY ${sort}`)
    .all(...params, query.limit ?? -1, query.offset);
  return { rows: rows.map((row) => ({ record: toRecord(row), entryJson: row.history })), total };
}

function toRecord(row: PromptRow): PromptRecord {
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
