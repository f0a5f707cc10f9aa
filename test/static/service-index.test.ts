/**
 * `GET /` as a map of the service: every entry point it lists answers, with or without a web app
 * in front (there, asking for JSON, or when the folder has no index.html).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir, startTestApp } from '../helpers/app.js';

/** Every path in the index that can be fetched as is (not a template like {name}, not the WS). */
function listedPaths(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('/') && !value.includes('{') && value !== '/ws' ? [value] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(listedPaths);
}

test('GET / without --public-dir lists every entry point, and each one answers', async (t) => {
  const app = await startTestApp();
  t.after(() => app.close());
  const index = (await (await fetch(`${app.url}/`)).json()) as { api: Record<string, unknown> };
  for (const name of ['docs', 'openapi', 'health', 'ready', 'metrics', 'documents', 'backends', 'backend_proxy', 'comfyui_proxy', 'comfyui_gateway']) {
    assert.ok(name in index.api, `the index lists ${name}`);
  }
  const gateway = index.api.comfyui_gateway as Record<string, unknown>;
  for (const name of ['prompt', 'queue', 'history', 'jobs', 'websocket']) assert.ok(name in gateway, `the gateway's ${name}`);
  const paths = listedPaths(index.api);
  assert.ok(paths.length >= 12, paths.join(' '));
  for (const route of paths) {
    const method = route === '/upload/image' ? 'POST' : 'GET';
    const response = await fetch(`${app.url}${route}`, { method });
    const body = await response.text();
    // The route exists; what it answers varies (the backend here is unreachable, so the proxy
    // says 502; /view without a filename is ComfyUI's 404 for a missing file).
    assert.doesNotMatch(body, /route_not_found/, `${method} ${route}: ${response.status} ${body.slice(0, 200)}`);
  }
});

test('with --public-dir, GET / asked as JSON (or with no index.html in the folder) is the same index', async (t) => {
  const site = makeTempDir('automa-index-site-');
  t.after(site.remove);
  fs.writeFileSync(path.join(site.dir, 'index.html'), '<!doctype html><title>app</title>');
  const app = await startTestApp(['--public-dir', site.dir]);
  t.after(() => app.close());
  const html = await fetch(`${app.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.match(await html.text(), /<title>app<\/title>/);
  const json = await fetch(`${app.url}/`, { headers: { accept: 'application/json' } });
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(((await json.json()) as { api: { health: string } }).api.health, '/automa/health');

  fs.rmSync(path.join(site.dir, 'index.html'));
  const bare = await fetch(`${app.url}/`, { headers: { accept: 'text/html' } });
  assert.equal(bare.status, 200);
  assert.equal(((await bare.json()) as { name: string }).name, 'comfyui-automa');
});
