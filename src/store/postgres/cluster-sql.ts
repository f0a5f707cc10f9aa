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
