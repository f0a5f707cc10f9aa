import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, startCustomApp } from '../security/helpers.js';

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
  security?: unknown[];
}

test('/automa/openapi.json is an OpenAPI 3 document generated from the route schemas', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const response = await request(`${service.url}/automa/openapi.json`);
  assert.equal(response.status, 200);
  const doc = JSON.parse(response.body) as OpenApiDocument;
  assert.match(doc.openapi, /^3\./);
  assert.equal(doc.info.title, 'comfyui-automa');
  assert.equal(doc.info.version, '0.0.0-test');
  for (const path of ['/automa/health', '/automa/ready', '/automa/db', '/automa/db/{collection}', '/automa/db/{collection}/{id}', '/metrics']) {
    assert.ok(doc.paths[path] !== undefined, `${path} is documented`);
  }
  assert.ok(doc.paths['/automa/ready']?.get?.responses?.['200'] !== undefined, 'response schemas are included');
  assert.ok(doc.paths['/automa/db/{collection}']?.post !== undefined);
  assert.equal(doc.paths['/*'], undefined, 'the SPA catch-all is not an API');
  assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/automa/docs')), 'the docs page documents the API, not itself');
  assert.equal(doc.components?.securitySchemes?.apiKey?.scheme, 'bearer');
  assert.equal(doc.security, undefined, 'no key configured: nothing required');
});

test('with keys configured, the document says every operation needs the bearer key', async (t) => {
  const service = await startCustomApp(['--api-key', 'docs-key-0123456789abcdef']);
  t.after(() => service.close());
  const response = await request(`${service.url}/automa/openapi.json`);
  assert.equal(response.status, 200, 'the document itself is public');
  assert.deepEqual((JSON.parse(response.body) as OpenApiDocument).security, [{ apiKey: [] }]);
});

test('/automa/docs is served from local assets only: no CDN, every referenced asset loads', async (t) => {
  const service = await startCustomApp(['--api-key', 'docs-key-0123456789abcdef']);
  t.after(() => service.close());
  const page = await request(`${service.url}/automa/docs`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.doesNotMatch(page.body, /(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i, 'no absolute or protocol-relative URLs');
  const assets = [...page.body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] ?? '');
  assert.ok(assets.length >= 4, `assets: ${assets.join(', ')}`);
  for (const asset of assets) {
    const url = new URL(asset, `${service.url}/automa/docs`);
    assert.equal(url.origin, service.url, asset);
    const loaded = await request(url.href);
    assert.equal(loaded.status, 200, `${asset} loads without a key`);
  }
  const initializer = await request(`${service.url}/automa/docs/static/swagger-initializer.js`);
  assert.match(initializer.body, /resolveUrl\('\.\/json'\)/, 'the page loads the spec from next to itself');
  const spec = await request(`${service.url}/automa/docs/json`);
  assert.equal(spec.status, 200);
  assert.match(JSON.parse(spec.body).openapi as string, /^3\./);
});
