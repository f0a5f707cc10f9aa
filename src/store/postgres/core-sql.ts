/**
 * Migration 1: documents, backend files and changes, the event log, webhooks, schedules, and
 * Comfy API v2's assets and Idempotency-Key claims.
 */
export const CORE_SQL = `
  -- Every lifecycle change, appended in the transaction that makes the change. id is the SSE id
  -- and the resume cursor; a sequence never hands an id out twice, pruned or not.
  CREATE TABLE automa_events (
    id      bigserial PRIMARY KEY,
    type    text NOT NULL,
    time    bigint NOT NULL,
    subject text,
    app     text,
    sweep   text,
    data    text NOT NULL
  );
  CREATE INDEX automa_events_time ON automa_events (time);

  -- Every gateway hears of every append (at commit): store/postgres/events.ts listens.
  CREATE FUNCTION automa_event_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    PERFORM pg_notify(current_schema() || '.events', NEW.id || ' ' || NEW.type || coalesce(' ' || NEW.subject, ''));
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER automa_events_appended AFTER INSERT ON automa_events FOR EACH ROW EXECUTE FUNCTION automa_event_notify();

  -- Document collections; 'default' always exists (it cannot be dropped).
  CREATE TABLE collections (
    name        text PRIMARY KEY,
    create_time text NOT NULL
  );
  INSERT INTO collections (name, create_time) VALUES ('default', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));

  -- seq gives a total insertion order: newest-first paging and cursors ride on it. body is the
  -- client's fields as JSON.stringify wrote them (text, not jsonb: served back byte for byte).
  CREATE TABLE documents (
    seq         bigserial PRIMARY KEY,
    collection  text NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    id          text NOT NULL UNIQUE,
    create_time text NOT NULL,
    update_time text NOT NULL,
    revision    bigint NOT NULL,
    body        text NOT NULL
  );
  CREATE INDEX documents_by_collection ON documents (collection, seq);

  -- Which content each backend holds under a name in its input/temp/output folders (files module).
  CREATE TABLE backend_files (
    backend     text NOT NULL,
    type        text NOT NULL,
    subfolder   text NOT NULL,
    name        text NOT NULL,
    sha256      text NOT NULL,
    update_time bigint NOT NULL,
    PRIMARY KEY (backend, type, subfolder, name)
  );

  -- Runtime changes to the backend pool (see store/backend-types.ts); seq keeps SQLite's rowid order.
  CREATE TABLE backend_changes (
    seq      bigserial,
    name     text PRIMARY KEY,
    url      text,
    draining boolean NOT NULL DEFAULT false,
    removed  boolean NOT NULL DEFAULT false
  );

  CREATE TABLE automa_webhooks (
    seq               bigserial PRIMARY KEY,
    id                text NOT NULL UNIQUE,
    kind              text NOT NULL,
    url               text NOT NULL,
    secret            text NOT NULL,
    events            text NOT NULL,
    filter_app        text,
    filter_sweep      text,
    filter_subject    text,
    description       text,
    enabled           boolean NOT NULL,
    paused_time       bigint,
    paused_reason     text,
    last_success_time bigint,
    create_time       bigint NOT NULL,
    update_time       bigint NOT NULL
  );

  -- One row per (event, endpoint) to deliver; attempts and the final state live here.
  -- lease_until: a gateway is sending it until then (others leave it alone; see WebhookStore.lease).
  CREATE TABLE automa_webhook_deliveries (
    id               bigserial PRIMARY KEY,
    endpoint_id      text NOT NULL REFERENCES automa_webhooks (id) ON DELETE CASCADE,
    event_id         bigint NOT NULL,
    subject          text,
    status           text NOT NULL,
    attempts         bigint NOT NULL DEFAULT 0,
    next_time        bigint,
    create_time      bigint NOT NULL,
    update_time      bigint NOT NULL,
    last_status_code integer,
    last_error       text,
    lease_until      bigint
  );
  CREATE INDEX automa_webhook_deliveries_due ON automa_webhook_deliveries (endpoint_id, next_time) WHERE status = 'pending';
  CREATE INDEX automa_webhook_deliveries_head ON automa_webhook_deliveries (endpoint_id, subject, id) WHERE status = 'pending';
  CREATE INDEX automa_webhook_deliveries_log ON automa_webhook_deliveries (endpoint_id, id);
  CREATE INDEX automa_webhook_deliveries_event ON automa_webhook_deliveries (event_id);

  CREATE TABLE automa_webhook_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES automa_webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id text NOT NULL,
    attempt     bigint NOT NULL,
    time        bigint NOT NULL,
    status_code integer,
    latency_ms  bigint NOT NULL,
    error       text,
    response    text
  );
  CREATE INDEX automa_webhook_attempts_log ON automa_webhook_attempts (endpoint_id, id);
  CREATE INDEX automa_webhook_attempts_delivery ON automa_webhook_attempts (delivery_id);

  -- The outbox fan-out: an event and its deliveries commit together, so none is ever lost or
  -- doubled. A pattern is '*', an exact type, or 'prefix.*'. webhook.test goes to one endpoint only.
  CREATE FUNCTION automa_events_fan_out() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    INSERT INTO automa_webhook_deliveries (endpoint_id, event_id, subject, status, next_time, create_time, update_time)
    SELECT w.id, NEW.id, NEW.subject, 'pending', NEW.time, NEW.time, NEW.time FROM automa_webhooks w
     WHERE w.enabled AND w.paused_time IS NULL
       AND (w.filter_app IS NULL OR w.filter_app = NEW.app)
       AND (w.filter_sweep IS NULL OR w.filter_sweep = NEW.sweep)
       AND (w.filter_subject IS NULL OR w.filter_subject = NEW.subject)
       AND EXISTS (SELECT 1 FROM json_array_elements_text(w.events::json) AS p (value)
                    WHERE p.value = '*' OR p.value = NEW.type
                       OR (right(p.value, 2) = '.*' AND left(NEW.type, length(p.value) - 1) = left(p.value, length(p.value) - 1)))
     ORDER BY w.seq;
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER automa_events_fan_out AFTER INSERT ON automa_events
    FOR EACH ROW WHEN (NEW.type <> 'webhook.test') EXECUTE FUNCTION automa_events_fan_out();

  CREATE TABLE automa_schedules (
    seq         bigserial PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    name        text,
    target      text NOT NULL,
    cron        text,
    at          bigint,
    timezone    text NOT NULL,
    missed      text NOT NULL,
    paused      boolean NOT NULL DEFAULT false,
    next_time   bigint,
    create_time bigint NOT NULL,
    update_time bigint NOT NULL
  );
  CREATE INDEX automa_schedules_due ON automa_schedules (next_time) WHERE NOT paused AND next_time IS NOT NULL;

  -- One row per slot: the primary key is what makes a slot fire once, across restarts and gateways.
  CREATE TABLE automa_schedule_fires (
    schedule_id text NOT NULL REFERENCES automa_schedules (id) ON DELETE CASCADE,
    slot_time   bigint NOT NULL,
    fire_time   bigint NOT NULL,
    status      text NOT NULL,
    result_kind text,
    result_id   text,
    error       text,
    PRIMARY KEY (schedule_id, slot_time)
  );

  -- Comfy API v2 assets: UUID records over content-addressed files in our file tree (see
  -- store/sqlite/migrations.ts, version 8). Several records may share one file (dedupe by hash).
  CREATE TABLE assets (
    id           text PRIMARY KEY,
    hash         text NOT NULL,
    size_bytes   bigint NOT NULL,
    content_type text NOT NULL,
    file_path    text,
    tags         text NOT NULL,
    file_type    text NOT NULL,
    subfolder    text NOT NULL,
    name         text NOT NULL,
    job_id       text,
    node_id      text,
    created_at   bigint NOT NULL,
    expires_at   bigint
  );
  CREATE INDEX assets_by_hash ON assets (hash);
  CREATE INDEX assets_by_file ON assets (file_type, subfolder, name);
  -- One record per output file of a job, however often the job is read.
  CREATE UNIQUE INDEX assets_job_outputs ON assets (job_id, node_id, file_type, subfolder, name) WHERE job_id IS NOT NULL;

  -- Assets a job's workflow referenced (core/ASSET): held while the job has not finished.
  CREATE TABLE job_assets (
    job_id   text NOT NULL,
    asset_id text NOT NULL,
    PRIMARY KEY (job_id, asset_id)
  );
  CREATE INDEX job_assets_by_asset ON job_assets (asset_id);

  -- Idempotency-Key claims per operation: the request's fingerprint and what it created.
  CREATE TABLE idempotency_keys (
    scope       text NOT NULL,
    key         text NOT NULL,
    fingerprint text NOT NULL,
    result_id   text NOT NULL,
    created_at  bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
`;
