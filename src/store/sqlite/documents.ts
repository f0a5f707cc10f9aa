import { randomUUID } from 'node:crypto';
import { preconditionFailed } from '../../errors.js';
import {
  clientFields,
  decodeCursor,
  encodeCursor,
  laterThan,
  SERVER_FIELDS,
  toDocument,
  toJson,
  withServerFields,
  type DocumentRow,
} from '../document-rows.js';
import { applyMergePatch } from '../merge-patch.js';
import type {
  CollectionSummary,
  DocumentRecord,
  DocumentStore,
  JsonScalar,
  ListQuery,
  StoredDocument,
  WriteCondition,
} from '../types.js';
import type { SqlValue, SqliteDatabase, Statement } from './database.js';

/** Documents as rows: client fields in a JSON `body`, server fields in columns. */
export function createSqliteDocumentStore(db: SqliteDatabase, now: () => Date = () => new Date()): DocumentStore {
  const ensureCollection = db.prepare('INSERT OR IGNORE INTO collections (name, create_time) VALUES (?, ?)');
  const insert = db.prepare(
    'INSERT INTO documents (collection, id, create_time, update_time, revision, body) VALUES (?, ?, ?, ?, 1, ?) RETURNING seq',
  );
  const selectOne = db.prepare<[string, string], DocumentRow>(
    'SELECT seq, id, create_time, update_time, revision, body FROM documents WHERE collection = ? AND id = ?',
  );
  const update = db.prepare('UPDATE documents SET body = ?, update_time = ?, revision = revision + 1 WHERE seq = ?');
  const remove = db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
  const counts = db.prepare<[], CollectionSummary>(
    `SELECT c.name AS name, (SELECT count(*) FROM documents d WHERE d.collection = c.name) AS count
       FROM collections c ORDER BY c.name`,
  );
  const dropOne = db.prepare("DELETE FROM collections WHERE name = ? AND name <> 'default'");
  // List queries differ only by which filters and cursor they carry: a handful of SQL texts, each
  // prepared once. Field names are parameters, so the cache stays small; the cap is a backstop.
  const listStatements = new Map<string, Statement<SqlValue[], DocumentRow>>();
  const statement = (sql: string): Statement<SqlValue[], DocumentRow> => {
    let prepared = listStatements.get(sql);
    if (!prepared) {
      if (listStatements.size >= 256) listStatements.clear();
      prepared = db.prepare<SqlValue[], DocumentRow>(sql);
      listStatements.set(sql, prepared);
    }
    return prepared;
  };

  const create = (collection: string, body: Readonly<Record<string, unknown>>): DocumentRecord => {
    const time = now().toISOString();
    const id = randomUUID();
    ensureCollection.run(collection, time);
    const fields = clientFields(body);
    insert.run(collection, id, time, time, JSON.stringify(fields));
    return { document: withServerFields(fields, id, time, time), revision: 1 };
  };

  const write = (collection: string, id: string, next: (current: StoredDocument) => Record<string, unknown>, condition?: WriteCondition) =>
    db.transaction(() => {
      const row = selectOne.get(collection, id);
      if (!row) return undefined;
      if (condition?.expectedRevision !== undefined && condition.expectedRevision !== row.revision) {
        throw preconditionFailed(etagOf(condition.expectedRevision), etagOf(row.revision));
      }
      const body = clientFields(next(toDocument(row)));
      const time = laterThan(row.update_time, now());
      update.run(JSON.stringify(body), time, row.seq);
      const record: DocumentRecord = { document: withServerFields(body, row.id, row.create_time, time), revision: row.revision + 1 };
      return record;
    }, 'immediate');

  return {
    create: async (collection, body) => db.transaction(() => create(collection, body), 'immediate'),
    get: async (collection, id) => {
      const row = selectOne.get(collection, id);
      return row ? { document: toDocument(row), revision: row.revision } : undefined;
    },
    list: async (collection, query) => list(statement, collection, query, toDocument),
    getJson: async (collection, id) => {
      const row = selectOne.get(collection, id);
      return row ? { json: toJson(row), revision: row.revision } : undefined;
    },
    listJson: async (collection, query) => list(statement, collection, query, toJson),
    replace: async (collection, id, body, condition) => write(collection, id, () => ({ ...body }), condition),
    patch: async (collection, id, mergePatch, condition) =>
      write(collection, id, (current) => applyMergePatch(current, clientFields(mergePatch)) as Record<string, unknown>, condition),
    remove: async (collection, id) => remove.run(collection, id).changes > 0,
    collections: async () => counts.all().map((row) => ({ name: row.name, count: row.count })),
    dropCollection: async (collection) => dropOne.run(collection).changes > 0,
  };
}

