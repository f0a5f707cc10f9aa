import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/index.js';
import { notFound } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createHttpProxy, createWsProxy, type HttpProxy, type WsProxy } from '../../proxy/index.js';
import type { Gateway } from '../../queue/index.js';
import { refuseUpgrade, type UpgradeRouter } from '../upgrade-router.js';

const NameParams = Type.Object({ name: Type.String({ maxLength: 64 }) });
const AddBody = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), url: Type.String({ minLength: 1, maxLength: 2048 }) });
const PatchBody = Type.Object({ draining: Type.Boolean() });

/** `/automa/backends/<name>/comfyui/<rest>` → name and upstream path `/<rest>` (query kept). */
const SCOPED = /^\/automa\/backends\/([^/?]+)\/comfyui(\/[^?]*)?(\?.*)?$/;

export interface BackendRouteDeps {
  readonly gateway: Gateway;
  readonly config: Config;
  readonly logger: Logger;
  readonly upgrades: UpgradeRouter;
}

/**
 * The backend pool at runtime: list, add, drain and remove backends, and reach any one of them
 * directly (HTTP and WebSocket) under /automa/backends/:name/comfyui/*.
 */
export function registerBackendRoutes(app: FastifyInstance, deps: BackendRouteDeps): void {
  const { gateway } = deps;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/automa/backends', async () => ({ backends: gateway.backends() }));
  routes.get('/automa/backends/:name', { schema: { params: NameParams } }, async (request) => {
    const view = gateway.backend(request.params.name);
    if (!view) throw notFound('Backend', request.params.name);
    return view;
  });
  routes.post('/automa/backends', { schema: { body: AddBody } }, async (request, reply) => {
    const { url } = request.body;
    const name = request.body.name ?? hostOf(url);
    return reply.code(201).send(await gateway.addBackend({ name, url }));
  });
  routes.patch('/automa/backends/:name', { schema: { params: NameParams, body: PatchBody } }, async (request) =>
    gateway.setDraining(request.params.name, request.body.draining),
  );
  routes.delete('/automa/backends/:name', { schema: { params: NameParams } }, async (request, reply) => {
    const outcome = await gateway.removeBackend(request.params.name);
    // 202: it drains first and goes once its prompts are done.
    return outcome === 'removed' ? reply.code(204).send() : reply.code(202).send({ state: 'draining' });
  });

  registerScopedProxy(app, deps);
}

function registerScopedProxy(app: FastifyInstance, deps: BackendRouteDeps): void {
  const { config, logger, gateway } = deps;
  const httpProxies = new Map<string, HttpProxy>();
  const wsProxies = new Map<string, WsProxy>();
  const urlOf = (name: string): string | undefined => gateway.backend(name)?.url;

  const httpProxyFor = (name: string, url: string): HttpProxy => {
    const key = `${name} ${url}`;
    let proxy = httpProxies.get(key);
    if (!proxy) {
      proxy = createHttpProxy({
        target: url,
        name,
        maxBodyBytes: config.maxUploadSizeBytes,
        connectTimeoutMs: config.upstreamConnectTimeoutMs,
        headersTimeoutMs: config.upstreamHeadersTimeoutMs,
        log: logger,
      });
      httpProxies.set(key, proxy);
    }
    return proxy;
  };
  const wsProxyFor = (name: string, url: string): WsProxy => {
    const key = `${name} ${url}`;
    let proxy = wsProxies.get(key);
    if (!proxy) {
      proxy = createWsProxy({
        target: url,
        name,
        maxBufferBytes: config.wsMaxBufferBytes,
        pingIntervalMs: config.wsPingIntervalMs,
        connectTimeoutMs: config.upstreamConnectTimeoutMs + config.upstreamHeadersTimeoutMs,
        log: logger,
      });
      wsProxies.set(key, proxy);
    }
    return proxy;
  };

  void app.register(async (scope) => {
    // Relay from onRequest so Fastify never parses or buffers the body (see proxy/routes.ts).
    scope.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const match = SCOPED.exec(request.raw.url ?? '');
      const name = match ? decodeURIComponent(match[1] ?? '') : '';
      const url = urlOf(name);
      if (!match || url === undefined) return done(notFound('Backend', name));
      const responseHeaders: string[] = [];
      for (const [header, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) for (const one of Array.isArray(value) ? value : [value]) responseHeaders.push(header, String(one));
      }
      reply.hijack();
      httpProxyFor(name, url)(request.raw, reply.raw, `${match[2] ?? '/'}${match[3] ?? ''}`, { log: request.log, responseHeaders });
      done();
    });
    const unreachable = async (): Promise<never> => {
      throw new Error('backend proxy handler reached without its onRequest hook');
    };
    for (const url of ['/automa/backends/:name/comfyui', '/automa/backends/:name/comfyui/*']) {
      scope.route({ method: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'], url, handler: unreachable, exposeHeadRoute: false });
    }
  });

  deps.upgrades.add(
    (pathname) => SCOPED.test(pathname),
    (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const match = SCOPED.exec(request.url ?? '');
      const name = match ? decodeURIComponent(match[1] ?? '') : '';
      const url = urlOf(name);
      if (!match || url === undefined) return refuseUpgrade(socket, 404, `No backend named ${name}`);
      wsProxyFor(name, url).handleUpgrade(request, socket, head, `${match[2] ?? '/'}${match[3] ?? ''}`);
    },
  );
  app.addHook('preClose', async () => {
    await Promise.all([...wsProxies.values()].map((proxy) => proxy.close()));
  });
  app.addHook('onClose', async () => {
    await Promise.all([...httpProxies.values()].map((proxy) => proxy.close()));
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
