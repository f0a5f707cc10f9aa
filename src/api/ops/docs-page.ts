import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { StaticDocumentSpec } from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerErrorHandling } from '../error-handler.js';
import { registerCompression } from './compression.js';

/** Where swagger-ui serves the page, its assets and its copy of the document. */
const DOCS_PREFIX = '/automa/docs';

interface HandOver {
  readonly id: string;
  readonly headers: ReturnType<FastifyReply['getHeaders']>;
}

/**
 * The docs page at /automa/docs: swagger-ui with its bundled assets (no CDN), built on its first
 * request instead of at start-up.
 *
 * Why: registering @fastify/swagger-ui loads it, yaml and @fastify/static and compiles their
 * routes, about a tenth of the service's start-up, for a page few ever open. Routes cannot be
 * added once the app is ready, so the page lives in a Fastify instance of its own that never
 * listens, and the app's two routes hand it the raw request (`routing`). By then the app's hooks
 * (origin check or CORS, API keys, metrics, request log) have run on the request; the page's
 * instance has the app's compression hook and error replies, and carries the app's request id
 * and reply headers, so everything under /automa/docs answers as it would registered on the app.
 */
export function registerDocsPage(
  http: FastifyInstance,
  options: { document: () => Promise<StaticDocumentSpec['document']>; jsonBodyBytes: number },
): void {
  const handedOver = new WeakMap<IncomingMessage, HandOver>();
  let page: Promise<FastifyInstance> | null = null;

  const build = async (): Promise<FastifyInstance> => {
    const [{ default: swagger }, { default: swaggerUi }, document] = await Promise.all([
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
      options.document(),
    ]);
    const instance = Fastify({
      loggerInstance: http.log,
      logController: new LogController({ disableRequestLogging: true }),
      routerOptions: http.initialConfig.routerOptions,
      genReqId: (raw) => handedOver.get(raw)?.id ?? randomUUID(),
    });
    instance.addHook('onRequest', async (request, reply) => {
      const from = handedOver.get(request.raw);
      if (from !== undefined) reply.headers(from.headers);
    });
    registerCompression(instance);
    registerErrorHandling(instance, { jsonBodyBytes: options.jsonBodyBytes });
    // swagger-ui serves `swagger()` of its instance, here the app's document (openapi.ts).
    await instance.register(swagger, { mode: 'static', specification: { document } });
    await instance.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true } });
    await instance.ready();
    return instance;
  };

  const handOver = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    page ??= build().catch((err: unknown) => {
      page = null; // the next request tries again
      throw err;
    });
    const instance = await page;
    handedOver.set(request.raw, { id: request.id, headers: reply.getHeaders() });
    reply.hijack();
    instance.routing(request.raw, reply.raw);
  };

  http.get(DOCS_PREFIX, { schema: { hide: true } }, handOver);
  http.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, handOver);
  http.addHook('onClose', async () => {
    const instance = await page?.catch(() => null);
    await instance?.close();
  });
}
