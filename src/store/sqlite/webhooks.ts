import type {
  DeliveryAttempt,
  DeliveryStatus,
  NewWebhookEndpoint,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookKind,
  WebhookStore,
} from '../webhook-types.js';
import type { SqlValue, SqliteDatabase } from './database.js';
import type { SqliteEventLog } from './events.js';

interface EndpointRow {
  id: string;
  kind: string;
  url: string;
  events: string;
  filter_app: string | null;
  filter_sweep: string | null;
  filter_subject: string | null;
  description: string | null;
  enabled: number;
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

/** Webhook endpoints, deliveries and attempts on the store's connection. */
export function createSqliteWebhookStore(db: SqliteDatabase, events: SqliteEventLog): WebhookStore {
  // One process writes a SQLite file: a lease left from before this open is a dead sender's, so
  // its delivery goes again now rather than when the lease would have lapsed.
  db.prepare(`UPDATE automa_webhook_deliveries SET lease_until = NULL WHERE lease_until IS NOT NULL`).run();
  const getEndpoint = db.prepare<[string], EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks WHERE id = ?`);
  const getDelivery = db.prepare<[string, number], DeliveryRow>(`SELECT ${DELIVERY} FROM automa_webhook_deliveries WHERE endpoint_id = ? AND id = ?`);
  // A delivery is due when its time has come, no sender holds it, and no older pending delivery
  // of the same subject waits before it: a subject's events reach the receiver in order, even
  // through retries.
  const due = db.prepare<[string, number, number], DeliveryRow>(
    `SELECT ${DELIVERY} FROM automa_webhook_deliveries d
      WHERE d.endpoint_id = ?1 AND d.status = 'pending' AND d.next_time <= ?2 AND (d.lease_until IS NULL OR d.lease_until <= ?2)
        AND NOT EXISTS (SELECT 1 FROM automa_webhook_deliveries p
                         WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending' AND p.subject IS d.subject AND p.id < d.id)
      ORDER BY d.id LIMIT ?3 + 0`,
  );
  const nextDue = db.prepare<[number], { t: number | null }>(
    `SELECT min(max(d.next_time, coalesce(d.lease_until, 0))) AS t FROM automa_webhook_deliveries d JOIN automa_webhooks w ON w.id = d.endpoint_id
      WHERE d.status = 'pending' AND max(d.next_time, coalesce(d.lease_until, 0)) > ? AND w.enabled = 1 AND w.paused_time IS NULL`,
  );
  const setDelivery = db.prepare<[string, number, number | null, number, number | null, string | null, number, number]>(
    `UPDATE automa_webhook_deliveries SET status = ?, attempts = ?, next_time = ?, update_time = ?, last_status_code = ?, last_error = ?, lease_until = NULL
      WHERE id = ? AND attempts = ?`,
  );
  const lease = db.prepare<[number, number, number, number]>(
    `UPDATE automa_webhook_deliveries SET lease_until = ?
      WHERE id = ? AND status = 'pending' AND attempts = ? AND (lease_until IS NULL OR lease_until <= ?)`,
  );
  const insertAttempt = db.prepare<[number, string, number, number, number | null, number, string | null, string | null]>(
    `INSERT INTO automa_webhook_attempts (delivery_id, endpoint_id, attempt, time, status_code, latency_ms, error, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const succeeded = db.prepare<[number, number, string]>(`UPDATE automa_webhooks SET last_success_time = ?, update_time = ? WHERE id = ?`);
  const insertDelivery = db.prepare<[string, number, string | null, number, number, number], DeliveryRow>(
    `INSERT INTO automa_webhook_deliveries (endpoint_id, event_id, subject, status, next_time, create_time, update_time)
     VALUES (?, ?, ?, 'pending', ?, ?, ?) RETURNING ${DELIVERY}`,
  );

  const endpoint = (id: string): WebhookEndpoint | undefined => {
    const row = getEndpoint.get(id);
    return row === undefined ? undefined : toEndpoint(row);
  };

  return {
    create: async (e: NewWebhookEndpoint, now) => {
      db.prepare(
        `INSERT INTO automa_webhooks (id, kind, url, secret, events, filter_app, filter_sweep, filter_subject, description, enabled, create_time, update_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(e.id, e.kind, e.url, e.secret, JSON.stringify(e.events), e.filter.app ?? null, e.filter.sweep ?? null, e.filter.subject ?? null, e.description, e.enabled ? 1 : 0, now, now);
      return endpoint(e.id) as WebhookEndpoint;
    },
    get: async (id) => endpoint(id),
    list: async (kind?: WebhookKind) => {
      const rows = kind === undefined
        ? db.prepare<[], EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks ORDER BY seq`).all()
        : db.prepare<[string], EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks WHERE kind = ? ORDER BY seq`).all(kind);
      return rows.map(toEndpoint);
    },
    secret: async (id) => db.prepare<[string], { secret: string }>(`SELECT secret FROM automa_webhooks WHERE id = ?`).get(id)?.secret,
    update: async (id, patch, now) =>
      db.transaction(() => {
        const sets: string[] = [];
        const values: SqlValue[] = [];
        const set = (column: string, value: SqlValue): void => void (sets.push(`${column} = ?`), values.push(value));
        if (patch.url !== undefined) set('url', patch.url);
        if (patch.events !== undefined) set('events', JSON.stringify(patch.events));
        if (patch.filter !== undefined) {
          set('filter_app', patch.filter.app ?? null);
          set('filter_sweep', patch.filter.sweep ?? null);
        }
        if (patch.description !== undefined) set('description', patch.description);
        if (patch.enabled !== undefined) set('enabled', patch.enabled ? 1 : 0);
        if (patch.enabled === true) {
          set('paused_time', null);
          set('paused_reason', null);
        }
        set('update_time', now);
        const changed = db.prepare(`UPDATE automa_webhooks SET ${sets.join(', ')} WHERE id = ?`).run(...values, id).changes;
        return changed === 0 ? undefined : endpoint(id);
      }, 'immediate'),
    remove: async (id) => db.prepare(`DELETE FROM automa_webhooks WHERE id = ?`).run(id).changes > 0,
    active: async () =>
      db.prepare<[], EndpointRow>(`SELECT ${ENDPOINT} FROM automa_webhooks WHERE enabled = 1 AND paused_time IS NULL ORDER BY seq`).all().map(toEndpoint),
    due: async (endpointId, now, limit, busy) =>
      // Busy ones are still pending (in flight): ask for enough rows to fill `limit` past them.
      due.all(endpointId, now, limit + busy.size).filter((row) => !busy.has(row.id)).slice(0, limit).map(toDelivery),
    nextDueTime: async (now) => nextDue.get(now)?.t ?? null,
    delivery: async (endpointId, id) => {
      const row = getDelivery.get(endpointId, id);
      return row === undefined ? undefined : toDelivery(row);
    },
    lease: async (delivery, now, until) => lease.run(until, delivery.id, delivery.attempts, now).changes === 1,
    recordAttempt: async (delivery, attempt, outcome) =>
      db.transaction(() => {
        const number = delivery.attempts + 1;
        insertAttempt.run(delivery.id, delivery.endpointId, number, attempt.time, attempt.statusCode, attempt.latencyMs, attempt.error, attempt.response);
        const nextTime = outcome.status === 'pending' ? outcome.nextTime : null;
        // Only the state this attempt was made from moves on: an attempt recorded late (its lease
        // lapsed and another sender went again) is logged but does not undo the newer one.
        const moved = setDelivery.run(outcome.status, number, nextTime, attempt.time, attempt.statusCode, attempt.error, delivery.id, delivery.attempts).changes;
        if (moved === 1 && outcome.status === 'succeeded') succeeded.run(attempt.time, attempt.time, delivery.endpointId);
      }, 'immediate'),
    hurry: async (endpointId, now) =>
      void db
        .prepare(`UPDATE automa_webhook_deliveries SET next_time = ? WHERE endpoint_id = ? AND status = 'pending' AND next_time > ?`)
        .run(now, endpointId, now),
    pause: async (endpointId, reason, now, failingSince) =>
      db.transaction(() => {
        const changed = db
          .prepare(
            `UPDATE automa_webhooks SET paused_time = ?, paused_reason = ?, update_time = ?
             WHERE id = ? AND paused_time IS NULL AND (? IS NULL OR last_success_time IS NULL OR last_success_time < ?)`,
          )
          .run(now, reason, now, endpointId, failingSince ?? null, failingSince ?? null).changes;
        if (changed === 0) return false;
        const dead = db
          .prepare(`UPDATE automa_webhook_deliveries SET status = 'dead', next_time = NULL, update_time = ? WHERE endpoint_id = ? AND status = 'pending'`)
          .run(now, endpointId).changes;
        const row = getEndpoint.get(endpointId);
        events.appendSync({ type: 'webhook.paused', subject: endpointId, data: { webhook_id: endpointId, url: row?.url ?? null, reason, dead_lettered: dead } }, now);
        return true;
      }, 'immediate'),
    deliveries: async (endpointId, query) => {
      const where = ['endpoint_id = ?'];
      const values: SqlValue[] = [endpointId];
      if (query.status !== undefined) where.push('status = ?'), values.push(query.status);
      if (query.beforeId !== undefined) where.push('id < ?'), values.push(query.beforeId);
      return db
        .prepare<SqlValue[], DeliveryRow>(`SELECT ${DELIVERY} FROM automa_webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`)
        .all(...values, query.limit)
        .map(toDelivery);
    },
    attempts: async (endpointId, query) => {
      const where = ['a.endpoint_id = ?'];
      const values: SqlValue[] = [endpointId];
      if (query.deliveryId !== undefined) where.push('a.delivery_id = ?'), values.push(query.deliveryId);
      if (query.beforeId !== undefined) where.push('a.id < ?'), values.push(query.beforeId);
      return db
        .prepare<SqlValue[], AttemptRow>(
          `SELECT a.id, a.delivery_id, d.event_id, a.attempt, a.time, a.status_code, a.latency_ms, a.error, a.response
             FROM automa_webhook_attempts a JOIN automa_webhook_deliveries d ON d.id = a.delivery_id
            WHERE ${where.join(' AND ')} ORDER BY a.id DESC LIMIT ?`,
        )
        .all(...values, query.limit)
        .map(toAttempt);
    },
    redeliver: async (endpointId, deliveryId, now) =>
      db.transaction(() => {
        const past = getDelivery.get(endpointId, deliveryId);
        if (past === undefined || events.getSync(past.event_id) === undefined) return undefined;
        const row = insertDelivery.get(endpointId, past.event_id, past.subject, now, now, now);
        return row === undefined ? undefined : toDelivery(row);
      }, 'immediate'),
    recover: async (endpointId, since, now) =>
      db
        .prepare(
          `UPDATE automa_webhook_deliveries SET status = 'pending', attempts = 0, next_time = ?, update_time = ?, lease_until = NULL
            WHERE endpoint_id = ? AND status = 'dead' AND create_time >= ? AND event_id IN (SELECT id FROM automa_events)`,
        )
        .run(now, now, endpointId, since).changes,
    test: async (endpointId, data, now) =>
      db.transaction(() => {
        const eventId = events.appendSync({ type: 'webhook.test', subject: endpointId, data }, now);
        if (eventId === null) throw new Error('the log declined a webhook.test event');
        const row = insertDelivery.get(endpointId, eventId, endpointId, now, now, now);
        if (row === undefined) throw new Error('delivery insert returned nothing');
        return toDelivery(row);
      }, 'immediate'),
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
    enabled: row.enabled === 1,
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
