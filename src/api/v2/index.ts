import type { FastifyInstance } from 'fastify';
import { routeNotFound } from '../../errors.js';
import type { FileService } from '../../files/index.js';
import type { Logger } from '../../log.js';
import type { Gateway } from '../../queue/index.js';
import type { Store } from '../../store/index.js';
import { registerAssetRoutes } from './asset-routes.js';
import { createAssets } from './assets.js';
import { registerJobEventsRoute } from './events-route.js';
import { createLiveJobEvents, type JobEventSource } from './job-events.js';
import { createOutputAssets } from './job-outputs.js';
import type { JobTracker } from './job-tracker.js';
import { createJobViews } from './job-view.js';
import { registerJobRoutes } from './jobs.js';

/** Follows the queue's live events for v2 job progress; tee it into the gateway's ClientEvents. */
export { createJobTracker, type JobTracker } from './job-tracker.js';
/** What the SSE route reads frames from (the durable event log can implement it). */
export type { JobEventSource, JobFrame, JobSubscription } from './job-events.js';

export interface ApiV2Deps {
  readonly gateway: Gateway;
  readonly store: Pick<Store, 'assets' | 'idempotencyKeys'>;
  readonly files: FileService;
  readonly tracker: JobTracker;
  readonly logger: Logger;
  /** How long history keeps a finished job (0: no limit); a job's expires_at. */
  readonly retentionMs: number;
  /** Frames for the SSE route; by default derived from the tracker and the stored job state. */
  readonly events?: JobEventSource;
}

/**
 * Comfy API v2 (../shared/comfy-api-v2/openapi.yaml) at /api/v2: jobs over the durable queue and
 * assets over the file store, so the official SDKs run against the gateway unchanged.
 */
export function registerApiV2(app: FastifyInstance, deps: ApiV2Deps): void {
  const logger = deps.logger.child({ module: 'api-v2' });
  const assets = createAssets({ store: deps.store.assets, keys: deps.store.idempotencyKeys, files: deps.files, logger });
  const outputs = createOutputAssets({ store: deps.store.assets, files: deps.files, logger });
  const cancelRequested = new Set<string>();
  const views = createJobViews({ gateway: deps.gateway, tracker: deps.tracker, outputs, cancelRequested, retentionMs: deps.retentionMs });
  const source = deps.events ?? createLiveJobEvents({ tracker: deps.tracker, views, logger });
  app.addHook('onClose', async () => source.close());

  registerJobRoutes(app, {
    gateway: deps.gateway,
    views,
    tracker: deps.tracker,
    keys: deps.store.idempotencyKeys,
    asset: async (id) => (await assets.contentPath(id).catch(() => undefined))?.asset,
    useAssets: (jobId, ids) => deps.store.assets.useInJob(jobId, ids),
    cancelRequested,
  });
  registerJobEventsRoute(app, { source });
  registerAssetRoutes(app, { assets, files: deps.files });
  // Anything else under /api/v2 is ours to refuse, not ComfyUI's (the /api/* pass-through would take it).
  app.all('/api/v2/*', async (request) => {
    throw routeNotFound(request.method, request.url);
  });
}
