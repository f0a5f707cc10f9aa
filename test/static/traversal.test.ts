import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HTML_ACCEPT, makeSite, rawRequest, type SiteFixture } from './fixture.js';

describe('SPA hosting never reads outside --public-dir', () => {
  let site: SiteFixture;
  let app: TestApp;

  before(async () => {
    site = makeSite();
    app = await startTestApp(['--public-dir', site.dir]);
  });
  after(async () => {
    await app?.close();
    site?.remove();
  });

  test('every traversal form is refused with 404 (or 400 for a malformed encoding)', async () => {
    const secretAbs = site.secretPath;
    const attempts = [
      '/../secret.txt',
      '/../../../../../../etc/passwd',
      '/blog/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/blog\\..\\..\\secret.txt',
      `/${secretAbs}`,
      `/${encodeURIComponent(secretAbs)}`,
      `/%2f${secretAbs.slice(1)}`,
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%2e%2e%00/secret.txt',
      '/secret.txt%00.html',
      '/index.html%00',
      '/leak.txt',
      '/leakdir/secret.txt',
      '/leakdir/site/../secret.txt',
      '/./leak.txt',
      '/_next/static/../../../secret.txt',
    ];
    for (const path of attempts) {
      for (const method of ['GET', 'HEAD']) {
        const res = await rawRequest(app.url, path, { method, headers: { accept: HTML_ACCEPT } });
        assert.ok(res.status === 404 || res.status === 400, `${method} ${path} → ${res.status}`);
        assert.ok(!res.text.includes(site.secret), `${method} ${path} leaked the secret`);
        if (method === 'GET') assert.match(String(res.headers['content-type']), /^application\/json/, path);
      }
    }
    // The secret is still there: the refusals were not for want of a file to read.
    assert.equal(fs.readFileSync(site.secretPath, 'utf8'), site.secret);
  });

  test('a symlink inside the folder that stays inside it is served', async () => {
    fs.symlinkSync('about.html', `${site.dir}/about-link.html`);
    const res = await rawRequest(app.url, '/about-link.html');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, site.files['/about.html']);
  });

  test('a symlink out of the folder is absent: a client-side route gets the app, never the target', async () => {
    const res = await rawRequest(app.url, '/leakdir', { headers: { accept: HTML_ACCEPT } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, site.files['/index.html']);
  });
});
