import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerComfyGateway } from './api/comfy-gateway.js';
import { createJobTracker, registerApiV2 } from './api/v2/index.js';
import { registerErrorHandling } from './api/error-handler.js';
import { createMetrics, registerOps, registerRequestMetrics, upstreamErrorCounter, type Metrics } from './api/ops/index.js';
import { createPoolHealth, type PoolHealth } from './api/pool-health.js';
import { registerConvertRoutes } from './api/routes/convert.js';
import { registerDocumentRoutes } from './api/routes/documents.js';
import { registerFileRoutes } from './api/routes/files.js';
import { registerHealthRoutes } from './api/routes/health.js';
import { redactToken, registerSecurity, serverLimitOptions } from './api/security/index.js';
import { createUpgradeRouter, type UpgradeRouter } from './api/upgrade-router.js';
import type { Config } from './config/index.js';
import { createFileService, type FileService } from './files/index.js';
import { badRequest, internalError } from './errors.js';
import { stringifyExactJson } from './json.js';
import type { Logger } from './log.js';
import type { Gateway } from './queue/index.js';
import { registerComfyProxy } from './proxy/index.js';
import type { Store } from './store/index.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly version: string;
  /** Metrics to record into; a fresh registry with process metrics when left out. */
  readonly metrics?: Metrics;
}

export interface App {
  readonly http: FastifyInstance;
  readonly upgrades: UpgradeRouter;
  /** Each backend's health as the pool sees it (link state, plus the /system_stats probe). */
  readonly backends: PoolHealth;
  /** Prometheus handles, for parts wired later (queue gauges, prompt outcomes). */
  readonly metrics: Metrics;
  /** The gateway's own files: uploads, /view, input replication and output collection (for the queue). */
  readonly files: FileService;
  /** ComfyUI's API at the root: the durable queue, history and events. */
  readonly gateway: Gateway;
}

const REQUEST_ID_RE = /^[\w-]{1,64}$/;

/**
 * Assemble the service from its parts. Never listens by itself: main.ts (or a test) does,
 * and closing the Fastify instance stops everything buildApp started.
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, store, logger } = deps;
  const http = Fastify({
    // pino.Logger is a FastifyBaseLogger; naming the base type keeps route modules on the default instance type.
    loggerInstance: logger as FastifyBaseLogger,
    // Body limit (--max-upload-size; /automa routes get --max-json-body-size), header and idle timeouts.
    ...serverLimitOptions(config),
    // One line per request, written by our onResponse hook, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreDuplicateSlashes: false, maxParamLength: 500 },
    // Bad percent-encoding and over-long path segments are refused before any route runs, with
    // Fastify's own body unless we answer them: keep the one error shape there too.
    frameworkErrors: (error, request, reply) => {
      const appError =
        error.code === 'FST_ERR_ASYNC_CONSTRAINT'
          ? internalError()
          : badRequest('Malformed URL', error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is too long' : 'invalid percent-encoding in the path');
      void (reply as FastifyReply).code(appError.status).header('x-request-id', request.id).send(appError.toBody());
    },
  });
  // Replies may carry prompts (/queue, /api/jobs/{id}, node_errors) whose seeds exceed 2^53.
  http.setReplySerializer((payload) => stringifyExactJson(payload));
  http.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  http.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    request.log[level]({ method: request.method, url: redactToken(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request done');
  });

  const upgrades = createUpgradeRouter(logger);
  http.server.on('upgrade', upgrades.handle);

  // Late-bound: health and files are set up before the gateway, which owns the live pool.
  let pool: Gateway | undefined;
  const backends = createPoolHealth(() => pool?.links ?? []);

  // Before any route: metrics see every request, refused ones included; the origin check, CORS
  // and API keys guard every route and upgrade; compression and OpenAPI apply to later routes.
  const metrics = deps.metrics ?? createMetrics({ processMetrics: true });
  registerRequestMetrics(http, metrics);
  const security = registerSecurity(http, upgrades, config);
  await registerOps(http, { metrics, store, backends, wsClients: security.wsClients, version: deps.version, keysEnabled: security.keys.enabled, jsonBodyBytes: config.maxJsonBodyBytes });

  registerErrorHandling(http, { jsonBodyBytes: config.maxJsonBodyBytes });
  registerHealthRoutes(http, { store, backends, version: deps.version, startedAt: Date.now() });
  registerDocumentRoutes(http, { documents: store.documents });
  const files = createFileService({
    dataDir: config.dataDir,
    maxUploadBytes: config.maxUploadSizeBytes,
    store,
    logger,
    backends: () => pool?.links.map((link) => link.ref) ?? config.backends,
  });
  registerFileRoutes(http, { files });
  const tracker = createJobTracker();
  const { gateway, frontend } = registerComfyGateway(http, {
    config,
    store,
    logger,
    files,
    upgrades,
    metrics,
    serveComfyFrontend: config.publicDir === null && config.comfyuiFrontend,
    tap: tracker,
  });
  pool = gateway;
  registerApiV2(http, { gateway, store, files, tracker, logger, retentionMs: config.historyMaxAgeMs });
  registerConvertRoutes(http, { gateway, maxFileBytes: config.maxUploadSizeBytes });
  const comfyProxy = registerComfyProxy(http, { config, logger, onUpstreamError: upstreamErrorCounter(metrics) });
  if (comfyProxy !== null) upgrades.add(comfyProxy.matches, comfyProxy.handleUpgrade);
  if (config.publicDir === null) registerServiceIndex(http, deps.version, frontend);
  else {
    // Loaded only when a web app is served: static/ brings @fastify/compress (mime-db,
    // readable-stream, minipass), which cost start-up time and memory nobody else needs.
    const { registerSpa } = await import('./static/index.js');
    registerSpa(http, { publicDir: config.publicDir });
  }

  return { http, upgrades, backends, metrics, files, gateway };
}

/**
 * Without a web app to serve, `/` describes the service and where its APIs live; a browser
 * (which asks for text/html) gets ComfyUI's own frontend from the default backend instead.
 */
function registerServiceIndex(
  http: FastifyInstance,
  version: string,
  frontend: ((request: FastifyRequest, reply: FastifyReply) => void) | null,
): void {
  http.get('/', async (request, reply) => {
    if (frontend !== null && /\btext\/html\b/.test(request.headers.accept ?? '')) return frontend(request, reply);
    return {
      name: 'comfyui-automa',
      version,
      description: 'ComfyUI automation service',
      api: {
        health: '/automa/health',
        documents: '/automa/db',
        comfyui_proxy: '/comfyui/',
        comfyui_gateway: '/prompt, /queue, /history, /ws (and under /api)',
        comfy_api_v2: '/api/v2/jobs, /api/v2/assets',
      },
    };
  });
}
