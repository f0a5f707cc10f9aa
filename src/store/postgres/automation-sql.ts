/**
 * Migration 2: prompts and history, apps, runs and sweeps, and the triggers that keep runs in step
 * with prompts (SQLite's migrations 2, 6 and 7 as one design).
 *
 * A run's events are the run as `GET /automa/runs/{id}` shows it, which TypeScript builds; so the
 * triggers here only note which run changed, in automa_run_changes under the writing transaction's
 * id, and store/postgres/run-events.ts drains this transaction's notes just before it commits and
 * appends the events in it (SQLite calls a JS function from its triggers instead).
 */
export const AUTOMATION_SQL = `
  -- One row per prompt, from POST /prompt to its history entry (see store/prompt-types.ts).
  -- seq is global insertion order across every gateway sharing this database.
  CREATE TABLE prompts (
    seq                bigserial PRIMARY KEY,
    id                 text NOT NULL UNIQUE,
    number             double precision NOT NULL,
    state              text NOT NULL,
    client_id          text,
    prompt             text NOT NULL,
    extra_data         text NOT NULL,
    outputs_to_execute text NOT NULL,
    backend            text,
    attempts           integer NOT NULL DEFAULT 0,
    create_time        bigint NOT NULL,
    start_time         bigint,
    end_time           bigint,
    -- Completion order for /history (from prompts_history_order); NULL until finished or after deletion from history.
    history_seq        bigint,
    history            text,
    -- Input values, lowercased (store/prompt-search.ts): the gallery's text filter.
    search_text        text NOT NULL DEFAULT ''
  );
  CREATE SEQUENCE prompts_history_order OWNED BY prompts.history_seq;
  CREATE INDEX prompts_unfinished ON prompts (number, seq) WHERE state IN ('pending', 'submitted');
  CREATE UNIQUE INDEX prompts_history ON prompts (history_seq) WHERE history_seq IS NOT NULL;
  CREATE INDEX prompts_history_end ON prompts (end_time) WHERE history_seq IS NOT NULL;
  -- /api/jobs sorts on (create_time, seq) within the states it asks for.
  CREATE INDEX prompts_created ON prompts (create_time, seq);
  CREATE INDEX prompts_by_backend ON prompts (backend, create_time) WHERE backend IS NOT NULL;
  CREATE INDEX prompts_by_state ON prompts (state, create_time);

  -- Bumped in every transaction that changes history: a gateway's cached /history page is good
  -- while this is what it was read under, whichever gateway changed history since.
  CREATE TABLE prompts_history_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
  );
  INSERT INTO prompts_history_version (version) VALUES (0);

  -- Workflow apps, their runs and sweeps (see store/automa-types.ts).
  CREATE TABLE automa_apps (
    seq         bigserial PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    name        text NOT NULL,
    body        text NOT NULL,
    create_time text NOT NULL,
    update_time text NOT NULL
  );

  CREATE TABLE automa_sweeps (
    seq         bigserial PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    app_id      text NOT NULL,
    name        text,
    body        text NOT NULL,
    count       integer NOT NULL,
    cancelled   boolean NOT NULL DEFAULT false,
    create_time bigint NOT NULL
  );
  CREATE INDEX automa_sweeps_by_app ON automa_sweeps (app_id, seq);

  -- A sweep's runs are inserted in cell order, so seq order is submission order.
  CREATE TABLE automa_runs (
    seq            bigserial PRIMARY KEY,
    id             text NOT NULL UNIQUE,
    app_id         text NOT NULL,
    sweep_id       text,
    cell           integer,
    coords         text,
    prompt_id      text NOT NULL UNIQUE,
    client_id      text,
    inputs         text NOT NULL,
    -- The compiled prompt until the queue has it (sweep runs compile from the sweep's snapshot).
    pending_prompt text,
    status         text NOT NULL DEFAULT 'queued',
    submitted      boolean NOT NULL DEFAULT false,
    backend        text,
    error          text,
    outputs        text,
    exec_status    text,
    attempt        integer NOT NULL DEFAULT 1,
    create_time    bigint NOT NULL,
    start_time     bigint,
    end_time       bigint
  );
  CREATE INDEX automa_runs_by_sweep ON automa_runs (sweep_id, cell) WHERE sweep_id IS NOT NULL;
  CREATE INDEX automa_runs_by_app ON automa_runs (app_id, seq);
  CREATE INDEX automa_runs_by_status ON automa_runs (status, seq);
  CREATE INDEX automa_runs_to_submit ON automa_runs (seq) WHERE NOT submitted AND status = 'queued';
  -- sweep.progress and sweep.completed count a sweep's runs by status in the ending transaction.
  CREATE INDEX automa_runs_sweep_status ON automa_runs (sweep_id, status) WHERE sweep_id IS NOT NULL;

  CREATE TABLE automa_idempotency (
    scope       text NOT NULL,
    key         text NOT NULL,
    body_hash   text NOT NULL,
    status      integer NOT NULL,
    response    text NOT NULL,
    create_time bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );

  -- Runs whose event is owed by the transaction txid (drained before it commits; a rollback
  -- takes its rows with it). id keeps the order the changes happened in.
  CREATE TABLE automa_run_changes (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid   bigint NOT NULL DEFAULT txid_current(),
    run_id text NOT NULL
  );
  CREATE INDEX automa_run_changes_by_tx ON automa_run_changes (txid);

  -- A run's status follows its prompt's state inside the transaction that changes the prompt,
  -- whoever changes it (the queue, POST /queue, a restart's reconciliation): every change of
  -- automa_runs.status happens here or in store/postgres/automa.ts.
  CREATE FUNCTION automa_run_submitted() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    UPDATE automa_runs SET submitted = true, pending_prompt = NULL WHERE prompt_id = NEW.id;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER automa_run_submitted AFTER INSERT ON prompts FOR EACH ROW EXECUTE FUNCTION automa_run_submitted();

  -- The JSON text of history's outputs and status, as SQLite's json_extract gives them. json (not
  -- jsonb) keeps the text as written: integers past 2^53 stay exact. PostgreSQL refuses some text
  -- JSON allows (\\u0000, a lone surrogate escape); then those escapes read as U+FFFD first, so
  -- the prompt still finishes and its run still ends (only such a run's outputs lose that character).
  CREATE FUNCTION automa_history_part(history text, part text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
  BEGIN
    RETURN (history::json -> part)::text;
  EXCEPTION WHEN invalid_text_representation OR untranslatable_character THEN
    RETURN (regexp_replace(history, '(?<!\\\\)((?:\\\\\\\\)*)\\\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})', '\\1\\\\ufffd', 'g')::json -> part)::text;
  END
  $fn$;

  CREATE FUNCTION automa_run_follows_prompt() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
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
      outputs = CASE WHEN NEW.history IS NULL THEN outputs ELSE automa_history_part(NEW.history, 'outputs') END,
      exec_status = CASE WHEN NEW.history IS NULL THEN exec_status ELSE automa_history_part(NEW.history, 'status') END
    WHERE prompt_id = NEW.id;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER automa_run_follows_prompt AFTER UPDATE OF state ON prompts FOR EACH ROW EXECUTE FUNCTION automa_run_follows_prompt();

  -- POST /queue {delete|clear} removes unfinished prompts outright: their runs were cancelled.
  CREATE FUNCTION automa_run_prompt_removed() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    UPDATE automa_runs SET status = 'cancelled', end_time = floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
      WHERE prompt_id = OLD.id;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER automa_run_prompt_removed AFTER DELETE ON prompts
    FOR EACH ROW WHEN (OLD.state IN ('pending', 'submitted')) EXECUTE FUNCTION automa_run_prompt_removed();

  -- The run's event is owed by this transaction.
  CREATE FUNCTION automa_run_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    INSERT INTO automa_run_changes (run_id) VALUES (NEW.id);
    RETURN NULL;
  END
  $fn$;
  -- run.queued: the queue took the run's prompt (submitted false → true while queued; the prompt
  -- insert's own transaction, through automa_run_submitted). A retried cell is queued again this way.
  CREATE TRIGGER automa_run_event_queued AFTER UPDATE OF submitted ON automa_runs
    FOR EACH ROW WHEN (NOT OLD.submitted AND NEW.submitted AND NEW.status = 'queued') EXECUTE FUNCTION automa_run_changed();
  -- run.succeeded / run.failed / run.cancelled: whoever ended it (the prompt's triggers, a
  -- refused prompt, a cancel before submission). Back to queued (a retry) waits for submission.
  CREATE TRIGGER automa_run_event_ended AFTER UPDATE OF status ON automa_runs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status <> 'queued') EXECUTE FUNCTION automa_run_changed();

  -- prompt.* is for prompts sent straight to /prompt: a workflow run's prompt speaks as run.*.
  -- RETURN NULL drops the one row and lets the statement (and its transaction) go on.
  CREATE FUNCTION automa_events_skip_run_prompts() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF EXISTS (SELECT 1 FROM automa_runs WHERE prompt_id = NEW.subject) THEN RETURN NULL; END IF;
    RETURN NEW;
  END
  $fn$;
  CREATE TRIGGER automa_events_skip_run_prompts BEFORE INSERT ON automa_events
    FOR EACH ROW WHEN (NEW.type LIKE 'prompt.%') EXECUTE FUNCTION automa_events_skip_run_prompts();
`;
