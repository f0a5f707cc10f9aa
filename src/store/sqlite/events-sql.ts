/**
 * Migration 5: the event log (an outbox), webhook endpoints with their deliveries and attempts,
 * and schedules with the slots they fired (see store/event-types.ts, webhook-types.ts and
 * schedule-types.ts).
 */
export const EVENTS_SQL = `
  -- Every lifecycle change, appended in the transaction that makes the change. id is the SSE id
  -- and the resume cursor: AUTOINCREMENT so an id is never reused after pruning.
  CREATE TABLE automa_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    type    TEXT NOT NULL,
    time    INTEGER NOT NULL,
    subject TEXT,
    app     TEXT,
    sweep   TEXT,
    data    TEXT NOT NULL
  ) STRICT;
  CREATE INDEX automa_events_time ON automa_events (time);

  -- Tells the process, from inside the appending transaction, that the log grew, whoever appended
  -- (store code or another table's trigger): the function is registered by store/sqlite/events.ts.
  CREATE TRIGGER automa_events_appended AFTER INSERT ON automa_events BEGIN
    SELECT automa_event_appended(NEW.id, NEW.type, NEW.subject);
  END;

  CREATE TABLE automa_webhooks (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    url               TEXT NOT NULL,
    secret            TEXT NOT NULL,
    events            TEXT NOT NULL,
    filter_app        TEXT,
    filter_sweep      TEXT,
    filter_subject    TEXT,
    description       TEXT,
    enabled           INTEGER NOT NULL,
    paused_time       INTEGER,
    paused_reason     TEXT,
    last_success_time INTEGER,
    create_time       INTEGER NOT NULL,
    update_time       INTEGER NOT NULL
  ) STRICT;

  -- One row per (event, endpoint) to deliver; attempts and the final state live here.
  CREATE TABLE automa_webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      TEXT NOT NULL REFERENCES automa_webhooks (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL,
    subject          TEXT,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_time        INTEGER,
    create_time      INTEGER NOT NULL,
    update_time      INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT
  ) STRICT;
  CREATE INDEX automa_webhook_deliveries_due ON automa_webhook_deliveries (endpoint_id, next_time) WHERE status = 'pending';
  CREATE INDEX automa_webhook_deliveries_head ON automa_webhook_deliveries (endpoint_id, subject, id) WHERE status = 'pending';
  CREATE INDEX automa_webhook_deliveries_log ON automa_webhook_deliveries (endpoint_id, id);
  CREATE INDEX automa_webhook_deliveries_event ON automa_webhook_deliveries (event_id);

  CREATE TABLE automa_webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES automa_webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    time        INTEGER NOT NULL,
    status_code INTEGER,
    latency_ms  INTEGER NOT NULL,
    error       TEXT,
    response    TEXT
  ) STRICT;
  CREATE INDEX automa_webhook_attempts_log ON automa_webhook_attempts (endpoint_id, id);
  CREATE INDEX automa_webhook_attempts_delivery ON automa_webhook_attempts (delivery_id);

  -- The outbox fan-out: an event and its deliveries commit together, so none is ever lost or
  -- doubled. A pattern is '*', an exact type, or 'prefix.*'. webhook.test goes to one endpoint only.
  CREATE TRIGGER automa_events_fan_out AFTER INSERT ON automa_events WHEN NEW.type <> 'webhook.test' BEGIN
    INSERT INTO automa_webhook_deliveries (endpoint_id, event_id, subject, status, next_time, create_time, update_time)
    SELECT w.id, NEW.id, NEW.subject, 'pending', NEW.time, NEW.time, NEW.time FROM automa_webhooks w
     WHERE w.enabled = 1 AND w.paused_time IS NULL
       AND (w.filter_app IS NULL OR w.filter_app IS NEW.app)
       AND (w.filter_sweep IS NULL OR w.filter_sweep IS NEW.sweep)
       AND (w.filter_subject IS NULL OR w.filter_subject IS NEW.subject)
       AND EXISTS (SELECT 1 FROM json_each(w.events) p
                    WHERE p.value = '*' OR p.value = NEW.type
                       OR (substr(p.value, -2) = '.*' AND substr(NEW.type, 1, length(p.value) - 1) = substr(p.value, 1, length(p.value) - 1)));
  END;

  CREATE TABLE automa_schedules (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT,
    target      TEXT NOT NULL,
    cron        TEXT,
    at          INTEGER,
    timezone    TEXT NOT NULL,
    missed      TEXT NOT NULL,
    paused      INTEGER NOT NULL DEFAULT 0,
    next_time   INTEGER,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX automa_schedules_due ON automa_schedules (next_time) WHERE paused = 0 AND next_time IS NOT NULL;

  -- One row per slot: the primary key is what makes a slot fire once, across restarts.
  CREATE TABLE automa_schedule_fires (
    schedule_id TEXT NOT NULL REFERENCES automa_schedules (id) ON DELETE CASCADE,
    slot_time   INTEGER NOT NULL,
    fire_time   INTEGER NOT NULL,
    status      TEXT NOT NULL,
    result_kind TEXT,
    result_id   TEXT,
    error       TEXT,
    PRIMARY KEY (schedule_id, slot_time)
  ) STRICT, WITHOUT ROWID;
`;
