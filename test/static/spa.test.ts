import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HTML_ACCEPT, makeSite, rawRequest, type SiteFixture } from './fixture.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

function assertJsonError(response: { status: number; headers: Record<string, unknown>; text: string }, status: number, type: string): void {
  assert.equal(response.status, status, response.text);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  const body = JSON.parse(response.text) as { error: Record<string, unknown> };
  assert.equal(body.error.type, type);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(typeof body.error.details, 'string');
  assert.deepEqual(Object.keys(body.error).sort(), ['details', 'extra_info', 'message', 'type']);
}

describe('SPA hosting with --public-dir', () => {
  let site: SiteFixture;
  let app: TestApp;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    rawRequest(app.url, path, { method, headers });

  before(async () => {
    site = makeSite();
    app = await startTestApp(['--public-dir', site.dir]);
  });
  after(async () => {
    await app?.close();
    site?.remove();
  });

  test('deep links load the right page with 200, Next.js export style, never a redirect', async () => {
    const cases: Array<[string, string]> = [
      ['/', '/index.html'],
      ['/index.html', '/index.html'],
      ['/about', '/about.html'],
      ['/about/', '/about.html'],
      ['/about.html', '/about.html'],
      ['/blog', '/blog/index.html'],
      ['/blog/', '/blog/index.html'],
      ['/dashboard', '/index.html'],
      ['/jobs/42/details?tab=log', '/index.html'],
      ['/blog/some-post', '/index.html'],
    ];
    for (const [path, file] of cases) {
      const res = await get(path, { accept: HTML_ACCEPT });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.location, undefined, path);
      assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/, path);
      assert.equal(res.headers['cache-control'], 'no-cache', path);
      assert.deepEqual(res.body, site.files[file], `${path} should serve ${file}`);
    }
  });

  test('curl-style Accept */* and no Accept at all also get the app on a client-side route', async () => {
    assert.deepEqual((await get('/settings-page', { accept: '*/*' })).body, site.files['/index.html']);
    assert.deepEqual((await get('/settings-page')).body, site.files['/index.html']);
  });

  test('HEAD of a deep link answers the headers of the GET without a body', async () => {
    const res = await get('/dashboard/x', { accept: HTML_ACCEPT }, 'HEAD');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['content-length'], String(site.files['/index.html']?.length));
    assert.equal(res.raw.length, 0);
  });

  test('assets are served with their types; hashed ones are immutable, others revalidate', async () => {
    const cases: Array<[string, RegExp, string]> = [
      ['/_next/static/chunks/app.123abc.js', /^application\/javascript|^text\/javascript/, IMMUTABLE],
      ['/assets/logo.png', /^image\/png$/, IMMUTABLE],
      ['/main.3f9a2c1b.js', /javascript/, IMMUTABLE],
      ['/styles.css', /^text\/css/, 'no-cache'],
      ['/robots.txt', /^text\/plain/, 'no-cache'],
    ];
    for (const [path, type, cache] of cases) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.match(String(res.headers['content-type']), type, path);
      assert.equal(res.headers['cache-control'], cache, path);
      assert.ok(res.headers.etag, `${path} has an ETag`);
      assert.ok(res.headers['last-modified'], `${path} has Last-Modified`);
      assert.deepEqual(res.body, site.files[path], path);
    }
  });

  test('conditional and range requests work as @fastify/send does them', async () => {
    const first = await get('/styles.css');
    const etag = String(first.headers.etag);
    const notModified = await get('/styles.css', { 'if-none-match': etag });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.raw.length, 0);

    const partial = await get('/styles.css', { range: 'bytes=0-9', 'accept-encoding': 'br, gzip' });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers['content-encoding'], undefined, 'partial content is never compressed');
    assert.equal(partial.headers['content-range'], `bytes 0-9/${site.files['/styles.css']?.length}`);
    assert.deepEqual(partial.body, site.files['/styles.css']?.subarray(0, 10));

    const unsatisfiable = await get('/styles.css', { range: 'bytes=999999-' });
    assertJsonError(unsatisfiable, 416, 'range_not_satisfiable');
    assert.equal(unsatisfiable.headers['content-range'], `bytes */${site.files['/styles.css']?.length}`);
  });

  test('text is compressed with brotli or gzip as the client accepts; images never are', async () => {
    for (const encoding of ['br', 'gzip'] as const) {
      for (const path of ['/_next/static/chunks/app.123abc.js', '/styles.css', '/about']) {
        const res = await get(path, { 'accept-encoding': encoding, accept: HTML_ACCEPT });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-encoding'], encoding, `${path} ${encoding}`);
        assert.match(String(res.headers.vary), /accept-encoding/i);
        assert.ok(res.raw.length < res.body.length, `${path} got smaller`);
      }
    }
    assert.deepEqual((await get('/about', { 'accept-encoding': 'gzip' })).body, site.files['/about.html']);

    const deepLink = await get('/some/route', { 'accept-encoding': 'br', accept: HTML_ACCEPT });
    assert.equal(deepLink.headers['content-encoding'], 'br');
    assert.deepEqual(deepLink.body, site.files['/index.html']);

    const plain = await get('/styles.css');
    assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding, no compression');
    assert.match(String(plain.headers.vary), /accept-encoding/i, 'caches must still key on Accept-Encoding');

    const image = await get('/assets/logo.png', { 'accept-encoding': 'br, gzip' });
    assert.equal(image.headers['content-encoding'], undefined);
    assert.deepEqual(image.raw, site.files['/assets/logo.png']);
  });

  test('a missing asset is a plain JSON 404, even for a browser', async () => {
    for (const path of ['/missing.js', '/assets/nope.png', '/_next/static/chunks/gone.abc123.js', '/favicon.ico', '/blog/post.html']) {
      assertJsonError(await get(path, { accept: HTML_ACCEPT }), 404, 'not_found');
    }
  });

  test('a client that does not want HTML gets a 404 on an unknown path, not the app', async () => {
    assertJsonError(await get('/some/route', { accept: 'application/json' }), 404, 'not_found');
    assertJsonError(await get('/some/route', { accept: 'application/json, text/plain, */*' }), 404, 'not_found');
    assertJsonError(await get('/some/route', { accept: 'text/html;q=0, */*' }), 404, 'not_found');
  });

  test('API routes win: the app never answers under /automa, /comfyui, /api or ComfyUI route names', async () => {
    const health = await get('/automa/health', { accept: HTML_ACCEPT });
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.text) as { status: string }).status, 'ok');

    for (const path of ['/automa/nope', '/upload/image', '/prompt/x', '/INTERNAL/x', '/ws/']) {
      assertJsonError(await get(path, { accept: HTML_ACCEPT }), 404, 'route_not_found');
    }
    // The proxy and the gateway's /api pass-through own these: with no ComfyUI running they answer
    // 502 in the error shape — anything but the app's HTML.
    for (const path of ['/comfyui/some/page', '/api/data.json', '/api/whatever']) {
      assertJsonError(await get(path, { accept: HTML_ACCEPT }), 502, 'backend_unavailable');
    }
    // Methods other than GET/HEAD never reach the SPA.
    assertJsonError(await get('/about', { accept: HTML_ACCEPT }, 'POST'), 404, 'route_not_found');
    assertJsonError(await get('/some/route', { accept: HTML_ACCEPT }, 'DELETE'), 404, 'route_not_found');
  });

  test('dot-files stay private, also through a link inside the folder', async () => {
    for (const path of ['/.env', '/env-link.txt', '/%2eenv']) {
      const res = await get(path, { accept: HTML_ACCEPT });
      assert.equal(res.status, 404, path);
      assert.ok(!res.text.includes(site.secret), path);
    }
  });
});

describe('without --public-dir', () => {
  test('GET / answers the JSON service description and unknown paths are JSON 404s', async (t) => {
    const app = await startTestApp();
    t.after(() => app.close());
    const res = await rawRequest(app.url, '/', { headers: { accept: HTML_ACCEPT } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = JSON.parse(res.text) as { name: string; api: { health: string } };
    assert.equal(body.name, 'comfyui-automa');
    assert.equal(body.api.health, '/automa/health');
    assertJsonError(await rawRequest(app.url, '/about', { headers: { accept: HTML_ACCEPT } }), 404, 'route_not_found');
  });
});
