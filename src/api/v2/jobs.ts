import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { idempotencyKeyReuse, invalidV2Field, isAppError, notFound, workflowFormatUi, workflowRejected } from '../../errors.js';
import type { Gateway } from '../../queue/index.js';
import type { AssetRecord, IdempotencyKeyStore, JobStatus as StoredStatus } from '../../store/index.js';
import { resolveAssetReferences } from './asset-refs.js';
import { claimKey, idempotencyKeyOf } from './idempotency.js';
import type { JobTracker } from './job-tracker.js';
import { TERMINAL, withOrigin, type JobJson, type JobViews } from './job-view.js';

export interface JobRoutesDeps {
  readonly gateway: Gateway;
  readonly views: JobViews;
  readonly tracker: JobTracker;
  readonly keys: IdempotencyKeyStore;
  /** An asset whose bytes we still hold, by id. */
  readonly asset: (id: string) => Promise<AssetRecord | undefined>;
  readonly useAssets: (jobId: string, assetIds: readonly string[]) => Promise<void>;
  readonly cancelRequested: Set<string>;
}

const KEY_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request's origin, to make output URLs absolute (their schema says `format: uri`). */
export const originOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

/** JSON with sorted keys: two bodies that differ only in key order are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** POST /api/v2/jobs's body, checked: the workflow and the closed extra_data. */
function readJobBody(body: unknown): { workflow: Record<string, unknown>; extraData: Record<string, unknown> } {
  if (!isRecord(body)) throw invalidV2Field('body', 'must be a JSON object with a "workflow" field');
  for (const reserved of ['webhook_url', 'inputs']) if (reserved in body) throw invalidV2Field(reserved, 'is reserved for a later version and not accepted');
  const { workflow, extra_data: extraData } = body;
  if (!isRecord(workflow)) throw invalidV2Field('workflow', 'must be an object: the API-format graph (node id → {class_type, inputs})');
  if (Array.isArray(workflow.nodes) && 'links' in workflow) throw workflowFormatUi();
  if (extraData !== undefined && !isRecord(extraData)) throw invalidV2Field('extra_data', 'must be an object');
  for (const [key, value] of Object.entries(extraData ?? {})) {
    if (key !== 'api_key_comfy_org') throw invalidV2Field(`extra_data.${key}`, 'is not accepted (only api_key_comfy_org)');
    if (typeof value !== 'string') throw invalidV2Field('extra_data.api_key_comfy_org', 'must be a string');
  }
  return { workflow, extraData: extraData ?? {} };
}

const V2_TO_STORED: Readonly<Record<string, readonly StoredStatus[]>> = {
  queued: ['pending'],
  running: ['in_progress'],
  canceling: ['in_progress'],
  succeeded: ['completed'],
  failed: ['failed'],
  canceled: ['cancelled'],
  expired: [],
};

