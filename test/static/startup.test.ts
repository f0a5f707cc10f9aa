import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { registerSpa } from '../../src/static/index.js';
import { createSqliteStore } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';
import { HTML_ACCEPT, makeSite } from './fixture.js';

test('a --public-dir that is missing or a file is a config problem (exit 2), not a server that 404s', (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const file = path.join(temp.dir, 'index.html');
  fs.writeFileSync(file, '<html></html>');
  for (const [dir, message] of [
    [path.join(temp.dir, 'no-such-dir'), /--public-dir: .*does not exist/],
    [file, /--public-dir: .*is not a directory/],
  ] as const) {
    const loaded = loadConfig(['--public-dir', dir], {});
    assert.equal(loaded.kind, 'invalid');
    assert.match(loaded.kind === 'invalid' ? loaded.problems.join('\n') : '', message);
  }
});

test('registerSpa itself refuses a folder that vanished after the config was read', async (t) => {
  const http = Fastify();
  t.after(() => http.close());
  const temp = makeTempDir();
  temp.remove();
  assert.throws(() => registerSpa(http, { publicDir: temp.dir }), (err: Error) => {
    assert.match(err.message, /--public-dir .* does not exist/);
    return true;
  });
});

test('a route registered by another part after the SPA still wins over it, whatever its name', async (t) => {
  const site = makeSite();
  const temp = makeTempDir();
  t.after(() => {
    site.remove();
    temp.remove();
  });
  fs.writeFileSync(path.join(site.dir, 'status-board'), 'a file that the route shadows');
  const loaded = loadConfig(['--data-dir', temp.dir, '--public-dir', site.dir, '--log-level', 'silent'], {});
  assert.equal(loaded.kind, 'config');
  if (loaded.kind !== 'config') return;
  const store = createSqliteStore({ dataDir: temp.dir });
  const app = await buildApp({ config: loaded.config, store, logger: createLogger('silent'), version: '0.0.0-test' });
  t.after(async () => {
    await app.http.close();
    await store.close();
  });
  app.http.get('/status-board', async () => 'route');
  app.http.get('/reports/:id', async () => ({ report: true }));

  const board = await app.http.inject({ url: '/status-board', headers: { accept: HTML_ACCEPT } });
  assert.equal(board.body, 'route');
  const report = await app.http.inject({ url: '/reports/7', headers: { accept: HTML_ACCEPT } });
  assert.deepEqual(report.json(), { report: true });
  const page = await app.http.inject({ url: '/reports/7/edit', headers: { accept: HTML_ACCEPT } });
  assert.equal(page.statusCode, 200);
  assert.equal(page.body, site.files['/index.html']?.toString());
});
