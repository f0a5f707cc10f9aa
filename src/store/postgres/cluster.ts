import { createPayloadJoiner, splitPayload } from './notify-parts.js';
import type { BackendLease, ClusterMessage, ClusterStore, GatewayPresence } from '../cluster-types.js';
import type { PostgresDatabase } from './database.js';
import { PROMPT_COLUMNS, toRecord, type PromptRow } from './prompts.js';

/** NOTIFY channel of gateway messages and prompt changes (migration 4's trigger sends on it too). */
const CHANNEL = 'cluster';
/** Longer messages are not relayed (a preview this big is best-effort anyway). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** The database's clock in ms: leases compare against one clock, never the gateways' own. */
const NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface LeaseRow {
  backend: string;
  holder: string;
  expires_at: number;
}
interface GatewayRow {
  id: string;
  address: string | null;
  started_at: number;
  seen_at: number;
}

export function createPostgresClusterStore(db: PostgresDatabase): ClusterStore {
  const numbers = createNumberDraw(db);
  return {
    heartbeat: async (gateway, ttlMs) =>
      db.transaction(async () => {
        await db.run(
          `INSERT INTO automa_gateways (id, address, started_at, seen_at) VALUES ($1, $2, $3, ${NOW})
           ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, seen_at = EXCLUDED.seen_at`,
          [gateway.id, gateway.address, gateway.startedAt],
        );
        await db.run(`DELETE FROM automa_gateways WHERE seen_at < ${NOW} - $1::bigint * 10`, [ttlMs]);
        const rows = await db.query<GatewayRow>(`SELECT id, address, started_at, seen_at FROM automa_gateways WHERE seen_at >= ${NOW} - $1::bigint ORDER BY id`, [
          ttlMs,
        ]);
        return rows.map(toPresence);
      }),
    leave: async (gatewayId) =>
      db.transaction(async () => {
        await db.run(`DELETE FROM automa_backend_leases WHERE holder = $1`, [gatewayId]);
        await db.run(`DELETE FROM automa_gateways WHERE id = $1`, [gatewayId]);
      }),
    leases: async () =>
      (await db.query<LeaseRow>(`SELECT backend, holder, expires_at FROM automa_backend_leases ORDER BY backend`)).map(
        (row): BackendLease => ({ backend: row.backend, holder: row.holder, expiresAt: row.expires_at }),
      ),
    acquire: async (backend, gatewayId, ttlMs) => {
      // One statement: of two gateways racing for an expired lease, the row lock makes the
      // second re-check the WHERE against the first one's fresh lease, and it loses.
      const taken = await db.run(
        `INSERT INTO automa_backend_leases (backend, holder, expires_at, acquired_at) VALUES ($1, $2, ${NOW} + $3::bigint, ${NOW})
         ON CONFLICT (backend) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
           acquired_at = CASE WHEN automa_backend_leases.holder = EXCLUDED.holder THEN automa_backend_leases.acquired_at ELSE EXCLUDED.acquired_at END
         WHERE automa_backend_leases.holder = EXCLUDED.holder OR automa_backend_leases.expires_at < ${NOW}`,
        [backend, gatewayId, ttlMs],
      );
      return taken === 1;
    },
    renew: async (gatewayId, ttlMs) =>
      (
        await db.query<{ backend: string }>(
          `UPDATE automa_backend_leases SET expires_at = ${NOW} + $2::bigint WHERE holder = $1 AND expires_at >= ${NOW} RETURNING backend`,
          [gatewayId, ttlMs],
        )
      ).map((row) => row.backend),
    release: async (backend, gatewayId) => {
      await db.run(`DELETE FROM automa_backend_leases WHERE backend = $1 AND holder = $2`, [backend, gatewayId]);
    },
    unfinishedAmong: async (ids) =>
      ids.length === 0
        ? []
        : (await db.query<PromptRow>(`SELECT ${PROMPT_COLUMNS} FROM prompts WHERE id = ANY($1::text[]) AND state IN ('pending', 'submitted')`, [ids])).map(toRecord),
    nextNumbers: async (count) => (count <= 0 ? [] : numbers(count)),
    publish: async (message) => {
      const payload = JSON.stringify(message);
      if (Buffer.byteLength(payload) > MAX_MESSAGE_BYTES) throw new Error(`cluster message of ${Buffer.byteLength(payload)} bytes is over ${MAX_MESSAGE_BYTES}`);
      const parts = splitPayload(payload);
      if (parts.length === 1) await db.query(`SELECT pg_notify($1, $2)`, [db.channelName(CHANNEL), payload]);
      // One statement, one transaction: the parts arrive together, in order.
      else await db.query(`SELECT pg_notify($1, part) FROM unnest($2::text[]) WITH ORDINALITY AS p(part, n) ORDER BY n`, [db.channelName(CHANNEL), parts]);
    },
    subscribe: async (listener) =>
      db.listen(
        CHANNEL,
        createPayloadJoiner((payload) => {
          let message: ClusterMessage;
          try {
            message = JSON.parse(payload) as ClusterMessage;
          } catch {
            return;
          }
          listener(message);
        }),
      ),
    onMissed: (listener) => db.onListenerReconnected(listener),
  };
}

/**
 * Priority numbers from the cluster's sequence, one round trip for every caller that asks while
 * a draw is under way (each POST /prompt asks): callers get theirs in the order they asked, each
 * caller's increasing, none shared.
 */
function createNumberDraw(db: PostgresDatabase): (count: number) => Promise<number[]> {
  let waiting: { count: number; resolve: (numbers: number[]) => void; reject: (error: unknown) => void }[] = [];
  let drawing = false;
  const drain = async (): Promise<void> => {
    drawing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      const total = batch.reduce((sum, w) => sum + w.count, 0);
      try {
        const drawn = (await db.query<{ n: number }>(`SELECT nextval('automa_prompt_numbers') AS n FROM generate_series(1, $1)`, [total])).map((row) => row.n);
        let at = 0;
        for (const waiter of batch) {
          waiter.resolve(drawn.slice(at, at + waiter.count));
          at += waiter.count;
        }
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    drawing = false;
  };
  return (count) =>
    new Promise((resolve, reject) => {
      waiting.push({ count, resolve, reject });
      if (!drawing) void drain();
    });
}

function toPresence(row: GatewayRow): GatewayPresence {
  return { id: row.id, address: row.address, startedAt: row.started_at, seenAt: row.seen_at };
}