/** Jobs: create (Idempotency-Key), get, list, workflow, cancel. Events are in events-route.ts. */
export function registerJobRoutes(app: FastifyInstance, deps: JobRoutesDeps): void {
  const { gateway, views } = deps;
  /** Requests holding a key right now, so a concurrent retry answers with their job instead of a 422. */
  const inFlight = new Map<string, Promise<JobJson>>();

  const viewOrThrow = async (id: string): Promise<JobJson> => {
    const job = await views.view(id);
    if (job === undefined) throw notFound('Job', id);
    return job;
  };

  const create = async (workflow: Record<string, unknown>, extraData: Record<string, unknown>, jobId: string): Promise<JobJson> => {
    const { graph, assetIds } = await resolveAssetReferences(workflow, deps.asset);
    await deps.useAssets(jobId, assetIds);
    try {
      await gateway.submit({ prompt: graph, prompt_id: jobId, extra_data: extraData });
    } catch (error) {
      // The queue's ComfyUI validation (400 with node_errors) is the contract's invalid_workflow.
      if (isAppError(error) && error.status === 400) {
        throw workflowRejected(error.message, { type: error.code.toLowerCase(), reason: error.details, node_errors: error.siblings.node_errors ?? {}, ...error.extra });
      }
      throw error;
    }
    return viewOrThrow(jobId);
  };

  /** With an Idempotency-Key: a retry of the first request gets its job, another request a 422. */
  const createOnce = async (key: string, workflow: Record<string, unknown>, extraData: Record<string, unknown>): Promise<JobJson> => {
    const jobId = randomUUID();
    const claim = { fingerprint: createHash('sha256').update(canonical(workflow)).digest('hex'), resultId: jobId, createdAt: Date.now() };
    let outcome = await claimKey(deps.keys, 'jobs', key, claim, KEY_MAX_AGE_MS);
    if (outcome.kind === 'reused') throw idempotencyKeyReuse(key);
    if (outcome.kind === 'replay') {
      const running = inFlight.get(key);
      if (running !== undefined) return running;
      const first = await views.view(outcome.resultId);
      if (first !== undefined) return first;
      // Claimed by a request that created nothing (it died before the job was stored): start over.
      await deps.keys.release('jobs', key);
      outcome = await claimKey(deps.keys, 'jobs', key, claim, KEY_MAX_AGE_MS);
      if (outcome.kind !== 'claimed') throw idempotencyKeyReuse(key);
    }
    const attempt = create(workflow, extraData, jobId);
    inFlight.set(key, attempt);
    try {
      return await attempt;
    } catch (error) {
      // Nothing was created: the key is free for a corrected retry.
      if (await views.view(jobId).catch(() => undefined) === undefined) await deps.keys.release('jobs', key);
      throw error;
    } finally {
      inFlight.delete(key);
    }
  };

  app.post('/api/v2/jobs', async (request, reply) => {
    const { workflow, extraData } = readJobBody(request.body);
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    if (typeof key === 'object') throw invalidV2Field('Idempotency-Key', key.problem);
    const job = key === undefined ? await create(workflow, extraData, randomUUID()) : await createOnce(key, workflow, extraData);
    return reply.code(201).send(withOrigin(job, originOf(request)));
  });

  app.get('/api/v2/jobs', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidV2Field('limit', 'must be an integer from 1 to 100');
    const offset = query.cursor === undefined ? 0 : Number(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw invalidV2Field('cursor', 'is not a cursor this server gave out');
    const wanted = query.status === undefined ? Object.keys(V2_TO_STORED) : query.status.split(',');
    const unknown = wanted.filter((status) => !Object.hasOwn(V2_TO_STORED, status));
    if (unknown.length > 0) throw invalidV2Field('status', `unknown status ${JSON.stringify(unknown[0])}; one of ${Object.keys(V2_TO_STORED).join(', ')}`);
    const statuses = [...new Set(wanted.flatMap((status) => V2_TO_STORED[status] ?? []))];
    const { jobs, total } = await gateway.jobs({ statuses, sortBy: 'created_at', order: 'desc', limit, offset });
    const origin = originOf(request);
    const views2 = (await Promise.all(jobs.map((job) => views.view(job.id)))).filter((job) => job !== undefined);
    const next = offset + jobs.length < total ? Buffer.from(String(offset + jobs.length)).toString('base64url') : null;
    return { jobs: views2.map((job) => withOrigin(job, origin)), next_cursor: next };
  });

  app.get('/api/v2/jobs/:id', async (request) => withOrigin(await viewOrThrow((request.params as { id: string }).id), originOf(request)));

  app.get('/api/v2/jobs/:id/workflow', async (request) => {
    const { id } = request.params as { id: string };
    const workflow = await views.workflow(id);
    if (workflow === undefined) throw notFound('Job', id);
    return { workflow, format: 'api' };
  });

  app.post('/api/v2/jobs/:id/cancel', async (request) => {
    const { id } = request.params as { id: string };
    const job = await viewOrThrow(id);
    if (!TERMINAL.has(job.status)) {
      if (job.status === 'running' || job.status === 'canceling') deps.cancelRequested.add(id);
      await gateway.cancel(id);
      deps.tracker.touch(id);
    }
    return withOrigin(await viewOrThrow(id), originOf(request));
  });
}
