import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/index.js';
import { notFound } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createHttpProxy, createWsProxy, handOver, httpProxyOptions, PROXIED_RESPONSES, registerHandOverRoutes, WILDCARD_PARAMS, wsProxyOptions, type HttpProxy, type UpstreamErrorReporter, type WsProxy } from '../../proxy/index.js';
import type { Gateway } from '../../queue/index.js';
import { docs, json } from '../../route-docs.js';
import { BackendListSchema, BackendViewSchema } from '../schemas/backends.js';
import { refuseUpgrade, type UpgradeRouter } from '../upgrade-router.js';

const NameParams = Type.Object({ name: Type.String({ maxLength: 64 }) });
const AddBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Defaults to the URL's host." })),
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s)://host:port of the ComfyUI server.' }),
});
const PatchBody = Type.Object({ draining: Type.Boolean({ description: 'true: take no new prompts; false: take them again.' }) });
const NO_BACKEND = 'No backend has this name';

/** `/automa/backends/<name>/comfyui/<rest>` → name and upstream path `/<rest>` (query kept). */
const SCOPED = /^\/automa\/backends\/([^/?]+)\/comfyui(\/[^?]*)?(\?.*)?$/;

export interface BackendRouteDeps {
  readonly gateway: Gateway;
  readonly config: Config;
  readonly logger: Logger;
  readonly upgrades: UpgradeRouter;
  /** Counts upstream failures of the per-backend proxies. */
  readonly onUpstreamError?: UpstreamErrorReporter;
}

/**
 * The backend pool at runtime: list, add, drain and remove backends, and reach any one of them
 * directly (HTTP and WebSocket) under /automa/backends/:name/comfyui/*.
 */
export function registerBackendRoutes(app: FastifyInstance, deps: BackendRouteDeps): void {
  const { gateway } = deps;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get('/automa/backends', { schema: docs('backends', 'List the backends', { responses: { 200: BackendListSchema } }) }, async () => ({ backends: gateway.backends() }));
  const getOne = docs('backends', 'One backend', { params: NameParams, responses: { 200: BackendViewSchema, 400: 'The name is too long', 404: NO_BACKEND } });
  routes.get('/automa/backends/:name', { schema: getOne }, async (request) => {
    const view = gateway.backend(request.params.name);
    if (!view) throw notFound('Backend', request.params.name);
    return view;
  });
  const add = docs('backends', 'Add a backend to the pool', {
    description: 'Kept across restarts; it takes prompts once it answers.',
    body: AddBody,
    responses: { 201: json(BackendViewSchema, 'Added'), 400: 'The URL is not an http(s) URL or the name is not allowed', 409: 'A backend with this name exists' },
  });
  routes.post('/automa/backends', { schema: add }, async (request, reply) => {
    const { url } = request.body;
    const name = request.body.name ?? hostOf(url);
    return reply.code(201).send(await gateway.addBackend({ name, url }));
  });
  const drain = docs('backends', 'Drain a backend, or let it take prompts again', {
    params: NameParams,
    body: PatchBody,
    responses: { 200: BackendViewSchema, 400: 'The body is not {"draining": true|false}', 404: NO_BACKEND },
  });
  routes.patch('/automa/backends/:name', { schema: drain }, async (request) =>
    gateway.setDraining(request.params.name, request.body.draining),
  );
  const remove = docs('backends', 'Remove a backend from the pool', {
    params: NameParams,
    responses: {
      202: json(Type.Object({ state: Type.Literal('draining') }), 'It runs prompts: it drains first and goes once they are done'),
      204: 'Removed',
      400: 'The name is too long',
      404: NO_BACKEND,
    },
  });
  routes.delete('/automa/backends/:name', { schema: remove }, async (request, reply) => {
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
    if (!proxy) httpProxies.set(key, (proxy = createHttpProxy(httpProxyOptions(config, { name, url }, logger, deps.onUpstreamError))));
    return proxy;
  };
  const wsProxyFor = (name: string, url: string): WsProxy => {
    const key = `${name} ${url}`;
    let proxy = wsProxies.get(key);
    if (!proxy) wsProxies.set(key, (proxy = createWsProxy(wsProxyOptions(config, { name, url }, logger))));
    return proxy;
  };

  registerHandOverRoutes(
    app,
    ['/automa/backends/:name/comfyui', '/automa/backends/:name/comfyui/*'],
    (request, reply) => {
      const match = SCOPED.exec(request.raw.url ?? '');
      const name = match ? safeDecode(match[1] ?? '') : '';
      const url = urlOf(name);
      if (!match || url === undefined) return notFound('Backend', name);
      handOver(httpProxyFor(name, url), request, reply, `${match[2] ?? '/'}${match[3] ?? ''}`);
    },
    (url) =>
      docs('proxy', url.endsWith('*') ? 'Any path of one backend, through the proxy' : "One backend's root, through the proxy", {
        description: 'Like /comfyui/, but to the backend named in the path, whatever the pool would pick. WebSocket upgrades are proxied the same way.',
        described: { params: url.endsWith('*') ? Type.Composite([NameParams, WILDCARD_PARAMS]) : NameParams },
        responses: { ...PROXIED_RESPONSES, 404: 'No backend has this name' },
      }),
  );

  deps.upgrades.add(
    (pathname) => SCOPED.test(pathname),
    (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const match = SCOPED.exec(request.url ?? '');
      const name = match ? safeDecode(match[1] ?? '') : '';
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

/** A backend name from the URL; malformed percent-encoding names no backend. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}
