/**
 * Webhook endpoints and their durable deliveries (Svix's model: event → delivery per endpoint →
 * attempts). Delivery rows are created by the event log's fan-out trigger in the transaction that
 * appends the event, so a change, its event and its deliveries commit together.
 */

export const WEBHOOK_KINDS = ['subscription', 'one_off'] as const;
/** subscription: made through /automa/webhooks · one_off: a run's or sweep's `webhook_url`. */
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export interface WebhookFilter {
  readonly app?: string;
  readonly sweep?: string;
  /** One run, prompt or sweep id (one-off subscriptions). */
  readonly subject?: string;
}

export interface NewWebhookEndpoint {
  readonly id: string;
  readonly kind: WebhookKind;
  readonly url: string;
  /** `whsec_…`, kept to sign with; shown to the client once. */
  readonly secret: string;
  readonly events: readonly string[];
  readonly filter: WebhookFilter;
  readonly description: string | null;
  readonly enabled: boolean;
}

export interface WebhookEndpoint extends Omit<NewWebhookEndpoint, 'secret'> {
  /** Set when deliveries kept failing and the endpoint was paused; cleared by enabling it again. */
  readonly pausedTime: number | null;
  readonly pausedReason: string | null;
  readonly lastSuccessTime: number | null;
  readonly createTime: number;
  readonly updateTime: number;
}

export interface WebhookEndpointPatch {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly filter?: WebhookFilter;
  readonly description?: string | null;
  /** true also lifts a pause. */
  readonly enabled?: boolean;
}

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'dead'] as const;
/** pending: to be sent (again) at nextTime · succeeded: a 2xx came back · dead: gave up (dead letter). */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  readonly id: number;
  readonly endpointId: string;
  readonly eventId: number;
  readonly subject: string | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextTime: number | null;
  readonly createTime: number;
  readonly updateTime: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
}

/** One HTTP attempt, as the delivery log shows it. */
export interface DeliveryAttempt {
  readonly deliveryId: number;
  readonly eventId: number;
  readonly attempt: number;
  readonly time: number;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** The first bytes of the receiver's answer. */
  readonly response: string | null;
}

export type AttemptOutcome =
  | { readonly status: 'succeeded' }
  | { readonly status: 'pending'; readonly nextTime: number }
  | { readonly status: 'dead' };

export interface WebhookStore {
  create(endpoint: NewWebhookEndpoint, now: number): Promise<WebhookEndpoint>;
  get(id: string): Promise<WebhookEndpoint | undefined>;
  list(kind?: WebhookKind): Promise<readonly WebhookEndpoint[]>;
  secret(id: string): Promise<string | undefined>;
  update(id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpoint | undefined>;
  remove(id: string): Promise<boolean>;
  /** Endpoints that may send now: enabled, not paused. */
  active(): Promise<readonly WebhookEndpoint[]>;
  /**
   * Pending deliveries of one endpoint due at `now`, oldest first, each the oldest pending one of
   * its subject (so a subject's events arrive in order), skipping `busy` ids and leased ones.
   */
  due(endpointId: string, now: number, limit: number, busy: ReadonlySet<number>): Promise<readonly WebhookDelivery[]>;
  /** The earliest time after `now` at which a pending delivery of an active endpoint falls due or its lease lapses (null: none). */
  nextDueTime(now: number): Promise<number | null>;
  delivery(endpointId: string, id: number): Promise<WebhookDelivery | undefined>;
  /**
   * Take a due delivery for its next attempt until `until` (ms): true when the caller may send it
   * now; false when another sender holds it (a gateway sharing the database) or it moved on since
   * `delivery` was read. `due` skips held deliveries until the lease lapses (a sender that died
   * mid-attempt); `recordAttempt` ends it.
   */
  lease(delivery: WebhookDelivery, now: number, until: number): Promise<boolean>;
  /**
   * Records an attempt and the delivery's new state in one transaction. The state moves only from
   * the one `delivery` was read at (same attempt count): a late attempt is logged, not applied.
   */
  recordAttempt(delivery: WebhookDelivery, attempt: Omit<DeliveryAttempt, 'deliveryId' | 'eventId' | 'attempt'>, outcome: AttemptOutcome): Promise<void>;
  /** After a success: the endpoint is back, so its deliveries waiting on a backoff go now. */
  hurry(endpointId: string, now: number): Promise<void>;
  /**
   * Pause an endpoint that keeps failing: its pending deliveries become dead letters, and a
   * `webhook.paused` event is appended, all in one transaction. False if already paused, or if it
   * succeeded at or after `failingSince` (judged in the same statement: a success another gateway
   * records meanwhile is not overruled by a read made before it).
   */
  pause(endpointId: string, reason: string, now: number, failingSince?: number): Promise<boolean>;
  deliveries(endpointId: string, query: { status?: DeliveryStatus; beforeId?: number; limit: number }): Promise<readonly WebhookDelivery[]>;
  attempts(endpointId: string, query: { deliveryId?: number; beforeId?: number; limit: number }): Promise<readonly (DeliveryAttempt & { id: number })[]>;
  /** A new pending delivery of a past delivery's event (fresh retries); undefined if gone. */
  redeliver(endpointId: string, deliveryId: number, now: number): Promise<WebhookDelivery | undefined>;
  /** Every dead delivery of the endpoint since `since` goes back to pending; returns how many. */
  recover(endpointId: string, since: number, now: number): Promise<number>;
  /** Appends a `webhook.test` event and a delivery of it to this endpoint only. */
  test(endpointId: string, data: Readonly<Record<string, unknown>>, now: number): Promise<WebhookDelivery>;
}
