import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { badRequest, invalidField, notFound } from '../../errors.js';
import type { Gateway } from '../../queue/index.js';
import { JOB_STATUSES, type JobStatus } from '../../store/index.js';
import { docs } from '../../route-docs.js';
import { Cancelled, JobDetailSchema, JobListSchema } from '../schemas/gateway.js';

const JobsQuery = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 200, description: `Comma-separated: ${JOB_STATUSES.join(', ')}.` })),
  sort_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('execution_duration')])),
  sort_order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  // Ours, beside ComfyUI's parameters (the web app's gallery filters); absent, the answer is ComfyUI's.
  app: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only jobs made by runs of this workflow app (its id).' })),
  backend: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only jobs this backend of the pool took (its name).' })),
  created_from: Type.Optional(Type.Integer({ minimum: 0, description: 'Only jobs created at or after this time (ms since the epoch).' })),
  created_before: Type.Optional(Type.Integer({ minimum: 0, description: 'Only jobs created before this time (ms since the epoch).' })),
  text: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: "Only jobs with this text in an input value of the workflow (case-insensitive)." })),
});
const JobParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const CancelMany = Type.Object({ job_ids: Type.Array(Type.Unknown(), { maxItems: 10_000, description: 'Job (prompt) ids: lowercase UUIDs.' }) }, { additionalProperties: true });
const list = docs('gateway', 'List jobs: queued, running and finished prompts', {
  description:
    "ComfyUI's listing. `app`, `backend`, `created_from`, `created_before` and `text` are this gateway's own filters (the web app's gallery uses them); " +
    'given together they all apply, and `pagination.total` counts what they let through.',
  querystring: JobsQuery,
  responses: { 200: JobListSchema, 400: 'A status, sort, page or filter parameter is not allowed' },
});
const getOne = docs('gateway', 'One job, with its workflow and outputs', { params: JobParams, responses: { 200: JobDetailSchema, 400: 'The id is too long', 404: 'No job with this id' } });
const cancelOne = docs('gateway', 'Cancel a job (pending or running)', {
  description: 'A finished or unknown job is left as it is: `cancelled` is false.',
  params: JobParams,
  responses: { 200: Cancelled, 400: 'The id is too long' },
});
const cancelMany = docs('gateway', 'Cancel several jobs', {
  description: 'A malformed id refuses the whole batch; finished or unknown ones are left as they are.',
  body: CancelMany,
  responses: { 200: Cancelled, 400: 'job_ids is missing or holds a malformed id' },
});
// Job ids are prompt ids: canonical lowercase UUIDs, as POST /prompt requires them.
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** ComfyUI's /api/jobs routes (they exist only under /api). */
export function registerJobRoutes(app: FastifyInstance, deps: { gateway: Gateway }): void {
  const { gateway } = deps;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/api/jobs', { schema: list }, async (request) => {
    const query = request.query;
    const statuses = parseStatuses(query.status);
    const offset = query.offset ?? 0;
    const limit = query.limit ?? null;
    if (query.created_from !== undefined && query.created_before !== undefined && query.created_before <= query.created_from) {
      throw invalidField('created_before', 'must be later than created_from', query.created_before);
    }
    const { jobs, total } = await gateway.jobs({
      statuses,
      sortBy: query.sort_by ?? 'created_at',
      order: query.sort_order ?? 'desc',
      limit,
      offset,
      ...(query.app !== undefined && { appId: query.app }),
      ...(query.backend !== undefined && { backend: query.backend }),
      ...(query.created_from !== undefined && { createdFrom: query.created_from }),
      ...(query.created_before !== undefined && { createdBefore: query.created_before }),
      ...(query.text !== undefined && { text: query.text }),
    });
    return { jobs, pagination: { offset, limit, total, has_more: offset + jobs.length < total } };
  });

  routes.get('/api/jobs/:id', { schema: getOne }, async (request) => {
    const job = await gateway.job(request.params.id);
    if (!job) throw notFound('Job', request.params.id);
    return job;
  });

  routes.post('/api/jobs/:id/cancel', { schema: cancelOne }, async (request) => gateway.cancel(request.params.id));

  // As ComfyUI: malformed ids refuse the whole batch; finished or unknown ones are no-ops;
  // `cancelled` says whether any job was actually cancelled.
  routes.post('/api/jobs/cancel', { schema: cancelMany }, async (request) => {
    const ids = request.body.job_ids;
    const invalid = ids.filter((id) => typeof id !== 'string' || !JOB_ID.test(id));
    if (invalid.length > 0) {
      const shown = invalid.map((id) => (typeof id === 'string' ? id : JSON.stringify(id)));
      throw badRequest('job_ids contains invalid id(s)', shown.join(', ').slice(0, 1000), { invalid_ids: shown.slice(0, 100) });
    }
    let cancelled = false;
    for (const id of ids as string[]) if ((await gateway.cancel(id)).cancelled) cancelled = true;
    return { cancelled };
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
