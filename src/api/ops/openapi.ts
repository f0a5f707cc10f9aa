import type { StaticDocumentSpec } from '@fastify/swagger';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { registerDocsPage } from './docs-page.js';

/** The OpenAPI 3.0 document the service serves (what @fastify/swagger's static mode takes). */
export type OpenApiDocument = StaticDocumentSpec['document'];

interface OpenApiOptions {
  readonly version: string;
  readonly keysEnabled: boolean;
  readonly jsonBodyBytes: number;
}

/**
 * The OpenAPI 3 document, generated from the route schemas, at /automa/openapi.json, and a docs
 * page at /automa/docs (swagger-ui's bundled assets, no CDN), both built on their first request.
 * Must be registered before the routes it describes: they are recorded as they are added.
 *
 * Why not register @fastify/swagger on the app: it loads its generator and yaml (some 90
 * modules) at every start for a document few ask for. The app keeps what that plugin's own
 * onRoute hook keeps, each route's options, and the first request replays them into a Fastify
 * instance of its own with @fastify/swagger registered, which never listens and compiles nothing,
 * so the document is the one the plugin would have generated on the app.
 */
export function registerOpenApi(http: FastifyInstance, options: OpenApiOptions): void {
  const routes: RouteOptions[] = [];
  // HEAD routes are left out of the document; the replayed GET routes get theirs again.
  http.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD') routes.push(route);
  });
  let document: Promise<OpenApiDocument> | null = null;
  const openApiDocument = (): Promise<OpenApiDocument> =>
    (document ??= describe(http, routes, options).catch((err: unknown) => {
      document = null; // the next request tries again
      throw err;
    }));
  registerDocsPage(http, { document: openApiDocument, jsonBodyBytes: options.jsonBodyBytes });
  http.get('/automa/openapi.json', { schema: { hide: true } }, openApiDocument);
}

/** @fastify/swagger's document for `routes`, generated on a private instance that only holds them. */
async function describe(http: FastifyInstance, routes: readonly RouteOptions[], options: OpenApiOptions): Promise<OpenApiDocument> {
  const { default: swagger } = await import('@fastify/swagger');
  const collector = Fastify({ routerOptions: http.initialConfig.routerOptions });
  // Its routes are never called: nothing to validate or serialise.
  collector.setValidatorCompiler(() => () => true);
  collector.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of Object.values(http.getSchemas())) collector.addSchema(schema);
  await collector.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'comfyui-automa',
        version: options.version,
        description:
          'ComfyUI automation service: the ComfyUI API at the root (also under /api), a transparent proxy under ' +
          '/comfyui/, and its own API under /automa/.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'One of the keys given with --api-key or --api-keys-file.' },
        },
      },
      ...(options.keysEnabled && { security: [{ apiKey: [] }] }),
    },
    // The SPA's catch-all serves files, not an API.
    transform: ({ schema, url }) => ({ schema: url === '/*' ? { ...schema, hide: true } : schema, url }),
  });
  // What @fastify/swagger reads of a route: its method, URL, schema, config and links.
  for (const { method, url, schema, config, links } of routes) {
    collector.route({ method, url, schema, config, links, handler: async () => null });
  }
  await collector.ready();
  // openapi: '3.0.3' above, so an OpenAPI 3.0 document.
  const generated = collector.swagger() as OpenApiDocument;
  await collector.close();
  return generated;
}
