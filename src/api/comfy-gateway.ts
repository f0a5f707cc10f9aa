import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { createHttpProxy, handOver, httpProxyOptions, PROXIED_RESPONSES, registerHandOverRoutes, WILDCARD_PARAMS } from '../proxy/index.js';
import { docs } from '../route-docs.js';
import { createGateway, type ClientEvents, type Gateway, type LifecycleEvents, type PromptFiles } from '../queue/index.js';
import type { Store } from '../store/index.js';
import { routeNotFound } from '../errors.js';
import { SERVICE_ROUTE_ROOTS } from '../upstream/protocol/index.js';
import { registerBackendRoutes } from './routes/backends.js';
import { registerCurrentComfyRoutes } from './routes/comfy-current.js';
import { registerObjectInfoRoutes } from './routes/comfy-info.js';
import { registerPoolInfoRoutes } from './routes/comfy-pool-info.js';
import { registerComfyQueueRoutes } from './routes/comfy-queue.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerQueueFrontRoute } from './routes/queue-front.js';
import { upstreamErrorCounter, type Metrics } from './ops/index.js';
import type { UpgradeRouter } from './upgrade-router.js';
import { createWsHub, type WsHub } from './ws-hub.js';

export interface ComfyGatewayDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly files: PromptFiles;
  readonly upgrades: UpgradeRouter;
  readonly metrics: Metrics;
  /** Where prompt starts, progress and backend changes go (the event log). */
  readonly lifecycle?: LifecycleEvents;
  /**
   * No web app of ours at `/`: serve ComfyUI's own frontend from the default backend instead
   * (its page for browsers at `/`, its assets and the custom nodes' scripts), so it loads from
   * us and, calling the API relative to the page, talks to the gateway.
   */
  readonly serveComfyFrontend: boolean;
  /** Also told every event the queue sends its clients (Comfy API v2 follows jobs through it). */
  readonly tap?: ClientEvents;
}

/**
 * ComfyUI routes the gateway does not own itself: they go to the default backend through the
 * streaming proxy, bare and under /api as ComfyUI registers them. `/internal/*` exists bare only;
 * any other `/api/*` route (custom nodes add their own) is passed through too.
 */
/** Where ComfyUI serves its frontend's files and the custom nodes' web folders (every method). */
const COMFY_FRONTEND = ['/assets/*', '/extensions/*', '/templates/*'];

const PASS_THROUGH = [
  '/extensions',
  '/view_metadata/*',
  '/free',
  '/users',
  '/userdata',
  '/userdata/*',
  '/v2/userdata',
  '/v2/userdata/*',
  '/settings',
  '/settings/*',
  '/i18n',
  '/workflow_templates',
];

/**
 * ComfyUI's API at our root: the durable queue and history, the event hub at /ws, cached
 * object_info, the pool's devices, models and embeddings, and everything else passed to the
 * default backend.
 */
