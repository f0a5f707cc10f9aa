import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { badRequest, notFound } from '../../errors.js';
import type { Gateway } from '../../queue/index.js';
import { JOB_STATUSES, type JobStatus } from '../../store/index.js';

const JobsQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 200 })),
  sort_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('execution_duration')])),
  sort_order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});
const JobParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const CancelMany = Type.Object({ job_ids: Type.Array(Type.String(), { maxItems: 10_000 }) }, { additionalProperties: true });

/** ComfyUI's /api/jobs routes (they exist only under /api). */
export function registerJobRoutes(app: FastifyInstance, deps: { gateway: Gateway }): void {
  const { gateway } = deps;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/api/jobs', { schema: { querystring: JobsQuery } }, async (request) => {
    const query = request.query;
    const statuses = parseStatuses(query.status);
    const offset = query.offset ?? 0;
    const limit = query.limit ?? null;
    const { jobs, total } = await gateway.jobs({
      statuses,
      sortBy: query.sort_by ?? 'created_at',
      order: query.sort_order ?? 'desc',
      limit,
      offset,
    });
    return { jobs, pagination: { offset, limit, total, has_more: offset + jobs.length < total } };
  });

  routes.get('/api/jobs/:id', { schema: { params: JobParams } }, async (request) => {
    const job = await gateway.job(request.params.id);
    if (!job) throw notFound('Job', request.params.id);
    return job;
  });

  routes.post('/api/jobs/:id/cancel', { schema: { params: JobParams } }, async (request) => gateway.cancel(request.params.id));

  routes.post('/api/jobs/cancel', { schema: { body: CancelMany } }, async (request) => {
    const results = await Promise.all(
      request.body.job_ids.map(async (id) => ({ id, ...(await gateway.cancel(id).catch(() => ({ cancelled: false }))) })),
    );
    return { cancelled: results.filter((r) => r.cancelled).map((r) => r.id), not_cancelled: results.filter((r) => !r.cancelled).map((r) => r.id) };
  });
}

function parseStatuses(text: string | undefined): JobStatus[] {
  if (text === undefined || text === '') return [...JOB_STATUSES];
  const given = text.split(',').map((s) => s.trim());
  const bad = given.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw badRequest(`Invalid status value(s): ${bad.join(', ')}`, `valid values: ${JOB_STATUSES.join(', ')}`);
  }
  return given as JobStatus[];
}
