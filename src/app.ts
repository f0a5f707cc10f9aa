import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerComfyGateway } from './api/comfy-gateway.js';
import { createJobTracker, registerApiV2 } from './api/v2/index.js';
import { registerErrorHandling } from './api/error-handler.js';
import { parseJsonBody } from './api/json-body.js';
import { lazyValidatorFactory } from './api/lazy-validation.js';
import { createMetrics, registerOps, registerRequestMetrics, upstreamErrorCounter, type Metrics } from './api/ops/index.js';
import { createPoolHealth, type PoolHealth } from './api/pool-health.js';
import { registerAutomaAppRoutes } from './api/routes/automa-apps.js';
import { registerAutomaRunRoutes } from './api/routes/automa-runs.js';
import { registerConvertRoutes } from './api/routes/convert.js';
import { registerDocumentRoutes } from './api/routes/documents.js';
import { registerEventRoutes } from './api/routes/events.js';
import { registerScheduleRoutes } from './api/routes/schedules.js';
import { registerWebhookRoutes } from './api/routes/webhooks.js';
import { automationTargets, createScheduler, promptIdFor, systemClock, type Clock, type Scheduler } from './automation/schedules/index.js';
import { createEventServices, type EventServices } from './events/index.js';
import { registerFileRoutes } from './api/routes/files.js';
import { registerHealthRoutes } from './api/routes/health.js';
import { limitConnections, redactToken, registerSecurity, serverLimitOptions } from './api/security/index.js';
import { createUpgradeRouter, type UpgradeRouter } from './api/upgrade-router.js';
import { createAutomation, type Automation } from './automation/index.js';
import type { Config } from './config/index.js';
import { createFileService, type FileService } from './files/index.js';
import { badRequest, internalError, isAppError } from './errors.js';
import { stringifyExactJson } from './json.js';
import type { Logger } from './log.js';
import type { Gateway } from './queue/index.js';
import { registerComfyProxy } from './proxy/index.js';
import type { Store } from './store/index.js';
import { serviceIndex } from './static/service-index.js';
import { docs, media } from './route-docs.js';
import { ServiceIndexSchema } from './api/schemas/operations.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly version: string;
  /** Metrics to record into; a fresh registry with process metrics when left out. */
  readonly metrics?: Metrics;
  /**
   * Folders where the built web app (web/, built into dist/web) may be, first with an
   * index.html wins. Served at `/` unless --public-dir or --comfyui-frontend says otherwise;
   * without one (not built, or a test that leaves it out) `/` is the JSON index alone.
   */
  readonly webAppDirs?: readonly string[];
  /** The schedules' clock (tests move one by hand); the system's by default. */
  readonly scheduleClock?: Clock;
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
  /** Workflow apps, runs, sweeps and contact sheets (/automa/apps, /automa/runs, /automa/sweeps). */
  readonly automation: Automation;
  /** The event log's hub, webhook sender and subscriptions (runs register `webhook_url` through it). */
  readonly events: EventServices;
  readonly scheduler: Scheduler;
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
    // Route schemas are compiled on a route's first request, not at start-up (api/lazy-validation.ts).
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() } },
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
  http.removeContentTypeParser('application/json');
  http.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  // Replies may carry prompts (/queue, /api/jobs/{id}, node_errors) whose seeds exceed 2^53.
  http.setReplySerializer((payload) => stringifyExactJson(payload));
  // Fastify prefers that serializer to any compiled from a route's response schema, so response
  // schemas only document (api/route-docs.ts): compiling fast-json-stringify for each would only
  // cost start-up time.
  http.setSerializerCompiler(() => (data) => stringifyExactJson(data));
  http.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  http.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    request.log[level]({ method: request.method, url: redactToken(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request done');
  });

  limitConnections(http.server, config.maxConnections, logger);
  const upgrades = createUpgradeRouter(logger);
  http.server.on('upgrade', upgrades.handle);

  // Late-bound: health and files are set up before the gateway, which owns the live pool.
  let pool: Gateway | undefined;
  const backends = createPoolHealth(
    () => pool?.links ?? [],
    () => pool?.cluster() ?? null,
  );

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
  // Before the gateway's own onReady: the hub must know the log's end before the queue appends to it.
  const events = createEventServices({ store, config, logger, version: deps.version });
  http.addHook('onReady', async () => events.start());
  const tracker = createJobTracker();
  const { gateway, frontend } = registerComfyGateway(http, {
    config,
    store,
    logger,
    files,
    upgrades,
    metrics,
    lifecycle: events.lifecycle,
    serveComfyFrontend: config.publicDir === null && config.comfyuiFrontend,
    tap: tracker,
  });
  pool = gateway;
  const automation = createAutomation({
    store: store.automa,
    gateway,
    files,
    logger,
    maxSweepRuns: config.maxSweepRuns,
    webhooks: { subscribeOnce: (input) => events.subscriptions.subscribeOnce(input), remove: (id) => store.webhooks.remove(id) },
  });
  // run.started and run.progress ride on the recorder's prompt events (coalesced the same way).
  events.lifecycle.follow(automation.lifecycle);
  // After the gateway's own onReady (registered above): it must hold its queue before runs are added.
  http.addHook('onReady', async () => automation.start());
  http.addHook('preClose', async () => automation.stop());
  registerAutomaAppRoutes(http, { automation, version: deps.version, maxFileBytes: config.maxJsonBodyBytes });
  const streamEvents = registerEventRoutes(http, { store: store.events, hub: events.hub, heartbeatMs: config.sseHeartbeatMs, maxBacklogBytes: config.sseMaxBufferBytes });
  registerAutomaRunRoutes(http, { automation, streamEvents });
  registerApiV2(http, { gateway, store, files, tracker, logger, retentionMs: config.historyMaxAgeMs });
  registerConvertRoutes(http, { gateway, maxFileBytes: config.maxUploadSizeBytes });
  const scheduler = registerEventParts(http, { config, store, events, gateway, automation, logger, clock: deps.scheduleClock ?? systemClock });
  const comfyProxy = registerComfyProxy(http, { config, logger, onUpstreamError: upstreamErrorCounter(metrics) });
  if (comfyProxy !== null) upgrades.add(comfyProxy.matches, comfyProxy.handleUpgrade);
  const webApp = config.publicDir === null && frontend === null ? builtWebApp(deps.webAppDirs ?? []) : null;
  if (config.publicDir === null && webApp === null) registerServiceIndex(http, deps.version, frontend);
  else {
    // Loaded only when a web app is served: static/ brings @fastify/compress (mime-db,
    // readable-stream, minipass), which cost start-up time and memory nobody else needs.
    const { registerSpa } = await import('./static/index.js');
    if (config.publicDir !== null) registerSpa(http, { publicDir: config.publicDir, serviceIndex: () => serviceIndex(deps.version) });
    // Our own app keeps the JSON index at `/` for API clients; browsers get the app there.
    else if (webApp !== null) {
      registerSpa(http, {
        publicDir: webApp,
        root: (scope, serveApp) => {
          // `/` is HTML or JSON by Accept: caches must keep the two apart.
          scope.addHook('onRequest', async (request, reply) => {
            if (request.routeOptions.url === '/') reply.header('vary', 'accept');
          });
          registerServiceIndex(scope, deps.version, serveApp);
        },
      });
    }
  }

  return { http, upgrades, backends, metrics, files, gateway, automation, events, scheduler };
}

