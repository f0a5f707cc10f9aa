import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { registerErrorHandling } from './api/error-handler.js';
import { registerDocumentRoutes } from './api/routes/documents.js';
import { registerHealthRoutes } from './api/routes/health.js';
import { createUpgradeRouter, type UpgradeRouter } from './api/upgrade-router.js';
import type { Config } from './config/index.js';
import { badRequest, internalError } from './errors.js';
import type { Logger } from './log.js';
import { registerComfyProxy } from './proxy/index.js';
import { registerSpa } from './static/index.js';
import type { Store } from './store/index.js';
import { createBackendMonitor, type BackendMonitor } from './upstream/index.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly version: string;
}

export interface App {
  readonly http: FastifyInstance;
  readonly upgrades: UpgradeRouter;
  readonly backends: BackendMonitor;
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
    bodyLimit: config.maxJsonBodyBytes,
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
  http.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  http.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    request.log[level]({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request done');
  });

  const upgrades = createUpgradeRouter(logger);
  http.server.on('upgrade', upgrades.handle);

  const backends = createBackendMonitor({ backends: config.backends, logger });
  backends.start();
  http.addHook('onClose', async () => backends.stop());

  registerErrorHandling(http, { jsonBodyBytes: config.maxJsonBodyBytes });
  registerHealthRoutes(http, { store, backends, version: deps.version, startedAt: Date.now() });
  registerDocumentRoutes(http, { documents: store.documents });
  const comfyProxy = registerComfyProxy(http, { config, logger });
  if (comfyProxy !== null) upgrades.add(comfyProxy.matches, comfyProxy.handleUpgrade);
  if (config.publicDir === null) registerServiceIndex(http, deps.version);
  else registerSpa(http, { publicDir: config.publicDir });

  return { http, upgrades, backends };
}

/** Without a web app to serve, `/` describes the service and where its APIs live. */
function registerServiceIndex(http: FastifyInstance, version: string): void {
  http.get('/', async () => ({
    name: 'comfyui-automa',
    version,
    description: 'ComfyUI automation service',
    api: {
      health: '/automa/health',
      documents: '/automa/db',
      comfyui_proxy: '/comfyui/',
      comfyui_gateway: '/prompt, /queue, /history, /ws (and under /api)',
    },
  }));
}
