import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotentRequest, parseRunStatus, type Answer, type Automation } from '../../automation/index.js';
import { docs, json, media } from '../../route-docs.js';
import { checkUuid } from './automa-apps.js';
import { parseTypes, type StreamEvents } from './events.js';

const Open = (description: string) => json(Type.Object({}, { additionalProperties: true }), description);
const Page = (description: string) =>
  json(Type.Object({ items: Type.Array(Type.Object({}, { additionalProperties: true })), next_cursor: Type.Union([Type.String(), Type.Null()]) }), description);
const IDEMPOTENCY = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ description: 'The same key with the same body returns the first answer for 24 h' })) });
const create = (summary: string, what: string) =>
  docs('runs', summary, {
    params: Type.Object({ id: Type.String() }),
    described: { body: Type.Object({}, { additionalProperties: true, description: what }), headers: IDEMPOTENCY },
    responses: {
      201: Open('Created'),
      400: 'A field of the body is not valid (each one listed with the reason)',
      404: 'No app with this id',
      422: 'The Idempotency-Key was used with another body',
    },
  });
const stream = (summary: string, thing: string) =>
  docs('runs', summary, {
    params: Type.Object({ id: Type.String() }),
    querystring: StreamQuery,
    headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ description: 'Resume after this event id.' })) }),
    responses: {
      200: media('text/event-stream', 'Missed events from the log first (Last-Event-ID or ?since=), then live ones'),
      400: 'The id, a type pattern or the resume id is not valid',
      404: `No ${thing} with this id`,
    },
  });
const one = (tag: 'runs', summary: string, thing: string) =>
  docs(tag, summary, { params: Type.Object({ id: Type.String() }), responses: { 200: Open(`The ${thing}`), 400: 'The id is not a UUID', 404: `No ${thing} with this id` } });

const IdParams = Type.Object({ id: Type.String() });
const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};
const RunsQuery = Type.Object({ app: Type.Optional(Type.String()), sweep: Type.Optional(Type.String()), status: Type.Optional(Type.String()), ...Paging });
const SweepsQuery = Type.Object({ app: Type.Optional(Type.String()), ...Paging });
const StreamQuery = Type.Object({
  types: Type.Optional(Type.String({ maxLength: 4000 })),
  since: Type.Optional(Type.String({ maxLength: 20 })),
  token: Type.Optional(Type.String()),
});
const SheetQuery = Type.Object({ output: Type.Optional(Type.String({ maxLength: 100 })), thumb: Type.Optional(Type.Integer({ minimum: 16, maximum: 1024 })) });

const send = (reply: FastifyReply, answer: Answer) => reply.code(answer.status).send(answer.body);

/** Runs and sweeps of workflow apps, their event streams, and a sweep's contact sheet. */
export function registerAutomaRunRoutes(app: FastifyInstance, deps: { automation: Automation; streamEvents: StreamEvents }): void {
  const { runs, sweeps } = deps.automation;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.post('/automa/apps/:id/runs', { schema: create('Run an app with typed inputs', '{inputs, client_id?, webhook_url?}') }, async (request, reply) => {
    const id = checkUuid(request.params.id);
    const idempotency = idempotentRequest(request.headers['idempotency-key'], `POST /automa/apps/${id}/runs`, request.body);
    return send(reply, await runs.create(id, request.body, idempotency));
  });

  routes.get('/automa/runs', { schema: docs('runs', 'List runs, by app, sweep or status', { querystring: RunsQuery, responses: { 200: Page('A page of runs, newest first'), 400: 'A filter is not valid' } }) }, async (request) => {
    const { app: appId, sweep, status, limit, cursor } = request.query;
    const parsed = parseRunStatus(status);
    return runs.list({
      ...(appId !== undefined && { app: checkUuid(appId) }),
      ...(sweep !== undefined && { sweep: checkUuid(sweep) }),
      ...(parsed !== undefined && { status: parsed }),
      limit: limit ?? 50,
      ...(cursor !== undefined && { cursor }),
    });
  });

  routes.get('/automa/runs/:id', { schema: one('runs', 'One run: status, progress, timings, backend, typed outputs', 'run') }, async (request) => runs.get(checkUuid(request.params.id)));

  // The filtered forms of GET /automa/events: a run's events (its subject), a sweep's (every cell's run.* and sweep.*).
  routes.get('/automa/runs/:id/events', { schema: stream("A run's events as Server-Sent Events", 'run') }, async (request, reply) => {
    const id = checkUuid(request.params.id);
    const types = parseTypes(request.query.types);
    await runs.get(id);
    return deps.streamEvents(request, reply, { types, subject: id }, request.query.since);
  });

  routes.get('/automa/sweeps/:id/events', { schema: stream("A sweep's events (every cell's run.* and sweep.*) as Server-Sent Events", 'sweep') }, async (request, reply) => {
    const id = checkUuid(request.params.id);
    const types = parseTypes(request.query.types);
    await sweeps.exists(id);
    return deps.streamEvents(request, reply, { types, sweep: id }, request.query.since);
  });

  routes.post('/automa/runs/:id/cancel', { schema: one('runs', 'Cancel a run (pending: never runs; running: interrupted)', 'run') }, async (request) => runs.cancel(checkUuid(request.params.id)));

  routes.post('/automa/apps/:id/sweeps', { schema: create('Sweep an app over one to three axes (grid or zip)', '{inputs, axes, mode, name?}') }, async (request, reply) => {
    const id = checkUuid(request.params.id);
    const idempotency = idempotentRequest(request.headers['idempotency-key'], `POST /automa/apps/${id}/sweeps`, request.body);
    return send(reply, await sweeps.create(id, request.body, idempotency));
  });

  routes.get('/automa/sweeps', { schema: docs('runs', 'List sweeps', { querystring: SweepsQuery, responses: { 200: Page('A page of sweeps, newest first'), 400: 'A filter is not valid' } }) }, async (request) => {
    const { app: appId, limit, cursor } = request.query;
    return sweeps.list({ ...(appId !== undefined && { app: checkUuid(appId) }), limit: limit ?? 50, ...(cursor !== undefined && { cursor }) });
  });

  routes.get('/automa/sweeps/:id', { schema: one('runs', 'One sweep: counts by status and every cell', 'sweep') }, async (request) => sweeps.get(checkUuid(request.params.id)));

  routes.post('/automa/sweeps/:id/cancel', { schema: one('runs', 'Cancel the cells of a sweep that have not finished', 'sweep') }, async (request) => sweeps.cancel(checkUuid(request.params.id)));

  routes.post('/automa/sweeps/:id/retry', { schema: one('runs', 'Run the failed cells of a sweep again', 'sweep') }, async (request) => sweeps.retry(checkUuid(request.params.id)));

  routes.get('/automa/sweeps/:id/sheet.png', {
    schema: docs('runs', 'The contact sheet of a sweep: a labelled grid, placeholders for unfinished cells', {
      params: IdParams,
      querystring: SheetQuery,
      responses: { 200: media('image/png', 'The sheet'), 400: 'The id or a parameter is not valid', 404: 'No sweep with this id' },
    }),
  }, async (request, reply) => {
    const png = await sweeps.sheet(checkUuid(request.params.id), {
      ...(request.query.output !== undefined && { output: request.query.output }),
      ...(request.query.thumb !== undefined && { thumb: request.query.thumb }),
    });
    // Unfinished cells are placeholders: the sheet changes until the sweep is done.
    return reply.type('image/png').header('cache-control', 'no-store').send(png);
  });
}
