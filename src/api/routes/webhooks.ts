import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { conflict, eventGone, notFound } from '../../errors.js';
import type { Subscriptions, WebhookSender } from '../../events/index.js';
import type { DeliveryAttemptView, WebhookDeliveryView, WebhookView } from '../../contract/index.js';
import { refuseUnknownFields } from '../known-fields.js';
import { docs, json } from '../../route-docs.js';
import { AttemptSchema, CreatedWebhookSchema, DeliverySchema, WebhookSchema } from '../schemas/events.js';
import { DELIVERY_STATUSES, type DeliveryAttempt, type WebhookDelivery, type WebhookEndpoint, type WebhookStore } from '../../store/index.js';

export interface WebhookRouteDeps {
  readonly store: WebhookStore;
  readonly subscriptions: Subscriptions;
  readonly sender: WebhookSender;
}

const Id = Type.String({ minLength: 1, maxLength: 100 });
const IdParams = Type.Object({ id: Id });
const Filter = Type.Object({ app: Type.Optional(Type.String()), sweep: Type.Optional(Type.String()) }, { additionalProperties: false });
const Patterns = Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 });
const CreateBody = Type.Object(
  {
    url: Type.String({ maxLength: 4096 }),
    events: Patterns,
    filter: Type.Optional(Filter),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Partial(CreateBody, { additionalProperties: false, minProperties: 1 });
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
});
const DeliveriesQuery = Type.Composite([ListQuery, Type.Object({ status: Type.Optional(Type.Union(DELIVERY_STATUSES.map((s) => Type.Literal(s)))) })]);
const AttemptsQuery = Type.Composite([ListQuery, Type.Object({ delivery: Type.Optional(Type.Integer({ minimum: 1 })) })]);
const RedeliverParams = Type.Object({ id: Id, delivery: Type.Integer({ minimum: 1 }) });
const RecoverBody = Type.Object({ since: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false });

const NO_WEBHOOK = 'No webhook with this id';
const BAD_PARAMS = 'The id is too long, or a query parameter is out of range';
const Delivery = Type.Object({ delivery: DeliverySchema });
const create = docs('webhooks', 'Subscribe a URL to events', {
  description: 'Deliveries are signed (Standard Webhooks); the secret comes in this answer only.',
  body: CreateBody,
  responses: { 201: CreatedWebhookSchema, 400: 'A field is missing, unknown or not allowed (the URL, a pattern, the filter)' },
});
const list = docs('webhooks', 'List the webhooks', { responses: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }) } });
const getOne = docs('webhooks', 'One webhook', { params: IdParams, responses: { 200: WebhookSchema, 400: BAD_PARAMS, 404: NO_WEBHOOK } });
const change = docs('webhooks', 'Change a webhook (enable it again after a pause)', {
  params: IdParams,
  body: PatchBody,
  responses: { 200: WebhookSchema, 400: 'A field is unknown or not allowed, or the body is empty', 404: NO_WEBHOOK },
});
const remove = docs('webhooks', 'Delete a webhook and its delivery log', { params: IdParams, responses: { 204: 'Deleted', 400: BAD_PARAMS, 404: NO_WEBHOOK } });
const test = docs('webhooks', 'Send a test event', {
  params: IdParams,
  responses: { 202: json(Delivery, 'Queued for delivery'), 400: BAD_PARAMS, 404: NO_WEBHOOK, 409: 'The webhook is disabled or paused' },
});
const deliveries = docs('webhooks', "A webhook's deliveries, newest first", {
  params: IdParams,
  querystring: DeliveriesQuery,
  responses: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }), 400: BAD_PARAMS, 404: NO_WEBHOOK },
});
const attempts = docs('webhooks', "A webhook's delivery attempts, newest first", {
  params: IdParams,
  querystring: AttemptsQuery,
  responses: { 200: Type.Object({ attempts: Type.Array(AttemptSchema) }), 400: BAD_PARAMS, 404: NO_WEBHOOK },
});
const redeliver = docs('webhooks', 'Deliver an event again', {
  params: RedeliverParams,
  responses: { 202: json(Delivery, 'Queued for delivery'), 400: BAD_PARAMS, 404: 'No such webhook or delivery', 410: 'The event was dropped by retention' },
});
const recover = docs('webhooks', 'Retry the dead deliveries since a time', {
  params: IdParams,
  body: Type.Optional(RecoverBody),
  responses: { 200: Type.Object({ requeued: Type.Integer() }), 400: 'since is not a date-time', 404: NO_WEBHOOK },
});

