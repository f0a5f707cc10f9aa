/** A webhook endpoint as GET /automa/webhooks shows it (the secret is never shown again). */
export interface WebhookView {
  readonly id: string;
  /** subscription: made through /automa/webhooks · one_off: a run's or sweep's `webhook_url`. */
  readonly kind: 'subscription' | 'one_off';
  readonly url: string;
  /** Event type patterns: exact names, `prefix.*` or `*`. */
  readonly events: readonly string[];
  readonly filter: { readonly app?: string; readonly sweep?: string; readonly subject?: string };
  readonly description: string | null;
  readonly enabled: boolean;
  /** paused: deliveries kept failing; `PATCH {enabled: true}` lifts it. */
  readonly status: 'active' | 'paused' | 'disabled';
  readonly paused_time: string | null;
  readonly paused_reason: string | null;
  readonly last_success_time: string | null;
  readonly create_time: string;
  readonly update_time: string;
}

/** GET /automa/webhooks */
export interface WebhookList {
  readonly webhooks: readonly WebhookView[];
}

/** POST /automa/webhooks */
export interface CreateWebhookBody {
  readonly url: string;
  readonly events: readonly string[];
  readonly filter?: { readonly app?: string; readonly sweep?: string };
  readonly description?: string | null;
  readonly enabled?: boolean;
}

/** POST /automa/webhooks' 201: the endpoint and its signing secret, shown this once. */
export interface CreatedWebhook extends WebhookView {
  /** `whsec_…` */
  readonly secret: string;
}

/** pending: to be sent (again) · succeeded: a 2xx came back · dead: gave up (dead letter). */
export type DeliveryStatus = 'pending' | 'succeeded' | 'dead';

/** One event's delivery to one endpoint, with its latest outcome. */
export interface WebhookDeliveryView {
  readonly id: number;
  readonly event_id: number;
  /** The prompt, run or sweep the event is about (null for tests and backend events). */
  readonly subject: string | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly next_attempt_time: string | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly create_time: string;
  readonly update_time: string;
}

/** One HTTP attempt of a delivery. */
export interface DeliveryAttemptView {
  readonly id: number;
  readonly delivery_id: number;
  readonly event_id: number;
  readonly attempt: number;
  readonly time: string;
  readonly status_code: number | null;
  readonly latency_ms: number;
  readonly error: string | null;
  /** The first KB of the receiver's answer. */
  readonly response: string | null;
}

/** GET /automa/webhooks/{id}/deliveries */
export interface DeliveryList {
  readonly deliveries: readonly WebhookDeliveryView[];
}

/** GET /automa/webhooks/{id}/attempts */
export interface AttemptList {
  readonly attempts: readonly DeliveryAttemptView[];
}

/** POST …/test and …/redeliver (202). */
export interface DeliveryQueued {
  readonly delivery: WebhookDeliveryView;
}
