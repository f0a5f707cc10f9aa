import { randomUUID } from 'node:crypto';
import { preconditionFailed } from '../../errors.js';
import {
  bodyMatches,
  clientFields,
  decodeCursor,
  encodeCursor,
  laterThan,
  matchNeedle,
  SERVER_FIELDS,
  toDocument,
  toJson,
  withServerFields,
  type DocumentRow,
} from '../document-rows.js';
import { applyMergePatch } from '../merge-patch.js';
import { etagOf } from '../sqlite/documents.js';
import type { CollectionSummary, DocumentRecord, DocumentStore, JsonScalar, ListQuery, StoredDocument, WriteCondition } from '../types.js';
import type { PgValue, PostgresDatabase } from './database.js';

const ROW = 'seq, id, create_time, update_time, revision, body';

/** Documents as rows, as the SQLite store keeps them: client fields in a JSON `body` text, server fields in columns. */
export function createPostgresDocumentStore(db: PostgresDatabase, now: () => Date = () => new Date()): DocumentStore {
  const selectOne = (collection: string, id: string, lock = ''): Promise<DocumentRow | undefined> =>
    db.one<DocumentRow>(`SELECT ${ROW} FROM documents WHERE collection = $1 AND id = $2${lock}`, [collection, id]);

  /**
   * The collection row, made if missing and held (KEY SHARE) until commit: a drop of it running
   * at the same time either waits for this insert (and takes the new document with it) or has
   * already removed it, and it is made again here.
   */
  const holdCollection = async (collection: string, time: string): Promise<void> => {
    for (;;) {
      await db.run(`INSERT INTO collections (name, create_time) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [collection, time]);
      if (await db.one(`SELECT 1 FROM collections WHERE name = $1 FOR KEY SHARE`, [collection])) return;
    }
  };

  const create = async (collection: string, body: Readonly<Record<string, unknown>>): Promise<DocumentRecord> => {
    const time = now().toISOString();
    const id = randomUUID();
    await holdCollection(collection, time);
    const fields = clientFields(body);
    await db.run(`INSERT INTO documents (collection, id, create_time, update_time, revision, body) VALUES ($1, $2, $3, $4, 1, $5)`, [
      collection,
      id,
      time,
      time,
      JSON.stringify(fields),
    ]);
    return { document: withServerFields(fields, id, time, time), revision: 1 };
  };

  const write = (collection: string, id: string, next: (current: StoredDocument) => Record<string, unknown>, condition?: WriteCondition) =>
    db.transaction(async (): Promise<DocumentRecord | undefined> => {
      // FOR UPDATE: a concurrent writer of the same document waits here, then reads its result.
      const row = await selectOne(collection, id, ' FOR UPDATE');
      if (!row) return undefined;
      if (condition?.expectedRevision !== undefined && condition.expectedRevision !== row.revision) {
        throw preconditionFailed(etagOf(condition.expectedRevision), etagOf(row.revision));
      }
      const body = clientFields(next(toDocument(row)));
      const time = laterThan(row.update_time, now());
      await db.run(`UPDATE documents SET body = $1, update_time = $2, revision = revision + 1 WHERE seq = $3`, [JSON.stringify(body), time, row.seq]);
      return { document: withServerFields(body, row.id, row.create_time, time), revision: row.revision + 1 };
    });

  return {
    create: (collection, body) => db.transaction(() => create(collection, body)),
    get: async (collection, id) => {
      const row = await selectOne(collection, id);
      return row ? { document: toDocument(row), revision: row.revision } : undefined;
    },
    list: (collection, query) => list(db, collection, query, toDocument),
    getJson: async (collection, id) => {
      const row = await selectOne(collection, id);
      return row ? { json: toJson(row), revision: row.revision } : undefined;
    },
    listJson: (collection, query) => list(db, collection, query, toJson),
    replace: (collection, id, body, condition) => write(collection, id, () => ({ ...body }), condition),
    patch: (collection, id, mergePatch, condition) =>
      write(collection, id, (current) => applyMergePatch(current, clientFields(mergePatch)) as Record<string, unknown>, condition),
    remove: async (collection, id) => (await db.run(`DELETE FROM documents WHERE collection = $1 AND id = $2`, [collection, id])) > 0,
    // COLLATE "C": SQLite orders text by its bytes; the database's default collation may not.
    collections: async () =>
      (
        await db.query<CollectionSummary>(
          `SELECT c.name AS name, (SELECT count(*) FROM documents d WHERE d.collection = c.name) AS count
             FROM collections c ORDER BY c.name COLLATE "C"`,
        )
      ).map((row) => ({ name: row.name, count: row.count })),
    dropCollection: async (collection) => (await db.run(`DELETE FROM collections WHERE name = $1 AND name <> 'default'`, [collection])) > 0,
  };
}

/**
 * One page, as SQLite's list reads it. Filters on the body's fields are decided in JS on the
 * parsed body (bodyMatches), not by PostgreSQL's JSON functions: those refuse a text holding
 * `\u0000` or a lone surrogate escape, which JSON.stringify writes and SQLite reads. The SQL keeps
 * only rows whose text holds `"field":value` as JSON.stringify writes it (every match does; a
 * nested copy may too), so the pages read stay few.
 */
async function list<T>(db: PostgresDatabase, collection: string, query: ListQuery, read: (row: DocumentRow) => T): Promise<{ items: T[]; nextCursor: string | null }> {
  const where = Object.entries(query.where ?? {});
  const bodyFilters = where.filter(([field]) => !SERVER_FIELDS.has(field));
  const clauses = ['collection = $1'];
  const params: PgValue[] = [collection];
  const param = (value: PgValue): string => (params.push(value), `$${params.length}`);
  for (const [field, value] of where) clauses.push(filterClause(field, value, param));
  const direction = query.order === 'desc' ? 'DESC' : 'ASC';
  const wanted = query.limit + 1;
  const found: DocumentRow[] = [];
  let after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  for (;;) {
    const page = [...params];
    const at = (value: PgValue): string => (page.push(value), `$${page.length}`);
    const cursorClause = after === null ? '' : ` AND seq ${query.order === 'desc' ? '<' : '>'} ${at(after)}`;
    const rows = await db.query<DocumentRow>(
      `SELECT ${ROW} FROM documents WHERE ${clauses.join(' AND ')}${cursorClause} ORDER BY seq ${direction} LIMIT ${at(wanted)}`,
      page,
    );
    for (const row of rows) {
      if (bodyFilters.length === 0 || matches(row, bodyFilters)) found.push(row);
      if (found.length === wanted) break;
    }
    const last = rows.at(-1);
    if (found.length === wanted || rows.length < wanted || last === undefined) break;
    after = last.seq;
  }
  const more = found.length > query.limit;
  if (more) found.pop();
  const last = found.at(-1);
  return { items: found.map(read), nextCursor: more && last ? encodeCursor(last.seq) : null };
}

function filterClause(field: string, value: JsonScalar, param: (value: PgValue) => string): string {
  // The server's fields live in their own columns, not in the body, and are always strings.
  if (SERVER_FIELDS.has(field)) return typeof value === 'string' ? `${field} = ${param(value)}` : 'false';
  return `strpos(body, ${param(matchNeedle(field, value))}) > 0`;
}

function matches(row: DocumentRow, filters: readonly (readonly [string, JsonScalar])[]): boolean {
  const body = JSON.parse(row.body) as Record<string, unknown>;
  return filters.every(([field, value]) => bodyMatches(body, field, value));
}
