import type { AssetFile, AssetRecord, AssetStore } from '../api-v2-types.js';
import type { SqliteDatabase } from './database.js';

interface AssetRow {
  id: string;
  hash: string;
  size_bytes: number;
  content_type: string;
  file_path: string | null;
  tags: string;
  file_type: string;
  subfolder: string;
  name: string;
  job_id: string | null;
  node_id: string | null;
  created_at: number;
  expires_at: number | null;
}

const COLUMNS = 'id, hash, size_bytes, content_type, file_path, tags, file_type, subfolder, name, job_id, node_id, created_at, expires_at';

const toRecord = (row: AssetRow): AssetRecord => ({
  id: row.id,
  hash: row.hash,
  sizeBytes: row.size_bytes,
  contentType: row.content_type,
  filePath: row.file_path,
  tags: JSON.parse(row.tags) as string[],
  file: { type: row.file_type as AssetFile['type'], subfolder: row.subfolder, name: row.name },
  jobId: row.job_id,
  nodeId: row.node_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** assets and job_assets rows (migration 5). */
export function createSqliteAssetStore(db: SqliteDatabase): AssetStore {
  const insert = db.prepare(
    `INSERT INTO assets (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id, node_id, file_type, subfolder, name) WHERE job_id IS NOT NULL DO NOTHING`,
  );
  const byId = db.prepare<[string], AssetRow>(`SELECT ${COLUMNS} FROM assets WHERE id = ?`);
  const byHash = db.prepare<[string], AssetRow>(`SELECT ${COLUMNS} FROM assets WHERE hash = ? ORDER BY created_at, id LIMIT 1`);
  const jobOutput = db.prepare<[string, string, string, string, string], AssetRow>(
    `SELECT ${COLUMNS} FROM assets WHERE job_id = ? AND node_id = ? AND file_type = ? AND subfolder = ? AND name = ?`,
  );
  const inUse = db.prepare<[string], { one: number }>(
    `SELECT 1 AS one FROM job_assets j JOIN prompts p ON p.id = j.job_id
      WHERE j.asset_id = ? AND p.state IN ('pending', 'submitted') LIMIT 1`,
  );
  const remove = db.prepare('DELETE FROM assets WHERE id = ?');
  const forgetUses = db.prepare('DELETE FROM job_assets WHERE asset_id = ?');
  const sameFile = db.prepare<[string, string, string], { one: number }>(
    'SELECT 1 AS one FROM assets WHERE file_type = ? AND subfolder = ? AND name = ? LIMIT 1',
  );
  const use = db.prepare('INSERT OR IGNORE INTO job_assets (job_id, asset_id) VALUES (?, ?)');

  const outputOf = (jobId: string, nodeId: string, file: AssetFile) => jobOutput.get(jobId, nodeId, file.type, file.subfolder, file.name);

  return {
    insert: async (record) => {
      const { file } = record;
      insert.run(record.id, record.hash, record.sizeBytes, record.contentType, record.filePath, JSON.stringify(record.tags), file.type, file.subfolder, file.name, record.jobId, record.nodeId, record.createdAt, record.expiresAt);
      if (record.jobId === null || record.nodeId === null) return record;
      // A concurrent read of the same job may have minted this output first: its record wins.
      const row = outputOf(record.jobId, record.nodeId, file);
      return row === undefined ? record : toRecord(row);
    },
    get: async (id) => {
      const row = byId.get(id);
      return row === undefined ? undefined : toRecord(row);
    },
    byHash: async (hash) => {
      const row = byHash.get(hash);
      return row === undefined ? undefined : toRecord(row);
    },
    jobOutput: async (jobId, nodeId, file) => {
      const row = outputOf(jobId, nodeId, file);
      return row === undefined ? undefined : toRecord(row);
    },
    remove: async (id) =>
      db.transaction(() => {
        const row = byId.get(id);
        if (row === undefined) return { removed: false, reason: 'absent' } as const;
        if (inUse.get(id) !== undefined) return { removed: false, reason: 'in_use' } as const;
        remove.run(id);
        forgetUses.run(id);
        const file = toRecord(row).file;
        return { removed: true, fileStillUsed: sameFile.get(file.type, file.subfolder, file.name) !== undefined, file } as const;
      }, 'immediate'),
    useInJob: async (jobId, assetIds) => {
      db.transaction(() => {
        for (const assetId of assetIds) use.run(jobId, assetId);
      }, 'immediate');
    },
  };
}
