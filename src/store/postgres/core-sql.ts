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

  -- (helper A: documents, collections, backend_files, backend_changes, webhooks, schedules, assets, idempotency_keys)
`;
