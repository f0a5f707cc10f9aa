import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { HttpProxyHandler } from './http-proxy.js';

/** Mount point of the transparent proxy. */
export const PROXY_PREFIX = '/comfyui';

/**
 * The upstream path for a raw request URL under the prefix: exactly `/comfyui` is cut, nothing
 * is decoded or re-encoded (`%2F` stays `%2F`), and `/comfyui` or `/comfyui/` become `/`.
 */
export function upstreamPathOf(rawUrl: string): string {
  const rest = rawUrl.slice(PROXY_PREFIX.length);
  return rest === '' || rest[0] === '?' ? `/${rest}` : rest;
}

/** True for paths the proxy owns: `/comfyui` and everything below `/comfyui/`. */
export function isProxyPath(pathname: string): boolean {
  return pathname === PROXY_PREFIX || pathname.startsWith(`${PROXY_PREFIX}/`);
}

/**
 * Routes every method on `/comfyui` and `/comfyui/*` to the proxy. The exchange starts in the
 * routes' own onRequest hook, which runs after the app-level onRequest hooks (request id,
 * access control): the reply is hijacked there, so Fastify never parses, buffers or size-checks
 * the body (a 200 MB upload streams through) and skips the rest of its lifecycle. The access log
 * line still comes from the app's onResponse hook, which fires on the raw response's 'finish'.
 */
export function registerProxyRoutes(app: FastifyInstance, deps: { readonly proxy: HttpProxyHandler }): void {
  const { proxy } = deps;
  registerHandOverRoutes(app, [PROXY_PREFIX, `${PROXY_PREFIX}/*`], (request, reply) =>
    handOver(proxy, request, reply, upstreamPathOf(request.raw.url ?? PROXY_PREFIX)),
  );
}

/**
 * Routes every method on `urls` to `exchange`, which takes the request over in the routes' own
 * onRequest hook (after the app-level hooks), before Fastify would parse or buffer the body.
 * `exchange` must hand the request to a proxy (see handOver) or fail it through `done`.
 */
export function registerHandOverRoutes(
  app: FastifyInstance,
  urls: readonly string[],
  exchange: (request: FastifyRequest, reply: FastifyReply) => Error | void,
): void {
  void app.register(async (scope) => {
    scope.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const refusal = exchange(request, reply);
      if (refusal) done(refusal);
      else done();
    });
    // Never reached: the onRequest hook above has always taken the request over.
    const unreachable = async (): Promise<never> => {
      throw new Error('proxy route handler reached without its onRequest hook');
    };
    for (const url of urls) {
      scope.route({ method: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'], url, handler: unreachable, exposeHeadRoute: false });
    }
  });
}

/** Hand a Fastify request to a proxy, keeping the headers app hooks already set (request id, CORS). */
export function handOver(proxy: HttpProxyHandler, request: FastifyRequest, reply: FastifyReply, upstreamPath: string): void {
  // Headers app hooks set on the reply would be lost by hijacking.
  const responseHeaders = flatHeaders(reply.getHeaders());
  reply.hijack();
  proxy(request.raw, reply.raw, upstreamPath, { log: request.log, responseHeaders });
}

/** Fastify's reply headers (names already lowercase) as a flat [name, value, …] list. */
function flatHeaders(headers: Record<string, number | string | string[] | undefined>): string[] {
  const flat: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) flat.push(name, one);
    else flat.push(name, String(value));
  }
  return flat;
}
