import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestApp } from '../helpers/app.js';
import { fetchDocument, operations, type Document } from './openapi-helpers.js';

// With a backend configured the pass-through routes exist; --comfyui-frontend adds the frontend's.
const CONFIGS = [[], ['--comfyui-frontend']] as const;

for (const argv of CONFIGS) {
  test(`the OpenAPI document (${argv.join(' ') || 'default flags'}) passes a real OpenAPI validator and documents every operation`, async (t) => {
    const app = await startTestApp([...argv]);
    t.after(() => app.close());
    const doc = await fetchDocument(app.app.http);

    // Throws with the validator's list of problems (schema of the document, $refs, path parameters).
    await SwaggerParser.validate(structuredClone(doc) as never);

    const declared = new Set((doc.tags ?? []).map((tag) => tag.name));
    const problems: string[] = [];
    for (const [path, method, op] of operations(doc)) {
      const name = `${method.toUpperCase()} ${path}`;
      if (typeof op.summary !== 'string' || op.summary.trim() === '') problems.push(`${name}: no summary`);
      if (op.tags?.length !== 1) problems.push(`${name}: has ${op.tags?.length ?? 0} tags, wants one area`);
      else if (!declared.has(op.tags[0] ?? '')) problems.push(`${name}: tag ${op.tags[0]} is not one of API_TAGS`);
      // @fastify/swagger's filler for a route that documents no response.
      for (const [status, response] of Object.entries(op.responses)) {
        if (response.description === 'Default Response') problems.push(`${name}: ${status} is undocumented (no responses given)`);
      }
    }
    assert.deepEqual(problems, [], 'every route is documented with docs() (src/route-docs.ts)');
  });
}

test('catch-all routes (the proxies, the disabled assets API) appear once per path, not once per method', async (t) => {
  const app = await startTestApp(['--comfyui-frontend']);
  t.after(() => app.close());
  const doc: Document = await fetchDocument(app.app.http);
  for (const path of ['/comfyui', '/comfyui/{*}', '/automa/backends/{name}/comfyui/{*}', '/userdata/{*}', '/api/{*}', '/assets/{*}']) {
    assert.deepEqual(Object.keys(doc.paths[path] ?? {}), ['get'], `${path}: one operation`);
    assert.match(doc.paths[path]?.get?.description ?? '', /Every method \(DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT\)/, `${path} says it takes every method`);
  }
  assert.deepEqual(Object.keys(doc.paths['/api/assets'] ?? {}), ['get']);
  assert.match(doc.paths['/api/assets']?.get?.description ?? '', /Every method \(DELETE, GET, HEAD, POST, PUT\)/, 'the methods it takes');
  // The proxy and the pass-through routes: one operation per path, each named for its path.
  const proxied = operations(doc).filter(([, , op]) => op.tags?.[0] === 'Proxy');
  assert.ok(proxied.length >= 30, `${proxied.length} proxied paths`);
  assert.equal(new Set(proxied.map(([path]) => path)).size, proxied.length);
  // The SPA's and the frontend's `/*` serve files, not an API.
  assert.equal(doc.paths['/{*}'], undefined);
});

test('POST routes that create answer 201 in the document; request bodies are described, also where the handler reads them itself', async (t) => {
  const app = await startTestApp();
  t.after(() => app.close());
  const doc = await fetchDocument(app.app.http);
  for (const path of ['/automa/backends', '/automa/db/{collection}', '/automa/webhooks', '/automa/schedules']) {
    const responses = Object.keys(doc.paths[path]?.post?.responses ?? {});
    assert.ok(responses.includes('201') && !responses.includes('200'), `POST ${path}: ${responses.join(', ')}`);
  }
  const bodyOf = (path: string, method = 'post') => (doc.paths[path]?.[method] as { requestBody?: { content: Record<string, unknown> } } | undefined)?.requestBody;
  // Read by their handlers (ComfyUI's wording, the document store's), described all the same.
  assert.ok(bodyOf('/prompt')?.content['application/json'], '/prompt');
  assert.ok(bodyOf('/automa/db/{collection}/{id}', 'patch')?.content['application/merge-patch+json'], 'merge patch');
  assert.ok(bodyOf('/upload/image')?.content['multipart/form-data'], 'upload form');
  assert.ok(bodyOf('/automa/convert')?.content['multipart/form-data'] && bodyOf('/automa/convert')?.content['application/json'], 'convert');
  // The shared error body is one component that 4xx replies point at.
  const notFound = doc.paths['/automa/webhooks/{id}']?.get?.responses['404']?.content?.['application/json']?.schema;
  assert.deepEqual(notFound, { $ref: '#/components/schemas/ErrorBody' });
});
