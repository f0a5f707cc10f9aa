/** The log's services around a store: hub, lifecycle recorder, webhook sender, retention. */
export { createEventServices, type EventServices } from './service.js';
/** One reader of the log that hands new events to every listener. */
export { createEventHub, type EventHub, type BatchListener } from './hub.js';
/** Missed events from the log, then live ones, exactly once (SSE streams). */
export { runFeed, type FeedSink, type FeedOptions } from './feed.js';
/** Event filters, type patterns and the `{id, type, timestamp, data}` body. */
export { eventBody, eventMatches, patternProblem, typeMatches, type EventFilter } from './filter.js';
/** Started / progress (coalesced) / backend events from the queue. */
export { createLifecycleRecorder, type LifecycleListener, type LifecycleRecorder } from './lifecycle.js';
/** Webhook subscriptions, one-off `webhook_url` subscriptions for runs and sweeps. */
export { createSubscriptions, type Subscriptions, type SubscriptionInput, type OneOffInput } from './webhooks/subscriptions.js';
/** Where webhooks may connect (SSRF rules). */
export { createAddressPolicy, type AddressPolicy } from './webhooks/address-policy.js';
export { createWebhookClient, type WebhookClient } from './webhooks/http-client.js';
export { createWebhookSender, type WebhookSender } from './webhooks/sender.js';
export { nextAttemptTime } from './webhooks/retry.js';
export { newWebhookSecret, signedHeaders } from './webhooks/signing.js';
