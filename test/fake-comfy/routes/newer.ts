/**
 * Routes newer ComfyUI versions add (0.33.0 recordings): GET /node_replacements, and the assets
 * API, which without --enable-assets answers every route 503 SERVICE_DISABLED (its `{id}` routes
 * match only UUIDs, and it exists only under /api).
 */
import { route, type Handler, type Route } from '../context.js';
import { json, notFound } from '../http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ASSETS_SINCE = '0.33.0';

const disabled: Handler = () =>
  json(
    {
      error: {
        code: 'SERVICE_DISABLED',
        message: 'Assets system is disabled. Start the server with --enable-assets to use this feature.',
        details: {},
      },
    },
    503,
  );

/** An `{id}` route: a non-UUID id matches no route (aiohttp's regex), so 404. */
const byId: Handler = (fake, req) => (UUID.test(req.params['id'] ?? '') ? disabled(fake, req) : notFound());

const assets = (method: Route['method'], path: string, handler: Handler = disabled): Route => route(method, path, handler, false, ASSETS_SINCE);

export const newerRoutes: readonly Route[] = [
  route('GET', '/node_replacements', (fake) => json(fake.nodeReplacements()), true, '0.14.0'),
  assets('GET', '/api/assets'),
  assets('POST', '/api/assets'),
  assets('POST', '/api/assets/from-hash'),
  assets('GET', '/api/assets/tags/refine'),
  assets('POST', '/api/assets/seed'),
  assets('GET', '/api/assets/seed/status'),
  assets('POST', '/api/assets/seed/cancel'),
  assets('POST', '/api/assets/prune'),
  assets('GET', '/api/assets/hash/{hash}'),
  assets('GET', '/api/tags'),
  assets('GET', '/api/assets/{id}', byId),
  assets('PUT', '/api/assets/{id}', byId),
  assets('DELETE', '/api/assets/{id}', byId),
  assets('GET', '/api/assets/{id}/content', byId),
  assets('POST', '/api/assets/{id}/tags', byId),
  assets('DELETE', '/api/assets/{id}/tags', byId),
];
