import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { createEventHub, type EventHub } from './hub.js';
import { createLifecycleRecorder, type LifecycleRecorder } from './lifecycle.js';
import { createAddressPolicy, type AddressPolicy } from './webhooks/address-policy.js';
import { createWebhookClient } from './webhooks/http-client.js';
import { createWebhookSender, type WebhookSender } from './webhooks/sender.js';
import { createSubscriptions, type Subscriptions } from './webhooks/subscriptions.js';

export interface EventServices {
  readonly hub: EventHub;
  /** Hand to the queue: started, progress and backend changes go to the log through it. */
  readonly lifecycle: LifecycleRecorder;
  readonly sender: WebhookSender;
  readonly subscriptions: Subscriptions;
  readonly policy: AddressPolicy;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;

/** The log's readers and writers around one store: hub, lifecycle recorder, webhook sender, retention. */
export function createEventServices(deps: { store: Store; config: Config; logger: Logger; version: string }): EventServices {
  const { store, config, logger } = deps;
  const hub = createEventHub({ store: store.events, logger });
  const lifecycle = createLifecycleRecorder({ store: store.events, logger });
  const policy = createAddressPolicy({ allowPrivate: config.webhookAllowPrivate });
  const client = createWebhookClient({ policy, connectTimeoutMs: config.webhookConnectTimeoutMs, timeoutMs: config.webhookTimeoutMs });
  const sender = createWebhookSender({
    events: store.events,
    webhooks: store.webhooks,
    hub,
    client,
    logger,
    retryScheduleMs: config.webhookRetryScheduleMs,
    concurrency: config.webhookConcurrency,
    // Connect, then headers and body each within the timeout, with room to record the attempt.
    leaseMs: config.webhookConnectTimeoutMs + 2 * config.webhookTimeoutMs + 60_000,
    userAgent: `comfyui-automa/${deps.version} (webhooks)`,
  });
  const subscriptions = createSubscriptions({ store: store.webhooks, policy, onChange: () => sender.wake() });
  const retention = { maxAgeMs: config.eventRetentionMs, maxCount: config.eventRetentionCount };
  let pruneTimer: NodeJS.Timeout | null = null;
  const prune = (): void => {
    store.events.prune(retention, Date.now()).catch((err: unknown) => logger.error({ err }, 'event pruning failed'));
  };
  return {
    hub,
    lifecycle,
    sender,
    subscriptions,
    policy,
    start: async () => {
      await hub.start();
      prune();
      pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
      pruneTimer.unref();
      sender.start();
    },
    stop: async () => {
      if (pruneTimer) clearInterval(pruneTimer);
      lifecycle.close();
      await sender.stop();
      hub.stop();
    },
  };
}
