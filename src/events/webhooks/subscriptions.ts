import { randomUUID } from 'node:crypto';
import type { CreateWebhookBody } from '../../contract/index.js';
import { invalidField } from '../../errors.js';
import type { WebhookEndpoint, WebhookEndpointPatch, WebhookFilter, WebhookStore } from '../../store/index.js';
import { patternProblem } from '../filter.js';
import type { AddressPolicy } from './address-policy.js';
import { isUsableSecret, newWebhookSecret } from './signing.js';

/** What POST /automa/webhooks takes. */
export type SubscriptionInput = CreateWebhookBody;

/** A one-off subscription: a run's or sweep's `webhook_url`, for its own events only. */
export interface OneOffInput {
  readonly url: string;
  /** The run (or prompt) id its events carry as their subject, or the sweep's id. */
  readonly run?: string;
  readonly sweep?: string;
  /** Default: every event of that run or sweep. */
  readonly events?: readonly string[];
  /** A `whsec_…` secret the caller chose; one is generated when left out. */
  readonly secret?: string;
}

export interface Subscriptions {
  /** Validates (400 naming the field, nothing stored), stores, and returns the endpoint with its secret (shown once). */
  create(input: SubscriptionInput): Promise<{ endpoint: WebhookEndpoint; secret: string }>;
  update(id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint | undefined>;
  /** For the runs code: register `webhook_url` of a run or sweep; returns the id and the signing secret. */
  subscribeOnce(input: OneOffInput): Promise<{ id: string; secret: string }>;
}

const MAX_PATTERNS = 50;

/** Subscriptions as the API and the runs code make them; every check happens before anything is stored. */
export function createSubscriptions(deps: { store: WebhookStore; policy: AddressPolicy; now?: () => number; onChange?: () => void }): Subscriptions {
  const now = deps.now ?? Date.now;
  const checkUrl = (url: string, field = 'url'): void => {
    if (url.length > 2048) throw invalidField(field, 'is longer than 2048 characters');
    const refusal = deps.policy.urlRefusal(url);
    if (refusal !== null) throw invalidField(field, refusal);
  };
  const checkEvents = (events: readonly string[], field = 'events'): void => {
    if (events.length === 0) throw invalidField(field, 'must name at least one event type or pattern (or "*")');
    if (events.length > MAX_PATTERNS) throw invalidField(field, `must have at most ${MAX_PATTERNS} entries`);
    events.forEach((pattern, i) => {
      const problem = patternProblem(pattern);
      if (problem !== null) throw invalidField(`${field}[${i}]`, `${JSON.stringify(pattern.slice(0, 100))} ${problem}`);
    });
  };
  const checkFilter = (filter: WebhookFilter | undefined): void => {
    for (const key of ['app', 'sweep'] as const) {
      const value = filter?.[key];
      if (value !== undefined && (value === '' || value.length > 200)) throw invalidField(`filter.${key}`, 'must be an id of 1 to 200 characters');
    }
  };

  return {
    create: async (input) => {
      checkUrl(input.url);
      checkEvents(input.events);
      checkFilter(input.filter);
      const secret = newWebhookSecret();
      const filter = { ...(input.filter?.app !== undefined && { app: input.filter.app }), ...(input.filter?.sweep !== undefined && { sweep: input.filter.sweep }) };
      const endpoint = await deps.store.create(
        { id: randomUUID(), kind: 'subscription', url: input.url, secret, events: [...new Set(input.events)], filter, description: input.description ?? null, enabled: input.enabled ?? true },
        now(),
      );
      return { endpoint, secret };
    },
    update: async (id, patch) => {
      if (patch.url !== undefined) checkUrl(patch.url);
      if (patch.events !== undefined) checkEvents(patch.events);
      checkFilter(patch.filter);
      const updated = await deps.store.update(id, patch, now());
      deps.onChange?.();
      return updated;
    },
    subscribeOnce: async (input) => {
      checkUrl(input.url, 'webhook_url');
      if ((input.run === undefined) === (input.sweep === undefined)) throw new Error('subscribeOnce needs exactly one of run or sweep');
      const events = input.events ?? ['*'];
      checkEvents(events, 'webhook_events');
      if (input.secret !== undefined && !isUsableSecret(input.secret)) throw invalidField('webhook_secret', 'must be whsec_ followed by base64 of at least 24 bytes');
      const secret = input.secret ?? newWebhookSecret();
      const id = randomUUID();
      const filter: WebhookFilter = input.run !== undefined ? { subject: input.run } : { sweep: input.sweep ?? '' };
      await deps.store.create({ id, kind: 'one_off', url: input.url, secret, events, filter, description: null, enabled: true }, now());
      return { id, secret };
    },
  };
}
