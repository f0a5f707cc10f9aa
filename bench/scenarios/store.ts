/**
 * The document store against raw node:sqlite in this same process: both on their own file
 * with the same schema and pragmas (openSqliteDatabase), seeded with the same ~1 KB documents;
 * raw runs the one statement each operation needs plus the JSON (de)serialisation any caller
 * would do, the store runs its public async API.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqliteStore, DATABASE_FILE, type Store } from '../../src/store/index.js';
import { openSqliteDatabase, type SqliteDatabase } from '../../src/store/sqlite/open.js';
import { paired, type BenchContext } from '../lib/context.js';
import { progress } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';

const COLLECTION = 'bench';
const KINDS = 10;
const FILLER = 'lorem ipsum dolor sit amet '.repeat(33);

const documentBody = (i: number): Record<string, unknown> => ({
  kind: `k${i % KINDS}`,
  title: `document ${i}`,
  n: i,
  tags: ['bench', `t${i % 7}`],
  text: FILLER,
});

interface DocumentRow {
  seq: number;
  id: string;
  create_time: string;
  update_time: string;
  revision: number;
  body: string;
}

/** Both files get the same rows in one transaction each; returns the ids. */
function seed(files: readonly string[], count: number): string[] {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (const file of files) {
    const db = openSqliteDatabase(file);
    const time = new Date().toISOString();
    db.prepare('INSERT OR IGNORE INTO collections (name, create_time) VALUES (?, ?)').run(COLLECTION, time);
    const insert = db.prepare('INSERT INTO documents (collection, id, create_time, update_time, revision, body) VALUES (?, ?, ?, ?, 1, ?)');
    db.transaction(() => ids.forEach((id, i) => insert.run(COLLECTION, id, time, time, JSON.stringify(documentBody(i)))));
    db.close();
  }
  return ids;
}

/** Operations per second of `op`, called `count` times. */
async function opsPerSecond(count: number, op: (i: number) => unknown): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return count / ((performance.now() - started) / 1000);
}

function rawOps(db: SqliteDatabase) {
  const insert = db.prepare('INSERT INTO documents (collection, id, create_time, update_time, revision, body) VALUES (?, ?, ?, ?, 1, ?)');
  const getOne = db.prepare<[string, string], DocumentRow>('SELECT seq, id, create_time, update_time, revision, body FROM documents WHERE collection = ? AND id = ?');
  const newest = db.prepare<[string], DocumentRow>('SELECT seq, id, create_time, update_time, revision, body FROM documents WHERE collection = ? ORDER BY seq DESC LIMIT 50');
  const filtered = db.prepare<[string, string], DocumentRow>(
    `SELECT seq, id, create_time, update_time, revision, body FROM documents WHERE collection = ? AND json_extract(body, '$.kind') = ? ORDER BY seq DESC LIMIT 50`,
  );
  return {
    insert: (i: number) => {
      const time = new Date().toISOString();
      insert.run(COLLECTION, randomUUID(), time, time, JSON.stringify(documentBody(i)));
    },
    get: (id: string) => {
      const found = getOne.get(COLLECTION, id);
      return found ? JSON.parse(found.body) : undefined;
    },
    newest: () => newest.all(COLLECTION).map((r) => JSON.parse(r.body) as unknown),
    filtered: (kind: string) => filtered.all(COLLECTION, kind).map((r) => JSON.parse(r.body) as unknown),
  };
}

export async function storeScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  const docs = ctx.size(100_000, 20_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-bench-store-'));
  const storeDir = path.join(dir, 'store');
  const rawFile = path.join(dir, 'raw', 'raw.sqlite');
  let store: Store | null = null;
  let raw: SqliteDatabase | null = null;
  try {
    progress(`  seeding ${docs.toLocaleString('en-US')} documents of ~1 KB into both files…`);
    const ids = seed([path.join(storeDir, DATABASE_FILE), rawFile], docs);
    store = createSqliteStore({ dataDir: storeDir });
    raw = openSqliteDatabase(rawFile);
    const documents = store.documents;
    const r = rawOps(raw);
    const pick = (i: number): string => ids[(i * 7919) % ids.length] ?? '';
    const operations = [
      { name: 'get by id', count: ctx.size(20_000, 5000), ours: (i: number) => documents.get(COLLECTION, pick(i)), raw: (i: number) => r.get(pick(i)) },
      { name: 'newest-50 page', count: ctx.size(2000, 500), ours: () => documents.list(COLLECTION, { order: 'desc', limit: 50 }), raw: () => r.newest() },
      {
        name: 'filtered list (kind = one of 10 values), 50 newest',
        count: ctx.size(1000, 300),
        ours: (i: number) => documents.list(COLLECTION, { order: 'desc', limit: 50, where: { kind: `k${i % KINDS}` } }),
        raw: (i: number) => r.filtered(`k${i % KINDS}`),
      },
      { name: 'insert (one transaction each)', count: ctx.size(5000, 2000), ours: (i: number) => documents.create(COLLECTION, documentBody(i)), raw: (i: number) => r.insert(i) },
    ];
    const rows: ScenarioRow[] = [];
    for (const op of operations) {
      await opsPerSecond(Math.ceil(op.count / 10), op.ours);
      await opsPerSecond(Math.ceil(op.count / 10), op.raw);
      const vs = await paired(`store ${op.name}`, ctx.repeats, () => opsPerSecond(op.count, op.ours), () => opsPerSecond(op.count, op.raw));
      rows.push(
        row({
          name: `store: ${op.name} at ${docs.toLocaleString('en-US')} docs`,
          value: vs.value,
          unit: 'ops/s',
          baseline: 'raw node:sqlite, same schema, same process',
          baselineValue: vs.baseline,
          target: 0.8,
        }),
      );
    }
    return rows;
  } finally {
    await store?.close();
    raw?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
