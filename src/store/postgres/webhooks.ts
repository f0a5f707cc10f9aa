import type {
  DeliveryAttempt,
  DeliveryStatus,
  NewWebhookEndpoint,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookKind,
  WebhookStore,
} from '../webhook-types.js';
import type { PgValue, PostgresDatabase } from './database.js';
import type { PostgresEventLog } from './events.js';

interface EndpointRow {
  id: string;
  kind: string;
  url: string;
  events: string;
  filter_app: string | null;
  filter_sweep: string | null;
  filter_subject: string | null;
  description: string | null;
  enabled: boolean;
  paused_time: number | null;
  paused_reason: string | null;
  last_success_time: number | null;
  create_time: number;
  update_time: number;
}

interface DeliveryRow {
  id: number;
  endpoint_id: string;
  event_id: number;
  subject: string | null;
  status: string;
  attempts: number;
  next_time: number | null;
  create_time: number;
  update_time: number;
  last_status_code: number | null;
  last_error: string | null;
}

interface AttemptRow {
  id: number;
  delivery_id: number;
  event_id: number;
  attempt: number;
  time: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response: string | null;
}

const ENDPOINT = `id, kind, url, events, filter_app, filter_sweep, filter_subject, description, enabled, paused_time, paused_reason,
  last_success_time, create_time, update_time`;
const DELIVERY = 'id, endpoint_id, event_id, subject, status, attempts, next_time, create_time, update_time, last_status_code, last_error';

/**
 * Webhook endpoints, deliveries and attempts, as the SQLite store keeps them. Several gateways
 * send from one database: `lease` is how one of them takes a delivery for an attempt, so the
 * others leave it alone until that attempt is recorded (or its lease lapses: the sender died).
 */
