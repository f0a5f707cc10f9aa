import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startStack } from '../helpers/stack.js';
import { WEB_ROOT_FILES } from '../fake-comfy/web-root.js';

const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

test('with --comfyui-frontend a browser at / gets ComfyUI’s own frontend through us; API clients get the JSON description', async (t) => {
  const { app } = await startStack(t, {}, ['--comfyui-frontend']);

  const page = await fetch(`${app.url}/`, { headers: BROWSER });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /ComfyUI/, 'the backend’s page, not ours');

  const described = await fetch(`${app.url}/`, { headers: { accept: '*/*' } });
  assert.equal(((await described.json()) as { name: string }).name, 'comfyui-automa');

  // Custom nodes' web folders and the frontend's assets come from the backend too (the fake has none: its 404).
  const script = await fetch(`${app.url}/extensions/some-node/main.js`);
  assert.equal(script.status, 404);
  assert.doesNotMatch(await script.text(), /route_not_found/, 'answered by the backend, not by our router');
});

test('every file the frontend loads (fonts, icon CSS, cursors, scripts, bundles) answers through the gateway as it does direct, misses included', async (t) => {
  const { fake, app } = await startStack(t, {}, ['--comfyui-frontend']);
  const paths = [
    ...Object.keys(WEB_ROOT_FILES),
    '/fonts/missing.woff2',
    '/cursor/missing.svg',
    '/scripts/missing.js',
    '/assets/missing.js',
    '/favicon.ico',
    '/extensions/some-node/main.js',
    '/templates/default.json',
  ];
  for (const path of paths) {
    for (const method of ['GET', 'HEAD']) {
      const direct = await fetch(`${fake.url}${path}`, { method, headers: BROWSER });
      const through = await fetch(`${app.url}${path}`, { method, headers: BROWSER });
      assert.equal(through.status, direct.status, `${method} ${path}`);
      assert.equal(through.headers.get('content-type'), direct.headers.get('content-type'), `${method} ${path}`);
      assert.deepEqual(Buffer.from(await through.arrayBuffer()), Buffer.from(await direct.arrayBuffer()), `${method} ${path}`);
    }
  }
  assert.ok(paths.slice(0, 5).every((p) => fake.control.received.requests.some((r) => r.path === p && r.status === 200)), 'served by the backend');

  // Our own roots are not the frontend's: their misses stay our JSON 404.
  const ours = await fetch(`${app.url}/automa/no-such-thing`, { headers: BROWSER });
  assert.equal(ours.status, 404);
  assert.equal(((await ours.json()) as { error: { type: string } }).error.type, 'route_not_found');
});

test('without --comfyui-frontend the frontend’s files are not served from the backend', async (t) => {
  const { fake, app } = await startStack(t);
  const font = await fetch(`${app.url}/fonts/inter-latin-400-normal.woff2`);
  assert.equal(font.status, 404);
  await font.body?.cancel();
  assert.ok(!fake.control.received.requests.some((r) => r.path.startsWith('/fonts/')));
});
