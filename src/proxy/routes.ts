import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HookHandlerDoneFunction } from 'fastify';
import { ANY_METHOD, ANY_METHOD_KEY, docs, media, type ResponseDoc } from '../route-docs.js';
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
  registerHandOverRoutes(
    app,
    [PROXY_PREFIX, `${PROXY_PREFIX}/*`],
    (request, reply) => handOver(proxy, request, reply, upstreamPathOf(request.raw.url ?? PROXY_PREFIX)),
    (url) =>
      docs('proxy', url === PROXY_PREFIX ? "ComfyUI's root through the proxy" : 'Any ComfyUI path through the proxy', {
        description:
          'Passed to the default backend with `/comfyui` cut off and nothing else changed (the query, the body streamed as it comes); ' +
          "ComfyUI's answer comes back unchanged. WebSocket upgrades are proxied the same way.",
        ...(url !== PROXY_PREFIX && { described: { params: WILDCARD_PARAMS } }),
        responses: PROXIED_RESPONSES,
      }),
  );
}

/** The `*` of a catch-all URL, as the document names it. */
export const WILDCARD_PARAMS = Type.Object({ '*': Type.String({ description: 'The rest of the path, passed on as it is (slashes included).' }) });

/** What a proxied request can answer: the backend's reply, or ours when the exchange fails. */
export const PROXIED_RESPONSES: Readonly<Record<string, ResponseDoc>> = {
  default: media('*/*', "ComfyUI's answer, status, headers and body passed through unchanged", {}),
  413: 'The body is over --max-upload-size (refused before the backend sees all of it)',
  502: 'The backend is unreachable, refused the connection or answered something that is not HTTP',
  504: 'The backend did not accept the connection or send its headers in time',
};

/**
 * Routes every method on `urls` to `exchange`, which takes the request over in the routes' own
 * onRequest hook (after the app-level hooks), before Fastify would parse or buffer the body.
 * `exchange` must hand the request to a proxy (see handOver) or fail it through `done`.
 * `describe` gives each URL's documentation (route-docs.ts), listed once per path.
 */
export function registerHandOverRoutes(
  app: FastifyInstance,
  urls: readonly string[],
  exchange: (request: FastifyRequest, reply: FastifyReply) => Error | void,
  describe: (url: string) => FastifySchema,
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
      const schema = { ...describe(url), [ANY_METHOD_KEY]: true };
      scope.route({ method: [...ANY_METHOD], url, schema, handler: unreachable, exposeHeadRoute: false });
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
