import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { forbidden, unauthorized } from '../../errors.js';
import type { UpgradeRouter } from '../upgrade-router.js';
import { bearerToken, consumeCredentials, createKeyRing, queryToken, type KeyRing } from './api-keys.js';
import { createCorsPolicy } from './cors.js';
import { originRefusal } from './origin.js';
import { isPublicRequest } from './public-paths.js';
import { createWsClientLimit, type WsClientLimit } from './ws-clients.js';

/** Fastify constructor options for body size, header, request and idle timeouts, and raw client errors. */
export { serverLimitOptions, type ServerLimitOptions } from './server-options.js';
/** --max-connections on the node server. */
export { limitConnections } from './server-options.js';
/** `url` with `?token=` values replaced, for logs. */
export { redactToken } from './api-keys.js';
export type { WsClientLimit } from './ws-clients.js';
export type { KeyRing } from './api-keys.js';

export interface Security {
  readonly keys: KeyRing;
  readonly wsClients: WsClientLimit;
}

/**
 * Everything a request must pass before any route sees it, on every route family (our API, the
 * ComfyUI gateway, /comfyui/*, static files) and on every WebSocket upgrade:
 * 1. ComfyUI's origin check, or CORS instead of it with --enable-cors-header;
 * 2. the API key, when any is configured (public: the web app's files and /automa/health, docs),
 *    taken off the request once checked so no route forwards it;
 * 3. for upgrades, the cap on concurrent WebSocket clients.
 * Also caps JSON bodies of the /automa API at --max-json-body-size (others get the upload limit).
 * Call before any route is added: hooks and the body limit apply to routes added afterwards.
 */
export function registerSecurity(http: FastifyInstance, upgrades: UpgradeRouter, config: Config): Security {
  const keys = createKeyRing(config.apiKeys);
  const wsClients = createWsClientLimit(config.maxWsClients);
  const cors = config.corsOrigin === null ? null : createCorsPolicy(config.corsOrigin);

  http.addHook('onRoute', (route) => {
    if (route.bodyLimit === undefined && (route.url === '/automa' || route.url.startsWith('/automa/'))) {
      route.bodyLimit = config.maxJsonBodyBytes;
    }
  });

  http.addHook('onRequest', async (request, reply) => {
    if (cors !== null) {
      // On the raw response so hijacked replies (the proxy) carry them too.
      for (const [name, value] of Object.entries(cors.responseHeaders)) reply.raw.setHeader(name, value);
      if (request.method === 'OPTIONS') {
        if (request.headers['access-control-request-method'] !== undefined) {
          for (const [name, value] of Object.entries(cors.preflightHeaders(request.headers['access-control-request-headers']))) {
            reply.raw.setHeader(name, value);
          }
        }
        return reply.code(200).send();
      }
    } else {
      const refusal = originRefusal(request.method, request.headers);
      if (refusal !== null) throw forbidden(refusal.message, refusal.details);
      // ComfyUI answers every OPTIONS that passed the check with an empty 200.
      if (request.method === 'OPTIONS') return reply.code(200).send();
    }
    if (keys.enabled && !isPublicRequest(request.method, request.url, request.routeOptions.url)) {
      // EventSource cannot set headers: event streams (GET only) may carry the key as ?token=.
      const streamToken = request.method === 'GET' && isEventStreamPath(request.url) ? queryToken(request.url) : undefined;
      if (!keys.accepts(bearerToken(request.headers.authorization)) && !keys.accepts(streamToken)) {
        reply.header('www-authenticate', 'Bearer');
        throw unauthorized();
      }
    }
    if (keys.enabled) consumeCredentials(request.raw, { query: false });
    return undefined;
  });

  upgrades.guard((request) => (cors !== null ? cors.upgradeRefusal(request.headers) : originRefusal('GET', request.headers)));
  if (keys.enabled) {
    upgrades.guard((request) => {
      const presented = [bearerToken(request.headers.authorization), queryToken(request.url)];
      if (!presented.some((key) => keys.accepts(key))) {
        return { status: 401, message: 'A valid API key is required: send Authorization: Bearer <key> or ?token=<key>' };
      }
      // Checked: the handler (the proxy among them) gets the request without the key.
      consumeCredentials(request, { query: true });
      return null;
    });
  }
  upgrades.guard(wsClients.guard);

  return { keys, wsClients };
}

/** `/automa/events`, `/automa/runs/{id}/events`, `/automa/sweeps/{id}/events`. */
const EVENT_STREAM_RE = /^\/automa\/(?:events|(?:runs|sweeps)\/[^/?#]+\/events)(?:[?#]|$)/;
const isEventStreamPath = (url: string): boolean => EVENT_STREAM_RE.test(url);
