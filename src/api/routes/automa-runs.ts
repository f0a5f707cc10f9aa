import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { idempotentRequest, parseRunStatus, type Answer, type Automation } from '../../automation/index.js';
import { checkUuid } from './automa-apps.js';

const IdParams = Type.Object({ id: Type.String() });
const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};
const RunsQuery = Type.Object({ app: Type.Optional(Type.String()), sweep: Type.Optional(Type.String()), status: Type.Optional(Type.String()), ...Paging });
const SweepsQuery = Type.Object({ app: Type.Optional(Type.String()), ...Paging });
const SheetQuery = Type.Object({ output: Type.Optional(Type.String({ maxLength: 100 })), thumb: Type.Optional(Type.Integer({ minimum: 16, maximum: 1024 })) });

const send = (reply: FastifyReply, answer: Answer) => reply.code(answer.status).send(answer.body);

/** Runs and sweeps of workflow apps, and a sweep's contact sheet. */
export function registerAutomaRunRoutes(app: FastifyInstance, deps: { automation: Automation }): void {
  const { runs, sweeps } = deps.automation;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.post('/automa/apps/:id/runs', { schema: { params: IdParams } }, async (request, reply) => {
    const id = checkUuid(request.params.id);
    const idempotency = idempotentRequest(request.headers['idempotency-key'], `POST /automa/apps/${id}/runs`, request.body);
    return send(reply, await runs.create(id, request.body, idempotency));
  });

  routes.get('/automa/runs', { schema: { querystring: RunsQuery } }, async (request) => {
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

  routes.get('/automa/runs/:id', { schema: { params: IdParams } }, async (request) => runs.get(checkUuid(request.params.id)));

  routes.post('/automa/runs/:id/cancel', { schema: { params: IdParams } }, async (request) => runs.cancel(checkUuid(request.params.id)));

  routes.post('/automa/apps/:id/sweeps', { schema: { params: IdParams } }, async (request, reply) => {
    const id = checkUuid(request.params.id);
    const idempotency = idempotentRequest(request.headers['idempotency-key'], `POST /automa/apps/${id}/sweeps`, request.body);
    return send(reply, await sweeps.create(id, request.body, idempotency));
  });

  routes.get('/automa/sweeps', { schema: { querystring: SweepsQuery } }, async (request) => {
    const { app: appId, limit, cursor } = request.query;
    return sweeps.list({ ...(appId !== undefined && { app: checkUuid(appId) }), limit: limit ?? 50, ...(cursor !== undefined && { cursor }) });
  });

  routes.get('/automa/sweeps/:id', { schema: { params: IdParams } }, async (request) => sweeps.get(checkUuid(request.params.id)));

  routes.post('/automa/sweeps/:id/cancel', { schema: { params: IdParams } }, async (request) => sweeps.cancel(checkUuid(request.params.id)));

  routes.post('/automa/sweeps/:id/retry', { schema: { params: IdParams } }, async (request) => sweeps.retry(checkUuid(request.params.id)));

  routes.get('/automa/sweeps/:id/sheet.png', { schema: { params: IdParams, querystring: SheetQuery } }, async (request, reply) => {
    const png = await sweeps.sheet(checkUuid(request.params.id), {
      ...(request.query.output !== undefined && { output: request.query.output }),
      ...(request.query.thumb !== undefined && { thumb: request.query.thumb }),
    });
    // Unfinished cells are placeholders: the sheet changes until the sweep is done.
    return reply.type('image/png').header('cache-control', 'no-store').send(png);
  });
}