export function createPostgresWebhookStore(db: PostgresDatabase, events: PostgresEventLog): WebhookStore {
  const endpoint = async (id: string): Promise<WebhookEndpoint | undefined> => {
    const row = await db.one<EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks WHERE id = $1`, [id]);
    return row === undefined ? undefined : toEndpoint(row);
  };
  const getDelivery = (endpointId: string, id: number): Promise<DeliveryRow | undefined> =>
    db.one<DeliveryRow>(`SELECT ${DELIVERY} FROM automa_webhook_deliveries WHERE endpoint_id = $1 AND id = $2`, [endpointId, id]);
  const insertDelivery = (endpointId: string, eventId: number, subject: string | null, now: number): Promise<DeliveryRow | undefined> =>
    db.one<DeliveryRow>(
      `INSERT INTO automa_webhook_deliveries (endpoint_id, event_id, subject, status, next_time, create_time, update_time)
       VALUES ($1, $2, $3, 'pending', $4, $4, $4) RETURNING ${DELIVERY}`,
      [endpointId, eventId, subject, now],
    );

  return {
    create: async (e: NewWebhookEndpoint, now) => {
      await db.run(
        `INSERT INTO automa_webhooks (id, kind, url, secret, events, filter_app, filter_sweep, filter_subject, description, enabled, create_time, update_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [e.id, e.kind, e.url, e.secret, JSON.stringify(e.events), e.filter.app ?? null, e.filter.sweep ?? null, e.filter.subject ?? null, e.description, e.enabled, now, now],
      );
      return (await endpoint(e.id)) as WebhookEndpoint;
    },
    get: endpoint,
    list: async (kind?: WebhookKind) => {
      const rows =
        kind === undefined
          ? await db.query<EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks ORDER BY seq`)
          : await db.query<EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks WHERE kind = $1 ORDER BY seq`, [kind]);
      return rows.map(toEndpoint);
    },
    secret: async (id) => (await db.one<{ secret: string }>(`SELECT secret FROM automa_webhooks WHERE id = $1`, [id]))?.secret,
    update: (id, patch, now) =>
      db.transaction(async () => {
        const sets: string[] = [];
        const values: PgValue[] = [];
        const set = (column: string, value: PgValue): void => void (values.push(value), sets.push(`${column} = $${values.length}`));
        if (patch.url !== undefined) set('url', patch.url);
        if (patch.events !== undefined) set('events', JSON.stringify(patch.events));
        if (patch.filter !== undefined) {
          set('filter_app', patch.filter.app ?? null);
          set('filter_sweep', patch.filter.sweep ?? null);
        }
        if (patch.description !== undefined) set('description', patch.description);
        if (patch.enabled !== undefined) set('enabled', patch.enabled);
        if (patch.enabled === true) {
          set('paused_time', null);
          set('paused_reason', null);
        }
        set('update_time', now);
        values.push(id);
        const changed = await db.run(`UPDATE automa_webhooks SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
        return changed === 0 ? undefined : endpoint(id);
      }),
    remove: async (id) => (await db.run(`DELETE FROM automa_webhooks WHERE id = $1`, [id])) > 0,
    active: async () => (await db.query<EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks WHERE enabled AND paused_time IS NULL ORDER BY seq`)).map(toEndpoint),
    // A delivery is due when its time has come, no sender holds it, and no older pending delivery
    // of the same subject waits before it: a subject's events reach the receiver in order, even
    // through retries. Busy ones are still pending (in flight): ask for enough rows to fill `limit` past them.
    due: async (endpointId, now, limit, busy) =>
      (
        await db.query<DeliveryRow>(
          `SELECT ${DELIVERY} FROM automa_webhook_deliveries d
            WHERE d.endpoint_id = $1 AND d.status = 'pending' AND d.next_time <= $2 AND (d.lease_until IS NULL OR d.lease_until <= $2)
              AND NOT EXISTS (SELECT 1 FROM automa_webhook_deliveries p
                               WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending' AND p.subject IS NOT DISTINCT FROM d.subject AND p.id < d.id)
            ORDER BY d.id LIMIT $3`,
          [endpointId, now, limit + busy.size],
        )
      )
        .filter((row) => !busy.has(row.id))
        .slice(0, limit)
        .map(toDelivery),
    nextDueTime: async (now) =>
      (
        await db.one<{ t: number | null }>(
          `SELECT min(greatest(d.next_time, coalesce(d.lease_until, 0))) AS t
             FROM automa_webhook_deliveries d JOIN automa_webhooks w ON w.id = d.endpoint_id
            WHERE d.status = 'pending' AND greatest(d.next_time, coalesce(d.lease_until, 0)) > $1 AND w.enabled AND w.paused_time IS NULL`,
          [now],
        )
      )?.t ?? null,
    delivery: async (endpointId, id) => {
      const row = await getDelivery(endpointId, id);
      return row === undefined ? undefined : toDelivery(row);
    },
    lease: async (delivery, now, until) =>
      // One UPDATE: a second gateway's waits on the row, then finds the lease taken (or the attempt recorded).
      (await db.run(
        `UPDATE automa_webhook_deliveries SET lease_until = $1
          WHERE id = $2 AND status = 'pending' AND attempts = $3 AND (lease_until IS NULL OR lease_until <= $4)`,
        [until, delivery.id, delivery.attempts, now],
      )) === 1,
    recordAttempt: (delivery, attempt, outcome) =>
      db.transaction(async () => {
        const number = delivery.attempts + 1;
        await db.run(
          `INSERT INTO automa_webhook_attempts (delivery_id, endpoint_id, attempt, time, status_code, latency_ms, error, response) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [delivery.id, delivery.endpointId, number, attempt.time, attempt.statusCode, attempt.latencyMs, attempt.error, attempt.response],
        );
        const nextTime = outcome.status === 'pending' ? outcome.nextTime : null;
        // Only the state this attempt was made from moves on: an attempt recorded late (its lease
        // lapsed and another sender went again) is logged but does not undo the newer one.
        const moved = await db.run(
          `UPDATE automa_webhook_deliveries SET status = $1, attempts = $2, next_time = $3, update_time = $4, last_status_code = $5, last_error = $6, lease_until = NULL
            WHERE id = $7 AND attempts = $8`,
          [outcome.status, number, nextTime, attempt.time, attempt.statusCode, attempt.error, delivery.id, delivery.attempts],
        );
        if (moved === 1 && outcome.status === 'succeeded') {
          await db.run(`UPDATE automa_webhooks SET last_success_time = $1, update_time = $1 WHERE id = $2`, [attempt.time, delivery.endpointId]);
        }
      }),
    hurry: async (endpointId, now) =>
      void (await db.run(`UPDATE automa_webhook_deliveries SET next_time = $1 WHERE endpoint_id = $2 AND status = 'pending' AND next_time > $1`, [now, endpointId])),
    pause: (endpointId, reason, now, failingSince) =>
      db.transaction(async () => {
        // The row lock makes this wait for a success being recorded, then judge it.
        const row = await db.one<{ url: string }>(
          `UPDATE automa_webhooks SET paused_time = $1, paused_reason = $2, update_time = $1
           WHERE id = $3 AND paused_time IS NULL AND ($4::bigint IS NULL OR last_success_time IS NULL OR last_success_time < $4::bigint) RETURNING url`,
          [now, reason, endpointId, failingSince ?? null],
        );
        if (row === undefined) return false;
        const dead = await db.run(
          `UPDATE automa_webhook_deliveries SET status = 'dead', next_time = NULL, update_time = $1 WHERE endpoint_id = $2 AND status = 'pending'`,
          [now, endpointId],
        );
        await events.appendInTx({ type: 'webhook.paused', subject: endpointId, data: { webhook_id: endpointId, url: row.url, reason, dead_lettered: dead } }, now);
        return true;
      }),
    deliveries: async (endpointId, query) => {
      const where = ['endpoint_id = $1'];
      const values: PgValue[] = [endpointId];
      const at = (value: PgValue): string => (values.push(value), `$${values.length}`);
      if (query.status !== undefined) where.push(`status = ${at(query.status)}`);
      if (query.beforeId !== undefined) where.push(`id < ${at(query.beforeId)}`);
      const limit = at(query.limit);
      return (await db.query<DeliveryRow>(`SELECT ${DELIVERY} FROM automa_webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${limit}`, values)).map(
        toDelivery,
      );
    },
    attempts: async (endpointId, query) => {
      const where = ['a.endpoint_id = $1'];
      const values: PgValue[] = [endpointId];
      const at = (value: PgValue): string => (values.push(value), `$${values.length}`);
      if (query.deliveryId !== undefined) where.push(`a.delivery_id = ${at(query.deliveryId)}`);
      if (query.beforeId !== undefined) where.push(`a.id < ${at(query.beforeId)}`);
      const limit = at(query.limit);
      return (
        await db.query<AttemptRow>(
          `SELECT a.id, a.delivery_id, d.event_id, a.attempt, a.time, a.status_code, a.latency_ms, a.error, a.response
             FROM automa_webhook_attempts a JOIN automa_webhook_deliveries d ON d.id = a.delivery_id
            WHERE ${where.join(' AND ')} ORDER BY a.id DESC LIMIT ${limit}`,
          values,
        )
      ).map(toAttempt);
    },
    redeliver: (endpointId, deliveryId, now) =>
      db.transaction(async () => {
        const past = await getDelivery(endpointId, deliveryId);
        if (past === undefined || (await events.get(past.event_id)) === undefined) return undefined;
        const row = await insertDelivery(endpointId, past.event_id, past.subject, now);
        return row === undefined ? undefined : toDelivery(row);
      }),
    recover: (endpointId, since, now) =>
      db.run(
        `UPDATE automa_webhook_deliveries SET status = 'pending', attempts = 0, next_time = $1, update_time = $1, lease_until = NULL
          WHERE endpoint_id = $2 AND status = 'dead' AND create_time >= $3 AND event_id IN (SELECT id FROM automa_events)`,
        [now, endpointId, since],
      ),
    test: (endpointId, data, now) =>
      db.transaction(async () => {
        const eventId = await events.appendInTx({ type: 'webhook.test', subject: endpointId, data }, now);
        if (eventId === null) throw new Error('the log declined a webhook.test event');
        const row = await insertDelivery(endpointId, eventId, endpointId, now);
        if (row === undefined) throw new Error('delivery insert returned nothing');
        return toDelivery(row);
      }),
  };
}

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  const filter: { app?: string; sweep?: string; subject?: string } = {};
  if (row.filter_app !== null) filter.app = row.filter_app;
  if (row.filter_sweep !== null) filter.sweep = row.filter_sweep;
  if (row.filter_subject !== null) filter.subject = row.filter_subject;
  return {
    id: row.id,
    kind: row.kind as WebhookKind,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    filter,
    description: row.description,
    enabled: row.enabled,
    pausedTime: row.paused_time,
    pausedReason: row.paused_reason,
    lastSuccessTime: row.last_success_time,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    subject: row.subject,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    nextTime: row.next_time,
    createTime: row.create_time,
    updateTime: row.update_time,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
  };
}

function toAttempt(row: AttemptRow): DeliveryAttempt & { id: number } {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    attempt: row.attempt,
    time: row.time,
    statusCode: row.status_code,
    latencyMs: row.latency_ms,
    error: row.error,
    response: row.response,
  };
}
