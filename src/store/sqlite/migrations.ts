/**
 * Numbered schema migrations, applied in order inside one transaction each; the database's
 * user_version records the last one applied. Never edit a migration that has shipped: add one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents',
    sql: `
      CREATE TABLE collections (
        name        TEXT PRIMARY KEY,
        create_time TEXT NOT NULL
      ) STRICT;
      INSERT INTO collections (name, create_time) VALUES ('default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

      -- seq gives a total insertion order: newest-first paging and cursors ride on it.
      CREATE TABLE documents (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        collection  TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
        id          TEXT NOT NULL UNIQUE,
        create_time TEXT NOT NULL,
        update_time TEXT NOT NULL,
        revision    INTEGER NOT NULL,
        body        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX documents_by_collection ON documents (collection, seq);
    `,
  },
  {
    version: 2,
    name: 'prompts',
    sql: `
      -- One row per prompt, from POST /prompt to its history entry (see store/prompt-types.ts).
      CREATE TABLE prompts (
        seq                INTEGER PRIMARY KEY AUTOINCREMENT,
        id                 TEXT NOT NULL UNIQUE,
        number             REAL NOT NULL,
        state              TEXT NOT NULL,
        client_id          TEXT,
        prompt             TEXT NOT NULL,
        extra_data         TEXT NOT NULL,
        outputs_to_execute TEXT NOT NULL,
        backend            TEXT,
        attempts           INTEGER NOT NULL DEFAULT 0,
        create_time        INTEGER NOT NULL,
        start_time         INTEGER,
        end_time           INTEGER,
        -- Completion order for /history; NULL until finished or after deletion from history.
        history_seq        INTEGER UNIQUE,
        history            TEXT
      ) STRICT;
      CREATE INDEX prompts_unfinished ON prompts (number, seq) WHERE state IN ('pending', 'submitted');
      CREATE INDEX prompts_history ON prompts (history_seq) WHERE history_seq IS NOT NULL;
      CREATE INDEX prompts_created ON prompts (create_time);
    `,
  },
  {
    version: 3,
    name: 'backend_files',
    sql: `
      -- Which content each backend holds under a name in its input/temp/output folders (files module).
      CREATE TABLE backend_files (
        backend     TEXT NOT NULL,
        type        TEXT NOT NULL,
        subfolder   TEXT NOT NULL,
        name        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        update_time INTEGER NOT NULL,
        PRIMARY KEY (backend, type, subfolder, name)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'backend_changes',
    sql: `
      -- Runtime changes to the backend pool (see store/backend-types.ts).
      CREATE TABLE backend_changes (
        name     TEXT PRIMARY KEY,
        url      TEXT,
        draining INTEGER NOT NULL DEFAULT 0,
        removed  INTEGER NOT NULL DEFAULT 0
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'api_v2',
    sql: `
      -- Comfy API v2 assets: UUID records over content-addressed files in our file tree. An
      -- uploaded blob lives in input/automa-assets/; a job output's record points at the output
      -- file the queue collected. Several records may share one file (dedupe by hash).
      CREATE TABLE assets (
        id           TEXT PRIMARY KEY,
        hash         TEXT NOT NULL,
        size_bytes   INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        file_path    TEXT,
        tags         TEXT NOT NULL,
        file_type    TEXT NOT NULL,
        subfolder    TEXT NOT NULL,
        name         TEXT NOT NULL,
        job_id       TEXT,
        node_id      TEXT,
        created_at   INTEGER NOT NULL,
        expires_at   INTEGER
      ) STRICT;
      CREATE INDEX assets_by_hash ON assets (hash);
      CREATE INDEX assets_by_file ON assets (file_type, subfolder, name);
      -- One record per output file of a job, however often the job is read.
      CREATE UNIQUE INDEX assets_job_outputs ON assets (job_id, node_id, file_type, subfolder, name) WHERE job_id IS NOT NULL;

      -- Assets a job's workflow referenced (core/ASSET): held while the job has not finished.
      CREATE TABLE job_assets (
        job_id   TEXT NOT NULL,
        asset_id TEXT NOT NULL,
        PRIMARY KEY (job_id, asset_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX job_assets_by_asset ON job_assets (asset_id);

      -- Idempotency-Key claims per operation: the request's fingerprint and what it created.
      CREATE TABLE idempotency_keys (
        scope       TEXT NOT NULL,
        key         TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        result_id   TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
    `,
  },
];
