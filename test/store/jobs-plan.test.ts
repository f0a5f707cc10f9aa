/**
 * The jobs list at 100k prompts: every filter (status, app, backend, creation time, text) and its
 * count read the prompts_listed index, never the table rows, whose graphs and history entries
 * spill into overflow pages (a scan of those took 0.5–1.5 s at 100k; the index, tens of ms).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { SqlValue } from '../../src/store/sqlite/database.js';
import { createSqliteEventLog } from '../../src/store/sqlite/events.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/store/sqlite/open.js';
import { createSqlitePromptStore } from '../../src/store/sqlite/prompts.js';
import { createSqliteRunEvents } from '../../src/store/sqlite/run-events.js';
import type { JobQuery } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';

const BIG = 100_000;
const T0 = 1_700_000_000_000;

/** Every statement the store runs through get() or all(), with its parameters. */
function recordQueries(db: SqliteDatabase): { sql: string; params: SqlValue[] }[] {
  const captured: { sql: string; params: SqlValue[] }[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    for (const method of ['get', 'all'] as const) {
      const original = statement[method].bind(statement) as (...params: SqlValue[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...params: SqlValue[]) => {
        captured.push({ sql, params });
        return original(...params);
      };
    }
    return statement;
  }) as typeof db.prepare;
  return captured;
}

/** 100k finished prompts on two backends, every 10th made by an app's run, each with a text input. */
function seed(db: SqliteDatabase): void {
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG})
    INSERT INTO automa_runs (id, app_id, prompt_id, inputs, status, submitted, create_time)
      SELECT 'run-' || i, CASE WHEN i % 20 = 0 THEN 'app-a' ELSE 'app-b' END, 'prompt-' || i, '{}', 'succeeded', 1, ${T0} + i FROM n WHERE i % 10 = 0;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG})
    INSERT INTO prompts (id, number, state, prompt, extra_data, outputs_to_execute, backend, create_time, start_time, end_time, history_seq, history, search_text)
      SELECT 'prompt-' || i, i, CASE WHEN i % 7 = 0 THEN 'failed' ELSE 'completed' END,
             json_object('1', json_object('class_type', 'CLIPTextEncode', 'inputs', json_object('text', 'picture ' || i))),
             json_object('extra_pnginfo', json_object('workflow', hex(randomblob(1500)))), '[]',
             CASE WHEN i % 3 = 0 THEN 'b' ELSE 'a' END, ${T0} + i * 1000, ${T0} + i * 1000 + 1, ${T0} + i * 1000 + 9, i,
             json_object('outputs', json_object(), 'status', json_object('status_str', 'success', 'messages', json_array(hex(randomblob(300))))),
             'picture ' || i
        FROM n;
  `);
}

test('the jobs list and its count read the prompts_listed index for every filter at 100k prompts', async (t) => {
  const temp = makeTempDir('automa-jobs-plan-');
  t.after(temp.remove);
  const db = openSqliteDatabase(path.join(temp.dir, 'plan.sqlite'));
  t.after(() => db.close());
  const log = createSqliteEventLog(db);
  createSqliteRunEvents(db, log); // registers the function migration 7's triggers call
  seed(db);
  const store = createSqlitePromptStore(db, log);

  const base: JobQuery = { statuses: ['completed', 'failed', 'cancelled'], runningIds: [], sortBy: 'created_at', order: 'desc', limit: 120, offset: 0 };
  const cases: { label: string; query: Partial<JobQuery>; total: number; first?: string }[] = [
    { label: 'finished', query: {}, total: BIG, first: 'prompt-100000' },
    { label: 'every status (ComfyUI default)', query: { statuses: ['pending', 'in_progress', 'completed', 'failed', 'cancelled'], runningIds: ['prompt-5'] }, total: BIG },
    { label: 'failed', query: { statuses: ['failed'] }, total: Math.floor(BIG / 7), first: 'prompt-99995' },
    { label: 'app', query: { appId: 'app-a' }, total: BIG / 20, first: 'prompt-100000' },
    { label: 'backend', query: { backend: 'b' }, total: Math.floor(BIG / 3), first: 'prompt-99999' },
    { label: 'created range', query: { createdFrom: T0 + 50_000_000, createdBefore: T0 + 50_010_000 }, total: 10, first: 'prompt-50009' },
    { label: 'text', query: { text: 'PICTURE 4242' }, total: 11, first: 'prompt-42429' },
    { label: 'deep page', query: { offset: 50_000 }, total: BIG, first: 'prompt-50000' },
    { label: 'longest first', query: { sortBy: 'execution_duration' }, total: BIG },
    { label: 'all together, oldest first', query: { appId: 'app-b', backend: 'a', text: 'picture 1', createdFrom: T0, order: 'asc' }, total: 373, first: 'prompt-10' },
  ];
  for (const analyzed of [false, true]) {
    if (analyzed) db.exec('ANALYZE');
    for (const { label, query, total, first } of cases) {
      const name = `${label}${analyzed ? ' after ANALYZE' : ''}`;
      const captured = recordQueries(db);
      const page = await store.jobs({ ...base, ...query });
      assert.equal(page.total, total, `${name}: total`);
      if (first !== undefined) assert.equal(page.rows[0]?.record.id, first, `${name}: first row`);
      const statements = captured.filter((c) => /FROM prompts WHERE/.test(c.sql));
      assert.equal(statements.length, 2, `${name}: a count and a page`);
      for (const statement of statements) {
        const plan = db
          .prepare<SqlValue[], { detail: string }>(`EXPLAIN QUERY PLAN ${statement.sql}`)
          .all(...statement.params)
          .map((row) => row.detail);
        const text = plan.join(' | ');
        // A filter by app may instead start from the app's runs (automa_runs_by_app), then its prompts by seq.
        assert.ok(plan.some((line) => /COVERING INDEX prompts_listed|INDEX automa_runs_by_app/.test(line)), `${name}: reads prompts_listed: ${text}`);
        assert.ok(!plan.some((line) => /^SCAN (prompts|p)\b(?!.*COVERING INDEX)/.test(line)), `${name}: no scan of the table rows: ${text}`);
      }
    }
  }
});