/** Webhooks and schedules; schedules fire raw prompts through the gateway, app runs and sweeps through automation. */
function registerEventParts(
  http: FastifyInstance,
  deps: { config: Config; store: Store; events: EventServices; gateway: Gateway; automation: Automation; logger: Logger; clock: Clock },
): Scheduler {
  const { config, store, events, gateway } = deps;
  registerWebhookRoutes(http, { store: store.webhooks, subscriptions: events.subscriptions, sender: events.sender });
  const targets = automationTargets(deps.automation);
  const scheduler = createScheduler({
    store: store.schedules,
    clock: deps.clock,
    misfireGraceMs: config.scheduleMisfireGraceMs,
    logger: deps.logger,
    targets: {
      prompt: async (body, key) => {
        const promptId = promptIdFor(key);
        try {
          await gateway.submit({ ...body, prompt_id: promptId });
        } catch (err) {
          // 409: this slot's prompt is already in (a restart re-submitting a claimed slot).
          if (!(isAppError(err) && err.status === 409)) throw err;
        }
        return { kind: 'prompt', id: promptId };
      },
      app: targets.app,
      sweep: targets.sweep,
    },
  });
  registerScheduleRoutes(http, { store: store.schedules, scheduler, available: { app: true, sweep: true }, checkTarget: targets.check, now: () => deps.clock.now() });
  // After the gateway's onReady (registered earlier): slots due at start-up go to a started queue.
  http.addHook('onReady', async () => scheduler.start());
  http.addHook('preClose', async () => scheduler.stop());
  http.addHook('onClose', async () => events.stop());
  return scheduler;
}

/** The first of `dirs` that holds a built web app (an index.html), or null. */
function builtWebApp(dirs: readonly string[]): string | null {
  return dirs.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
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
  const responses = { 200: frontend === null ? ServiceIndexSchema : media(['application/json', 'text/html'], 'The service index as JSON; browsers (Accept: text/html) get the web app') };
  http.get('/', { schema: docs('operations', 'Service index: every entry point of the service', { responses }) }, async (request, reply) => {
    if (frontend !== null && /\btext\/html\b/.test(request.headers.accept ?? '')) return frontend(request, reply);
    return serviceIndex(version);
  });
}