/** The ETag for a revision. Lives here so the store's precondition errors and the API agree. */
export const etagOf = (revision: number): string => `"r${revision}"`;

function list<T>(
  statement: (sql: string) => Statement<SqlValue[], DocumentRow>,
  collection: string,
  query: ListQuery,
  read: (row: DocumentRow) => T,
): { items: T[]; nextCursor: string | null } {
  const clauses = ['collection = ?'];
  const params: (string | number)[] = [collection];
  if (query.cursor !== undefined) {
    clauses.push(query.order === 'desc' ? 'seq < ?' : 'seq > ?');
    params.push(decodeCursor(query.cursor));
  }
  for (const [field, value] of Object.entries(query.where ?? {})) {
    const sql = equalityClause(field, value);
    clauses.push(sql.clause);
    params.push(...sql.params);
  }
  const direction = query.order === 'desc' ? 'DESC' : 'ASC';
  // One extra row tells whether another page exists without a count query. INDEXED BY pins the
  // plan: once ANALYZE statistics exist, SQLite walks the whole table by rowid for a collection
  // holding most rows, which costs a scan of every newer row of other collections per page.
  // `LIMIT ? + 0`, not `LIMIT ?`: SQLite (3.47+) reads a bare bound LIMIT at prepare time and
  // marks the statement stale whenever it is bound again, so every page re-prepared it (~5 µs,
  // 3-8% of a newest-50 page). An expression is not read that way; the plan does not need it.
  const rows = statement(
    `SELECT seq, id, create_time, update_time, revision, body FROM documents INDEXED BY documents_by_collection
      WHERE ${clauses.join(' AND ')} ORDER BY seq ${direction} LIMIT ? + 0`,
  ).all(...params, query.limit + 1);
  const more = rows.length > query.limit;
  if (more) rows.pop();
  const last = rows.at(-1);
  return { items: rows.map(read), nextCursor: more && last ? encodeCursor(last.seq) : null };
}

/**
 * Equality on a top-level field with JSON type awareness: `true` matches the boolean only,
 * `5` matches the number only, anything else the string. These clauses scan the collection's
 * rows (no per-field index); the collection index keeps the scan to one collection.
 */
function equalityClause(field: string, value: JsonScalar): { clause: string; params: (string | number)[] } {
  // The server's fields live in their own columns, not in the body, and are always strings.
  if (SERVER_FIELDS.has(field)) return typeof value === 'string' ? { clause: `${field} = ?`, params: [value] } : { clause: '0', params: [] };
  const pathExpr = `'$."' || ? || '"'`;
  if (typeof value === 'boolean') {
    return { clause: `json_type(body, ${pathExpr}) = ?`, params: [field, value ? 'true' : 'false'] };
  }
  // The value test comes first: it fails for most rows, and SQLite then skips the type test
  // (the other order cost ~12% of a filtered page).
  if (typeof value === 'number') {
    return {
      clause: `(json_extract(body, ${pathExpr}) = ? AND json_type(body, ${pathExpr}) IN ('integer', 'real'))`,
      params: [field, value, field],
    };
  }
  return { clause: `(json_extract(body, ${pathExpr}) = ? AND json_type(body, ${pathExpr}) = 'text')`, params: [field, value, field] };
}
