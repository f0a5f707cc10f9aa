import { performance } from 'node:perf_hooks';
import type { Logger } from '../../log.js';
import type { AttemptOutcome, EventStore, WebhookDelivery, WebhookEndpoint, WebhookStore } from '../../store/index.js';
import { eventBody } from '../filter.js';
import type { EventHub } from '../hub.js';
import type { WebhookClient } from './http-client.js';
import { nextAttemptTime } from './retry.js';
import { signedHeaders } from './signing.js';

export interface WebhookSenderOptions {
  readonly events: EventStore;
  readonly webhooks: WebhookStore;
  readonly hub: EventHub;
  readonly client: WebhookClient;
  readonly logger: Logger;
  /** Waits before each retry (see retry.ts). */
  readonly retryScheduleMs: readonly number[];
  /** Deliveries in flight per endpoint. */
  readonly concurrency: number;
  /**
   * How long an attempt holds its delivery (WebhookStore.lease) from other gateways on the same
   * database: longer than an attempt can take, so it only lapses when its sender died.
   */
  readonly leaseMs: number;
  readonly userAgent: string;
  readonly now?: () => number;
}

export interface WebhookSender {
  start(): void;
  /** Stops sending; deliveries in flight stay pending in the store and go again after a restart. */
  stop(): Promise<void>;
  /** Look for due deliveries now (a new delivery, a test, a redelivery). */
  wake(): void;
}

/**
 * Sends pending deliveries from the store: each endpoint has its own concurrency budget, so a slow
 * or dead receiver only ever holds its own slots; the queue never waits on any of this. A delivery
 * is marked done only after the receiver answered 2xx, in a transaction with its attempt log: a
 * crash at any point leaves it pending, and it goes again (at least once). A delivery that fails
 * its last retry is dead; if its endpoint has not succeeded since that delivery was made, the
 * endpoint is paused (its pending deliveries dead-lettered, a webhook.paused event appended).
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const { webhooks, logger } = options;
  const now = options.now ?? Date.now;
  const busy = new Set<number>();
  const perEndpoint = new Map<string, number>();
  /** Endpoints whose last attempt failed: their next success hurries their backlog. */
  const failing = new Set<string>();
  const running = new Set<Promise<void>>();
  let stopped = true;
  let pumping = false;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let unlisten: () => void = () => undefined;

  const pump = async (): Promise<void> => {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        for (const endpoint of await webhooks.active()) {
          const free = options.concurrency - (perEndpoint.get(endpoint.id) ?? 0);
          if (free <= 0 || stopped) continue;
          for (const delivery of await webhooks.due(endpoint.id, now(), free, busy)) launch(endpoint, delivery);
        }
      } while (again && !stopped);
      await arm();
    } catch (err) {
      logger.error({ err }, 'webhook sender could not read its deliveries');
    } finally {
      pumping = false;
    }
  };
  const wake = (): void => void pump();

  /** A timer for the next retry that falls due; appends and completions wake the sender anyway. */
  const arm = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    const next = await webhooks.nextDueTime(now());
    if (next === null || stopped) return;
    timer = setTimeout(wake, Math.min(Math.max(next - now(), 0), 2_147_483_647));
    timer.unref();
  };

  const launch = (endpoint: WebhookEndpoint, delivery: WebhookDelivery): void => {
    busy.add(delivery.id);
    perEndpoint.set(endpoint.id, (perEndpoint.get(endpoint.id) ?? 0) + 1);
    const attempt = send(endpoint, delivery)
      .catch((err: unknown) => logger.error({ err, delivery: delivery.id, webhook: endpoint.id }, 'webhook delivery bookkeeping failed'))
      .finally(() => {
        busy.delete(delivery.id);
        perEndpoint.set(endpoint.id, (perEndpoint.get(endpoint.id) ?? 1) - 1);
        running.delete(attempt);
        wake();
      });
    running.add(attempt);
  };

  const send = async (endpoint: WebhookEndpoint, delivery: WebhookDelivery): Promise<void> => {
    // Another gateway sharing the database may have read the same due delivery: one sends it.
    if (!(await webhooks.lease(delivery, now(), now() + options.leaseMs))) return;
    const [event, secret] = await Promise.all([options.events.get(delivery.eventId), webhooks.secret(endpoint.id)]);
    const started = now();
    if (event === undefined || secret === undefined) {
      const error = event === undefined ? 'the event was dropped by retention' : 'the endpoint is gone';
      await webhooks.recordAttempt(delivery, { time: started, statusCode: null, latencyMs: 0, error, response: null }, { status: 'dead' });
      return;
    }
    const body = eventBody(event);
    const headers = {
      ...signedHeaders(secret, `evt_${event.id}`, body, new Date(started)),
      'content-type': 'application/json',
      'user-agent': options.userAgent,
    };
    const clock = performance.now();
    let statusCode: number | null = null;
    let response: string | null = null;
    let error: string | null = null;
    try {
      const answer = await options.client.post(endpoint.url, headers, body);
      statusCode = answer.statusCode;
      response = answer.snippet;
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (err) {
      error = describe(err);
    }
    // Stopping mid-attempt: leave the delivery pending, untouched; it goes again after a restart.
    if (stopped) return;
    const latencyMs = Math.round(performance.now() - clock);
    const ok = error === null;
    const next = ok ? null : nextAttemptTime(options.retryScheduleMs, delivery.attempts + 1, now());
    const outcome: AttemptOutcome = ok ? { status: 'succeeded' } : next === null ? { status: 'dead' } : { status: 'pending', nextTime: next };
    await webhooks.recordAttempt(delivery, { time: started, statusCode, latencyMs, error, response }, outcome);
    if (ok) {
      if (failing.delete(endpoint.id)) await webhooks.hurry(endpoint.id, now());
      return;
    }
    failing.add(endpoint.id);
    logger.debug({ webhook: endpoint.id, delivery: delivery.id, attempt: delivery.attempts + 1, error }, 'webhook delivery failed');
    if (outcome.status === 'dead') await deadLetter(endpoint, delivery, error ?? 'failed');
  };

  const deadLetter = async (endpoint: WebhookEndpoint, delivery: WebhookDelivery, error: string): Promise<void> => {
    logger.warn({ webhook: endpoint.id, delivery: delivery.id, event: delivery.eventId, error }, 'webhook delivery is dead after its last retry');
    const current = await webhooks.get(endpoint.id);
    if (current === undefined || (current.lastSuccessTime !== null && current.lastSuccessTime >= delivery.createTime)) return;
    const reason = `every attempt failed since ${new Date(delivery.createTime).toISOString()} (last: ${error})`;
    if (await webhooks.pause(endpoint.id, reason, now(), delivery.createTime)) logger.warn({ webhook: endpoint.id, url: endpoint.url, reason }, 'webhook endpoint paused');
  };

  return {
    start: () => {
      stopped = false;
      unlisten = options.hub.listen(() => wake());
      wake();
    },
    stop: async () => {
      stopped = true;
      unlisten();
      if (timer) clearTimeout(timer);
      await options.client.close().catch(() => undefined);
      await Promise.allSettled([...running]);
    },
    wake,
  };
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`.slice(0, 500);
}
