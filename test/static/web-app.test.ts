/**
 * The built web app at `/` by default: browsers get the app (client routes included), API
 * clients the JSON index; --public-dir and --comfyui-frontend still take `/` over.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { makeTempDir, startTestApp } from '../helpers/app.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

function webAppDir(t: TestContext, marker: string): string {
  const temp = makeTempDir('automa-web-');
  t.after(temp.remove);
  fs.mkdirSync(path.join(temp.dir, 'assets'));
  fs.writeFileSync(path.join(temp.dir, 'index.html'), `<!doctype html><title>${marker}</title>`);
  fs.writeFileSync(path.join(temp.dir, 'assets', 'index-AbC12345.js'), 'console.log(1)');
  return temp.dir;
}

test('a browser at / and at client routes gets the web app; an API client asking / for JSON gets the index', async (t) => {
  const app = await startTestApp([], { webAppDirs: [path.join(makeTempDir().dir, 'missing'), webAppDir(t, 'automa-web')] });
  t.after(() => app.close());

  const page = await fetch(`${app.url}/`, { headers: HTML });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>automa-web<\/title>/);
  assert.match(page.headers.get('vary') ?? '', /\baccept\b/, 'HTML or JSON by Accept: caches must not mix them');

  const index = await fetch(`${app.url}/`, { headers: { accept: 'application/json' } });
  assert.equal(index.status, 200);
  assert.equal(((await index.json()) as { name: string }).name, 'comfyui-automa');
  assert.match(index.headers.get('vary') ?? '', /\baccept\b/);

  for (const route of ['/gallery', '/gallery/8a9e1c2d-0000-4000-8000-000000000000', '/preferences']) {
    const reply = await fetch(`${app.url}${route}`, { headers: HTML });
    assert.equal(reply.status, 200, route);
    assert.match(await reply.text(), /automa-web/, route);
  }
  const asset = await fetch(`${app.url}/assets/index-AbC12345.js`);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  // ComfyUI's own routes stay the gateway's, whatever the browser asks for.
  const settings = await fetch(`${app.url}/settings`, { headers: HTML });
  assert.doesNotMatch(await settings.text(), /automa-web/);
});

test('--public-dir replaces the built web app, and without a built app / is the JSON index', async (t) => {
  const other = webAppDir(t, 'someone-else');
  const replaced = await startTestApp(['--public-dir', other], { webAppDirs: [webAppDir(t, 'automa-web')] });
  t.after(() => replaced.close());
  assert.match(await (await fetch(`${replaced.url}/`, { headers: HTML })).text(), /someone-else/);

  const bare = await startTestApp([], { webAppDirs: [path.join(other, 'nothing-here')] });
  t.after(() => bare.close());
  const reply = await fetch(`${bare.url}/`, { headers: HTML });
  assert.equal(((await reply.json()) as { name: string }).name, 'comfyui-automa');
});
