import { EVENTS_SQL } from './events-sql.js';
import { RUN_EVENTS_SQL } from './run-events-sql.js';

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
    name: 'events_webhooks_schedules',
    sql: EVENTS_SQL,
  },
  {
    version: 6,
    name: 'automa_apps_runs_sweeps',
    sql: `
      -- Workflow apps, their runs and sweeps (see store/automa-types.ts).
      CREATE TABLE automa_apps (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        body        TEXT NOT NULL,
        create_time TEXT NOT NULL,
        update_time TEXT NOT NULL
      ) STRICT;

      CREATE TABLE automa_sweeps (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        app_id      TEXT NOT NULL,
        name        TEXT,
        body        TEXT NOT NULL,
        count       INTEGER NOT NULL,
        cancelled   INTEGER NOT NULL DEFAULT 0,
        create_time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX automa_sweeps_by_app ON automa_sweeps (app_id, seq);

      -- A sweep's runs are inserted in cell order, so seq order is submission order.
      CREATE TABLE automa_runs (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        id             TEXT NOT NULL UNIQUE,
        app_id         TEXT NOT NULL,
        sweep_id       TEXT,
        cell           INTEGER,
        coords         TEXT,
        prompt_id      TEXT NOT NULL UNIQUE,
        client_id      TEXT,
        inputs         TEXT NOT NULL,
        -- The compiled prompt until the queue has it (sweep runs compile from the sweep's snapshot).
        pending_prompt TEXT,
        status         TEXT NOT NULL DEFAULT 'queued',
        submitted      INTEGER NOT NULL DEFAULT 0,
        backend        TEXT,
        error          TEXT,
        outputs        TEXT,
        exec_status    TEXT,
        attempt        INTEGER NOT NULL DEFAULT 1,
        create_time    INTEGER NOT NULL,
        start_time     INTEGER,
        end_time       INTEGER
      ) STRICT;
      CREATE INDEX automa_runs_by_sweep ON automa_runs (sweep_id, cell) WHERE sweep_id IS NOT NULL;
      CREATE INDEX automa_runs_by_app ON automa_runs (app_id, seq);
      CREATE INDEX automa_runs_by_status ON automa_runs (status, seq);
      CREATE INDEX automa_runs_to_submit ON automa_runs (seq) WHERE submitted = 0 AND status = 'queued';

      CREATE TABLE automa_idempotency (
        scope       TEXT NOT NULL,
        key         TEXT NOT NULL,
        body_hash   TEXT NOT NULL,
        status      INTEGER NOT NULL,
        response    TEXT NOT NULL,
        create_time INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) STRICT, WITHOUT ROWID;

      -- A run's status follows its prompt's state inside the transaction that changes the prompt,
      -- whoever changes it (the queue, POST /queue, a restart's reconciliation): every change of
      -- automa_runs.status happens here or in store/sqlite/automa.ts, so an AFTER UPDATE OF status
      -- trigger on automa_runs sees each one (issue #14's event log).
      CREATE TRIGGER automa_run_submitted AFTER INSERT ON prompts BEGIN
        UPDATE automa_runs SET submitted = 1, pending_prompt = NULL WHERE prompt_id = NEW.id;
      END;
      CREATE TRIGGER automa_run_follows_prompt AFTER UPDATE OF state ON prompts BEGIN
        UPDATE automa_runs SET
          status = CASE NEW.state
            WHEN 'completed' THEN 'succeeded'
            WHEN 'failed' THEN 'failed'
            WHEN 'interrupted' THEN 'cancelled'
            WHEN 'cancelled' THEN 'cancelled'
            ELSE 'queued' END,
          backend = NEW.backend,
          start_time = NEW.start_time,
          end_time = NEW.end_time,
          outputs = CASE WHEN NEW.history IS NULL THEN outputs ELSE json_extract(NEW.history, '$.outputs') END,
          exec_status = CASE WHEN NEW.history IS NULL THEN exec_status ELSE json_extract(NEW.history, '$.status') END
        WHERE prompt_id = NEW.id;
      END;
      -- POST /queue {delete|clear} removes unfinished prompts outright: their runs were cancelled.
      CREATE TRIGGER automa_run_prompt_removed AFTER DELETE ON prompts WHEN OLD.state IN ('pending', 'submitted') BEGIN
        UPDATE automa_runs SET status = 'cancelled', end_time = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE prompt_id = OLD.id;
      END;
    `,
  },
  {
    version: 7,
    name: 'run_and_sweep_events',
    sql: RUN_EVENTS_SQL,
  },
  {
    version: 8,
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
  {
    version: 9,
    name: 'prompt_filters',
    sql: `
      -- The jobs list's filters (GET /api/jobs: backend, date, text; the web app's gallery).
      -- search_text is store/prompt-search.ts's promptSearchText(prompt), written at insert; rows
      -- from before this migration get nearly the same from SQL (lowercasing is ASCII-only there,
      -- and an integer beyond 2^63 reads as a float).
      ALTER TABLE prompts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
      UPDATE prompts SET search_text = coalesce((
        SELECT lower(group_concat(input.value, char(10)))
          FROM json_each(prompts.prompt) AS node,
               json_each(CASE WHEN node.type = 'object' THEN node.value ELSE '{}' END, '$.inputs') AS input
         WHERE input.type IN ('text', 'integer', 'real')), '');
      -- Every column the list filters and sorts on, in create_time order: a page's seqs and its
      -- count read this index alone, not the table rows (whose graphs and history entries make a
      -- scan of them take seconds at 100k prompts). It starts with create_time, so it also serves
      -- what prompts_created did.
      CREATE INDEX prompts_listed ON prompts (create_time, state, backend, start_time, end_time, search_text);
      DROP INDEX prompts_created;
    `,
  },
  {
    version: 10,
    name: 'webhook_delivery_leases',
    sql: `
      -- A sender is sending the delivery until then (see WebhookStore.lease); NULL: nobody is.
      ALTER TABLE automa_webhook_deliveries ADD COLUMN lease_until INTEGER;
    `,
  },
];