export function registerComfyGateway(
  app: FastifyInstance,
  deps: ComfyGatewayDeps,
): { gateway: Gateway; hub: WsHub; frontend: ((request: FastifyRequest, reply: FastifyReply) => void) | null } {
  const { config, logger } = deps;
  // Late-bound: the hub asks the gateway for queue facts, the gateway sends events via the hub.
  let gateway: Gateway | null = null;
  const hub = createWsHub({
    logger,
    remaining: () => gateway?.remaining() ?? 0,
    currentNodeFor: (clientId) => gateway?.currentNodeFor(clientId) ?? null,
    maxUploadSizeBytes: config.maxUploadSizeBytes,
    maxBufferedBytes: config.wsMaxBufferBytes,
  });
  gateway = createGateway({
    store: deps.store.prompts,
    backendChanges: deps.store.backendChanges,
    backends: config.backends,
    files: deps.files,
    events: deps.tap === undefined ? hub : tee(hub, deps.tap),
    ...(deps.lifecycle !== undefined && { lifecycle: deps.lifecycle }),
    logger,
    instanceKey: config.dataDir,
    ...(deps.store.cluster !== undefined && {
      cluster: { store: deps.store.cluster, gatewayId: config.gatewayId, address: `${config.host}:${config.port}`, leaseTtlMs: config.leaseTtlMs },
    }),
    prefetch: config.prefetch,
    maxAttempts: config.maxAttempts,
    failoverAfterMs: config.failoverAfterMs,
    retention: { maxItems: config.historyMaxItems, maxAgeMs: config.historyMaxAgeMs },
    onFinished: (state, runSeconds) => {
      const outcome = state === 'completed' ? 'success' : state === 'failed' ? 'error' : 'interrupted';
      deps.metrics.promptsFinished.inc({ outcome });
      if (runSeconds !== null) deps.metrics.promptDuration.observe({ outcome }, runSeconds);
    },
  });
  const started = gateway;
  deps.metrics.setQueueSource(() => started.counts());
  app.addHook('onReady', async () => started.start());
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => started.stop());

  deps.upgrades.add((pathname) => pathname === '/ws' || pathname === '/api/ws', hub.handleUpgrade);
  registerComfyQueueRoutes(app, { gateway: started, maxUploadSizeBytes: config.maxUploadSizeBytes });
  registerJobRoutes(app, { gateway: started });
  registerQueueFrontRoute(app, { gateway: started });
  const onUpstreamError = upstreamErrorCounter(deps.metrics);
  registerBackendRoutes(app, { gateway: started, config, logger, upgrades: deps.upgrades, onUpstreamError });
  registerPoolInfoRoutes(app, { links: () => started.links, defaultName: config.backends[0]?.name });
  registerCurrentComfyRoutes(app, { gateway: started, maxUploadSizeBytes: config.maxUploadSizeBytes, defaultBackendUrl: config.backends[0]?.url ?? null });

  const backend = config.backends[0];
  if (backend !== undefined) {
    const proxy = createHttpProxy(httpProxyOptions(config, backend, logger, onUpstreamError));
    app.addHook('onClose', async () => proxy.close());
    const passThrough = (request: FastifyRequest, reply: FastifyReply): void => handOver(proxy, request, reply, request.raw.url ?? '/');
    registerObjectInfoRoutes(app, { gateway: started, passThrough });
    const urls = [...PASS_THROUGH, ...PASS_THROUGH.map((url) => `/api${url}`), '/internal/*', '/api/*'];
    registerHandOverRoutes(app, deps.serveComfyFrontend ? [...urls, ...COMFY_FRONTEND] : urls, passThrough, passThroughDocs);
    if (deps.serveComfyFrontend) {
      registerFrontendFiles(app, passThrough);
      return { gateway: started, hub, frontend: passThrough };
    }
  }
  return { gateway: started, hub, frontend: null };
}

/** One pass-through URL's documentation. */
function passThroughDocs(url: string) {
  const what =
    url === '/api/*' ? 'Any other /api route (custom nodes add their own)'
    : COMFY_FRONTEND.includes(url) ? `ComfyUI's frontend files under ${url.slice(0, -2)}`
    : `ComfyUI's ${url.replace(/\/\*$/, '/…')}`;
  return docs('proxy', `${what}, passed to the default backend`, {
    description: "Routes the gateway does not answer itself go to the default backend (the first --comfyui) unchanged, and ComfyUI's answer comes back unchanged.",
    ...(url.endsWith('/*') && { described: { params: WILDCARD_PARAMS } }),
    responses: PROXIED_RESPONSES,
  });
}

/** Events to the WebSocket hub and to one more listener, in that order. */
function tee(first: ClientEvents, second: ClientEvents): ClientEvents {
  return {
    send: (target, message, raw) => {
      first.send(target, message, raw);
      second.send(target, message, raw);
    },
    sendBinary: (target, frame) => {
      first.sendBinary(target, frame);
      second.sendBinary(target, frame);
    },
    queueChanged: (remaining) => {
      first.queueChanged(remaining);
      second.queueChanged(remaining);
    },
  };
}

/**
 * The frontend also loads /fonts/*, /materialdesignicons.min.css, /cursor/*, /scripts/* and
 * whatever a later version adds from ComfyUI's web root: every GET our routes do not own goes to
 * the default backend, which answers it (or 404s it) as ComfyUI does. Our own roots keep our 404.
 */
function registerFrontendFiles(app: FastifyInstance, passThrough: (request: FastifyRequest, reply: FastifyReply) => void): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const root = (request.raw.url ?? '/').split(/[/?#]/)[1] ?? '';
      if (SERVICE_ROUTE_ROOTS.has(root)) throw routeNotFound(request.method, request.url);
      return passThrough(request, reply);
    },
  });
}
