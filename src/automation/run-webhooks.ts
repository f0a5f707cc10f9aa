import type { OneOffInput } from '../events/index.js';

/** What runs and sweeps use of the webhook subscriptions: one-off endpoints for `webhook_url`. */
export interface OneOffWebhooks {
  /** Checks the URL (SSRF rules), events and secret (400 naming the field, nothing stored), then stores. */
  subscribeOnce(input: OneOffInput): Promise<{ id: string; secret: string }>;
  remove(id: string): Promise<boolean>;
}

/** The webhook fields a run or sweep body may carry (the body schemas type them). */
export interface WebhookFields {
  readonly webhook_url?: string;
  readonly webhook_secret?: string;
  readonly webhook_events?: readonly string[];
}

/** The JSON Schema of those fields, for the run and sweep body schemas. */
export const WEBHOOK_FIELDS_SCHEMA = {
  webhook_url: { type: 'string', minLength: 1, maxLength: 2048, description: 'Signed Standard Webhooks POSTs of this run’s (or sweep’s) events go here.' },
  webhook_secret: { type: 'string', minLength: 1, maxLength: 200, description: 'whsec_… to sign with; one is made (and answered once, in the 201) when left out.' },
  webhook_events: {
    type: 'array',
    minItems: 1,
    maxItems: 50,
    items: { type: 'string', minLength: 1, maxLength: 100 },
    description: 'Event types or patterns to send (default: every event of a run; sweep.* for a sweep).',
  },
} as const;

/** A subscription made for one run or sweep, answered once in its 201. */
export interface OneOffSubscription {
  readonly id: string;
  readonly secret: string;
}

/**
 * Registers a body's `webhook_url` for its run (subject) or sweep, before the run or sweep is
 * stored, so that the first event already finds it. Returns null without a URL; `undo` removes it
 * when the run or sweep is not stored after all.
 */
export async function subscribeFor(
  webhooks: OneOffWebhooks,
  fields: WebhookFields,
  owner: { readonly run: string } | { readonly sweep: string },
): Promise<{ answer: OneOffSubscription; undo: () => Promise<void> } | null> {
  if (fields.webhook_url === undefined) return null;
  const events = fields.webhook_events ?? ('sweep' in owner ? ['sweep.*'] : undefined);
  const made = await webhooks.subscribeOnce({
    url: fields.webhook_url,
    ...owner,
    ...(events !== undefined && { events }),
    ...(fields.webhook_secret !== undefined && { secret: fields.webhook_secret }),
  });
  return { answer: made, undo: async () => void (await webhooks.remove(made.id)) };
}