/**
 * Webhook subscriptions and their delivery log: `/automa/webhooks`. The signing secret is shown
 * once, in the 201 of the create; every change is validated in full before anything is stored.
 */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const { store, subscriptions, sender } = deps;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const found = async (id: string): Promise<WebhookEndpoint> => {
    const endpoint = await store.get(id);
    if (endpoint === undefined) throw notFound('Webhook', id);
    return endpoint;
  };

  routes.post('/automa/webhooks', { schema: create, preValidation: refuseUnknownFields(CreateBody) }, async (request, reply) => {
    const { endpoint, secret } = await subscriptions.create(request.body);
    return reply.code(201).header('location', `/automa/webhooks/${endpoint.id}`).send({ ...endpointView(endpoint), secret });
  });
  routes.get('/automa/webhooks', { schema: list }, async () => ({ webhooks: (await store.list()).map(endpointView) }));
  routes.get('/automa/webhooks/:id', { schema: getOne }, async (request) => endpointView(await found(request.params.id)));
  routes.patch('/automa/webhooks/:id', { schema: change, preValidation: refuseUnknownFields(CreateBody) }, async (request) => {
    await found(request.params.id);
    const updated = await subscriptions.update(request.params.id, request.body);
    if (updated === undefined) throw notFound('Webhook', request.params.id);
    return endpointView(updated);
  });
  routes.delete('/automa/webhooks/:id', { schema: remove }, async (request, reply) => {
    if (!(await store.remove(request.params.id))) throw notFound('Webhook', request.params.id);
    return reply.code(204).send();
  });

  routes.post('/automa/webhooks/:id/test', { schema: test }, async (request, reply) => {
    const endpoint = await found(request.params.id);
    if (!endpoint.enabled || endpoint.pausedTime !== null) throw conflict('The webhook is disabled or paused', 'enable it first: PATCH {"enabled": true}');
    const delivery = await store.test(endpoint.id, { webhook_id: endpoint.id, message: 'a test event from comfyui-automa' }, Date.now());
    sender.wake();
    return reply.code(202).send({ delivery: deliveryView(delivery) });
  });
  routes.get('/automa/webhooks/:id/deliveries', { schema: deliveries }, async (request) => {
    await found(request.params.id);
    const { status, before, limit = 50 } = request.query;
    const deliveries = await store.deliveries(request.params.id, { limit, ...(status !== undefined && { status }), ...(before !== undefined && { beforeId: before }) });
    return { deliveries: deliveries.map(deliveryView) };
  });
  routes.get('/automa/webhooks/:id/attempts', { schema: attempts }, async (request) => {
    await found(request.params.id);
    const { delivery, before, limit = 50 } = request.query;
    const attempts = await store.attempts(request.params.id, { limit, ...(delivery !== undefined && { deliveryId: delivery }), ...(before !== undefined && { beforeId: before }) });
    return { attempts: attempts.map(attemptView) };
  });
  routes.post('/automa/webhooks/:id/deliveries/:delivery/redeliver', { schema: redeliver }, async (request, reply) => {
    await found(request.params.id);
    const past = await store.delivery(request.params.id, request.params.delivery);
    if (past === undefined) throw notFound('Delivery', String(request.params.delivery));
    const delivery = await store.redeliver(request.params.id, past.id, Date.now());
    if (delivery === undefined) throw eventGone(past.eventId);
    sender.wake();
    return reply.code(202).send({ delivery: deliveryView(delivery) });
  });
  routes.post('/automa/webhooks/:id/recover', { schema: recover }, async (request) => {
    await found(request.params.id);
    const since = request.body?.since === undefined ? 0 : Date.parse(request.body.since);
    const requeued = await store.recover(request.params.id, since, Date.now());
    sender.wake();
    return { requeued };
  });
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const isoAt = (ms: number): string => new Date(ms).toISOString();

export function endpointView(e: WebhookEndpoint): WebhookView {
  return {
    id: e.id,
    kind: e.kind,
    url: e.url,
    events: e.events,
    filter: e.filter,
    description: e.description,
    enabled: e.enabled,
    status: !e.enabled ? 'disabled' : e.pausedTime !== null ? 'paused' : 'active',
    paused_time: iso(e.pausedTime),
    paused_reason: e.pausedReason,
    last_success_time: iso(e.lastSuccessTime),
    create_time: isoAt(e.createTime),
    update_time: isoAt(e.updateTime),
  };
}

function deliveryView(d: WebhookDelivery): WebhookDeliveryView {
  return {
    id: d.id,
    event_id: d.eventId,
    subject: d.subject,
    status: d.status,
    attempts: d.attempts,
    next_attempt_time: iso(d.nextTime),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    create_time: isoAt(d.createTime),
    update_time: isoAt(d.updateTime),
  };
}

function attemptView(a: DeliveryAttempt & { id: number }): DeliveryAttemptView {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    event_id: a.eventId,
    attempt: a.attempt,
    time: isoAt(a.time),
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    error: a.error,
    response: a.response,
  };
}
