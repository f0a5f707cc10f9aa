import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { registerDocsPage } from './docs-page.js';

/**
 * The OpenAPI 3 document, generated from the route schemas, at /automa/openapi.json, and a docs
 * page at /automa/docs (swagger-ui's bundled assets, no CDN; built on first use). Must be
 * registered before the routes it describes: @fastify/swagger collects routes as they are added.
 */
export async function registerOpenApi(
  http: FastifyInstance,
  options: { version: string; keysEnabled: boolean; jsonBodyBytes: number },
): Promise<void> {
  await http.register(swagger, {
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
  registerDocsPage(http, { jsonBodyBytes: options.jsonBodyBytes });
  http.get('/automa/openapi.json', { schema: { hide: true } }, async () => http.swagger());
}
