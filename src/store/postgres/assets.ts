import type { AssetFile, AssetRecord, AssetStore } from '../api-v2-types.js';
import type { PostgresDatabase } from './database.js';

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

/** assets and job_assets rows, as the SQLite store keeps them. */
export function createPostgresAssetStore(db: PostgresDatabase): AssetStore {
  const byId = async (id: string, lock = ''): Promise<AssetRow | undefined> => db.one<AssetRow>(`SELECT ${COLUMNS} FROM assets WHERE id = $1${lock}`, [id]);
  const outputOf = (jobId: string, nodeId: string, file: AssetFile): Promise<AssetRow | undefined> =>
    db.one<AssetRow>(`SELECT ${COLUMNS} FROM assets WHERE job_id = $1 AND node_id = $2 AND file_type = $3 AND subfolder = $4 AND name = $5`, [
      jobId,
      nodeId,
      file.type,
      file.subfolder,
      file.name,
    ]);

  return {
    insert: async (record) => {
      const { file } = record;
      await db.run(
        `INSERT INTO assets (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (job_id, node_id, file_type, subfolder, name) WHERE job_id IS NOT NULL DO NOTHING`,
        [record.id, record.hash, record.sizeBytes, record.contentType, record.filePath, JSON.stringify(record.tags), file.type, file.subfolder, file.name, record.jobId, record.nodeId, record.createdAt, record.expiresAt],
      );
      if (record.jobId === null || record.nodeId === null) return record;
      // Another read of the same job (here or on another gateway) may have minted this output
      // first: its record wins. A racing insert waited on the unique index for it to commit.
      const row = await outputOf(record.jobId, record.nodeId, file);
      return row === undefined ? record : toRecord(row);
    },
    get: async (id) => {
      const row = await byId(id);
      return row === undefined ? undefined : toRecord(row);
    },
    byHash: async (hash) => {
      const row = await db.one<AssetRow>(`SELECT ${COLUMNS} FROM assets WHERE hash = $1 ORDER BY created_at, id COLLATE "C" LIMIT 1`, [hash]);
      return row === undefined ? undefined : toRecord(row);
    },
    jobOutput: async (jobId, nodeId, file) => {
      const row = await outputOf(jobId, nodeId, file);
      return row === undefined ? undefined : toRecord(row);
    },
    remove: (id) =>
      db.transaction(async () => {
        // FOR UPDATE waits out a useInJob of this asset (it holds the row FOR KEY SHARE), so the
        // in-use test below sees that job's rows.
        const row = await byId(id, ' FOR UPDATE');
        if (row === undefined) return { removed: false, reason: 'absent' } as const;
        const inUse = await db.one(
          `SELECT 1 AS one FROM job_assets j JOIN prompts p ON p.id = j.job_id
            WHERE j.asset_id = $1 AND p.state IN ('pending', 'submitted') LIMIT 1`,
          [id],
        );
        if (inUse !== undefined) return { removed: false, reason: 'in_use' } as const;
        await db.run(`DELETE FROM assets WHERE id = $1`, [id]);
        await db.run(`DELETE FROM job_assets WHERE asset_id = $1`, [id]);
        const file = toRecord(row).file;
        const same = await db.one(`SELECT 1 AS one FROM assets WHERE file_type = $1 AND subfolder = $2 AND name = $3 LIMIT 1`, [file.type, file.subfolder, file.name]);
        return { removed: true, fileStillUsed: same !== undefined, file } as const;
      }),
    useInJob: async (jobId, assetIds) => {
      await db.transaction(async () => {
        for (const assetId of assetIds) {
          await db.query(`SELECT 1 FROM assets WHERE id = $1 FOR KEY SHARE`, [assetId]);
          await db.run(`INSERT INTO job_assets (job_id, asset_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [jobId, assetId]);
        }
      });
    },
  };
}

