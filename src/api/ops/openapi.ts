import type { StaticDocumentSpec } from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifySchema, type RouteOptions } from 'fastify';
import { ANY_METHOD_KEY, API_TAGS, DESCRIBED_KEY, docs, ErrorBodySchema, media, type DescribedParts } from '../../route-docs.js';
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
  http.get(
    '/automa/openapi.json',
    { schema: docs('operations', 'This OpenAPI document', { responses: { 200: media('application/json', 'The OpenAPI 3.0 document of this service', { type: 'object' }) } }) },
    openApiDocument,
  );
}

/** @fastify/swagger's document for `routes`, generated on a private instance that only holds them. */
async function describe(http: FastifyInstance, routes: readonly RouteOptions[], options: OpenApiOptions): Promise<OpenApiDocument> {
  const { default: swagger } = await import('@fastify/swagger');
  const collector = Fastify({ routerOptions: http.initialConfig.routerOptions });
  // Its routes are never called: nothing to validate or serialise.
  collector.setValidatorCompiler(() => () => true);
  collector.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of Object.values(http.getSchemas())) collector.addSchema(schema);
  collector.addSchema(ErrorBodySchema);
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
      tags: usedTags(routes),
    },
    // Shared schemas appear under their own $id (#/components/schemas/ErrorBody), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // The SPA's catch-all serves files, not an API.
    transform: ({ schema, url }) => ({ schema: url === '/*' ? { ...schema, hide: true } : schema, url }),
  });
  // What @fastify/swagger reads of a route: its method, URL, schema, config and links.
  for (const { method, url, schema, config, links } of routes) {
    const documented = documentedSchema(schema, typeof method === 'string' ? [method] : method);
    // A catch-all takes every method alike: one operation per path says so, not seven.
    const methods = (schema as { [ANY_METHOD_KEY]?: true } | undefined)?.[ANY_METHOD_KEY] === true ? 'GET' : method;
    collector.route({ method: methods, url, ...(documented && { schema: documented }), config, links, handler: async () => null });
  }
  await collector.ready();
  // openapi: '3.0.3' above, so an OpenAPI 3.0 document.
  const generated = collector.swagger() as OpenApiDocument;
  await collector.close();
  return generated;
}

/**
 * What the document shows of a route's schema: the parts its handler checks itself
 * (`x-described`) join the validated ones, and a catch-all says which methods it takes.
 */
function documentedSchema(schema: FastifySchema | undefined, methods: readonly string[]): FastifySchema | undefined {
  if (schema === undefined) return undefined;
  const { [DESCRIBED_KEY]: described, [ANY_METHOD_KEY]: anyMethod, ...rest } = schema as FastifySchema & {
    [DESCRIBED_KEY]?: DescribedParts;
    [ANY_METHOD_KEY]?: true;
  };
  const documented: FastifySchema = { ...rest };
  if (described !== undefined) {
    const { consumes, ...parts } = described;
    Object.assign(documented, parts, consumes !== undefined && { consumes });
  }
  if (anyMethod === true) {
    const every = `Every method (${[...methods].sort().join(', ')}) is taken the same way; it is listed once, as GET.`;
    documented.description = documented.description === undefined ? every : `${documented.description}\n\n${every}`;
  }
  return documented;
}

/** The areas the routes name, in API_TAGS order, with their descriptions. */
function usedTags(routes: readonly RouteOptions[]): { name: string; description: string }[] {
  const used = new Set(routes.flatMap((route) => route.schema?.tags ?? []));
  return Object.values(API_TAGS).filter((tag) => used.has(tag.name)).map((tag) => ({ name: tag.name, description: tag.description }));
}
