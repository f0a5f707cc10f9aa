import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createSqliteDocumentStore } from '../../src/store/sqlite/documents.js';
import type { SqlValue } from '../../src/store/sqlite/database.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/store/sqlite/open.js';
import type { ListQuery } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';

const BIG = 100_000;

interface Captured {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Records every statement the store runs with .all(), so the test explains the real queries. */
function recordQueries(db: SqliteDatabase): Captured[] {
  const captured: Captured[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    const all = statement.all.bind(statement);
    statement.all = ((...params: SqlValue[]) => {
      captured.push({ sql, params });
      return all(...params);
    }) as typeof statement.all;
    return statement;
  }) as typeof db.prepare;
  return captured;
}

function planOf(db: SqliteDatabase, query: Captured): string[] {
  return db
    .prepare<SqlValue[], { detail: string }>(`EXPLAIN QUERY PLAN ${query.sql}`)
    .all(...query.params)
    .map((row) => row.detail);
}

/**
 * 100k documents in one collection interleaved with a small one, then 50k newer ones in a third:
 * with statistics, a rowid walk for 'big' would have to step over all of 'recent' on every page.
 */
function seed(db: SqliteDatabase): void {
  db.exec(`
    INSERT INTO collections (name, create_time)
      VALUES ('big', '2026-01-01T00:00:00.000Z'), ('small', '2026-01-01T00:00:00.000Z'), ('recent', '2026-01-01T00:00:00.000Z');
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG + 1_000 + 50_000})
    INSERT INTO documents (collection, id, create_time, update_time, revision, body)
      SELECT CASE WHEN i > ${BIG + 1_000} THEN 'recent' WHEN i % 101 = 0 THEN 'small' ELSE 'big' END,
             lower(hex(randomblob(16))), '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1,
             json_object('i', i, 'status', CASE WHEN i % 3 = 0 THEN 'done' ELSE 'todo' END)
        FROM n;
  `);
}

test('list pages and cursors ride the documents_by_collection index at 100k documents', async (t) => {
  const temp = makeTempDir('automa-plan-');
  t.after(temp.remove);
  const db = openSqliteDatabase(path.join(temp.dir, 'plan.sqlite'));
  t.after(() => db.close());
  seed(db);

  const check = async (label: string, collection: string, query: ListQuery): Promise<string | null> => {
    const captured = recordQueries(db);
    // A fresh store each time: the store prepares each list statement once and reuses it.
    const page = await createSqliteDocumentStore(db).list(collection, query);
    const listQuery = captured.find((c) => /FROM documents/.test(c.sql));
    assert.ok(listQuery, `${label}: the list ran a query`);
    const plan = planOf(db, listQuery);
    const text = plan.join(' | ');
    assert.ok(plan.some((line) => line.includes('USING INDEX documents_by_collection')), `${label}: ${text}`);
    assert.ok(!plan.some((line) => /^SCAN documents\b/.test(line)), `${label}: no full scan: ${text}`);
    assert.ok(!plan.some((line) => line.includes('TEMP B-TREE')), `${label}: no sort: ${text}`);
    assert.ok(page.items.length > 0, `${label}: the page has items`);
    return page.nextCursor;
  };

  for (const analyzed of [false, true]) {
    // Plans must hold both before statistics exist and after ANALYZE (or PRAGMA optimize) wrote them.
    if (analyzed) db.exec('ANALYZE');
    const label = analyzed ? 'after ANALYZE' : 'before ANALYZE';
    for (const collection of ['big', 'small', 'recent']) {
      const first = await check(`${label} ${collection} newest first`, collection, { order: 'desc', limit: 50 });
      assert.ok(first);
      await check(`${label} ${collection} desc cursor`, collection, { order: 'desc', limit: 50, cursor: first });
      const asc = await check(`${label} ${collection} oldest first`, collection, { order: 'asc', limit: 50 });
      assert.ok(asc);
      await check(`${label} ${collection} asc cursor`, collection, { order: 'asc', limit: 50, cursor: asc });
      // Equality filters scan within the collection (documented), still in index order: no sort.
      await check(`${label} ${collection} filtered`, collection, { order: 'desc', limit: 50, where: { status: 'done' } });
    }
  }
});
