import { Type } from '@sinclair/typebox';
import { DELIVERY_STATUSES, FIRE_STATUSES, MISSED_POLICIES } from '../../store/index.js';

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableText = Type.Union([Type.String(), Type.Null()]);
const AnyObject = Type.Record(Type.String(), Type.Unknown());

/** A webhook subscription as the API shows it (webhooks.ts endpointView). */
export const WebhookSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: 'Event type patterns, e.g. prompt.* or backend.down.' }),
  filter: AnyObject,
  description: NullableText,
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('disabled')], { description: 'paused: deliveries kept failing.' }),
  paused_time: NullableTime,
  paused_reason: NullableText,
  last_success_time: NullableTime,
  create_time: Time,
  update_time: Time,
});

export const CreatedWebhookSchema = Type.Composite([WebhookSchema, Type.Object({ secret: Type.String({ description: 'The signing secret (whsec_…), shown only here.' }) })], {
  description: 'Created; its secret is shown this once',
});

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  event_id: Type.Integer(),
  status: Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  next_attempt_time: NullableTime,
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  last_error: NullableText,
  create_time: Time,
  update_time: Time,
});

export const AttemptSchema = Type.Object({
  id: Type.Integer(),
  delivery_id: Type.Integer(),
  event_id: Type.Integer(),
  attempt: Type.Integer(),
  time: Time,
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  latency_ms: Type.Union([Type.Integer(), Type.Null()]),
  error: NullableText,
  response: NullableText,
});

const FireSchema = Type.Object(
  { slot_time: Time, fire_time: Time, status: Type.Union(FIRE_STATUSES.map((s) => Type.Literal(s))), prompt_id: Type.Optional(Type.String()), error: NullableText },
  { additionalProperties: true },
);

const ScheduleFields = {
  id: Type.String(),
  name: NullableText,
  prompt: Type.Optional(AnyObject),
  extra_data: Type.Optional(AnyObject),
  cron: NullableText,
  at: NullableTime,
  timezone: Type.String(),
  missed: Type.Union(MISSED_POLICIES.map((p) => Type.Literal(p))),
  paused: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('done')]),
  create_time: Time,
  update_time: Time,
  next_fire_times: Type.Array(Time),
};

export const ScheduleListSchema = Type.Object({
  schedules: Type.Array(Type.Object(ScheduleFields, { additionalProperties: true, description: 'next_fire_times holds the next slot only' })),
});

export const ScheduleSchema = Type.Object(
  { ...ScheduleFields, fires: Type.Array(FireSchema, { description: 'The latest slots fired, newest first.' }) },
  { additionalProperties: true },
);
