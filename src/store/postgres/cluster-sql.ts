/** Migration 3: the gateways sharing this database and which backend each drives (see queue/cluster). */
export const CLUSTER_SQL = `
  -- Each gateway's heartbeat: the live ones share the backends between them.
  CREATE TABLE automa_gateways (
    id         text PRIMARY KEY,
    address    text,
    started_at bigint NOT NULL,
    seen_at    bigint NOT NULL
  );

  -- One row per backend: the gateway that drives it until expires_at (ms since the epoch,
  -- by the database's clock so the gateways' clocks never have to agree).
  CREATE TABLE automa_backend_leases (
    backend    text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at bigint NOT NULL,
    acquired_at bigint NOT NULL
  );
`;

/**
 * Migration 4: every change of a prompt's state reaches every gateway (their pending queues are
 * copies of the table's pending rows), on the channel the cluster messages use.
 */
export const PROMPT_NOTIFY_SQL = `
  CREATE SEQUENCE automa_prompt_numbers;

  CREATE FUNCTION automa_prompt_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
  DECLARE
    row_id text := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    row_state text := CASE WHEN TG_OP = 'DELETE' THEN 'deleted' ELSE NEW.state END;
  BEGIN
    PERFORM pg_notify(current_schema() || '.cluster',
      json_build_object('from', '', 'kind', 'prompt', 'body', json_build_object('id', row_id, 'state', row_state))::text);
    RETURN NULL;
  END
  $fn$;
  CREATE TRIGGER automa_prompts_changed AFTER INSERT OR DELETE OR UPDATE OF state, number ON prompts
    FOR EACH ROW EXECUTE FUNCTION automa_prompt_notify();
`;

/**
 * Migration 5: a prompt change also says the row's number and the state it left (null for an
 * insert), so a gateway skips re-reading rows it already holds as they are (its own submissions)
 * and keeps the cluster's unfinished count from the changes instead of counting the table.
 */
export const PROMPT_NOTIFY_DETAIL_SQL = `
  CREATE OR REPLACE FUNCTION automa_prompt_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
  DECLARE
    row_id text := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    row_state text := CASE WHEN TG_OP = 'DELETE' THEN 'deleted' ELSE NEW.state END;
    row_number double precision := CASE WHEN TG_OP = 'DELETE' THEN OLD.number ELSE NEW.number END;
    was text := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.state END;
  BEGIN
    PERFORM pg_notify(current_schema() || '.cluster',
      json_build_object('from', '', 'kind', 'prompt',
        'body', json_build_object('id', row_id, 'state', row_state, 'number', row_number, 'was', was))::text);
    RETURN NULL;
  END
  $fn$;
`;
