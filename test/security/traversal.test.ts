import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../helpers/app.js';
import { errorOf, rawExchange, request, rowCounts, startCustomApp, type CustomApp } from './helpers.js';

/**
 * Traversal through every path-bearing parameter of the HTTP surface, end to end: /view's
 * filename and subfolder, upload subfolders, static file paths, collection names. Whatever the
 * spelling, the answer is a 4xx error, the secret next to the served folders never leaks, and
 * nothing is written outside them. (resolveConfined's own cases are in paths.test.ts.)
 */

const SECRET = `TOP-SECRET-${randomUUID()}`;

/** Ways to say "two folders up, then secret.txt", as a value that a query string will carry. */
const SPELLINGS = [
  '../../secret.txt',
  '../../../secret.txt',
  '..%2f..%2fsecret.txt',
  '%2e%2e/%2e%2e/secret.txt',
  '%252e%252e%252f%252e%252e%252fsecret.txt',
  '..\\..\\secret.txt',
  '/secret.txt',
  'secret.txt\u0000.png',
];

interface Fixture {
  readonly service: CustomApp;
  readonly webDir: string;
  readonly outsideFiles: () => string[];
}

async function start(t: { after: (fn: () => unknown) => void }): Promise<Fixture> {
  const web = makeTempDir('automa-web-');
  t.after(web.remove);
  const webDir = path.join(web.dir, 'public');
  fs.mkdirSync(webDir);
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(web.dir, 'secret.txt'), SECRET);
  const service = await startCustomApp(['--public-dir', webDir]);
  t.after(() => service.close());
  fs.writeFileSync(path.join(service.dataDir, 'secret.txt'), SECRET);
  // A link inside the output folder pointing out of it.
  fs.symlinkSync(service.dataDir, path.join(service.dataDir, 'files', 'output', 'escape'));
  const filesRoot = path.join(service.dataDir, 'files');
  const outsideFiles = (): string[] =>
    [service.dataDir, web.dir]
      .flatMap((dir) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((entry) => path.join(dir, entry)))
      .filter((entry) => !entry.startsWith(`${filesRoot}${path.sep}`) && !entry.startsWith(webDir))
      .filter((entry) => !/automa\.db|\.db-(wal|shm)$|\.sqlite/.test(entry))
      .sort();
  return { service, webDir, outsideFiles };
}

function assertRefused(response: { status: number; body: string }, label: string): void {
  assert.ok(response.status >= 400 && response.status < 500, `${label} → ${response.status} ${response.body.slice(0, 200)}`);
  assert.ok(!response.body.includes(SECRET), `${label} leaked the secret`);
  errorOf(response.body);
}

const query = (value: string): string => encodeURIComponent(value).replaceAll('%25', '%');

test('/view: traversal in filename or subfolder, raw, encoded, double-encoded, backslashed, absolute or with NUL → 4xx, no leak', async (t) => {
  const { service, outsideFiles } = await start(t);
  const before = { files: outsideFiles(), rows: await rowCounts(service.dataDir) };
  for (const prefix of ['', '/api']) {
    for (const type of ['output', 'input', 'temp']) {
      for (const spelling of SPELLINGS) {
        for (const raw of [true, false]) {
          const value = raw ? query(spelling) : encodeURIComponent(spelling);
          assertRefused(await request(`${service.url}${prefix}/view?type=${type}&filename=${value}`), `${prefix}/view filename=${value}`);
          assertRefused(
            await request(`${service.url}${prefix}/view?type=${type}&subfolder=${value.replace(/secret\.txt.*$/, '')}&filename=secret.txt`),
            `${prefix}/view subfolder=${value}`,
          );
        }
      }
      assertRefused(await request(`${service.url}${prefix}/view?type=${type}&filename=${encodeURIComponent(path.join(service.dataDir, 'secret.txt'))}`), 'absolute filename');
    }
    assertRefused(await request(`${service.url}${prefix}/view?type=output&subfolder=escape&filename=secret.txt`), 'subfolder through a symlink');
    assertRefused(await request(`${service.url}${prefix}/view?type=output&filename=escape%2Fsecret.txt`), 'filename through a symlink');
  }
  assert.deepEqual(outsideFiles(), before.files);
  assert.deepEqual(await rowCounts(service.dataDir), before.rows);
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving');
});

test('uploads: a subfolder that leaves the folder is refused and nothing lands outside it', async (t) => {
  const { service, outsideFiles } = await start(t);
  const before = outsideFiles();
  // Multipart fields are not percent-decoded: `%2e%2e` there is a literal (confined) name, so
  // only the spellings that are traversal as written.
  for (const spelling of ['../..', '../', 'a/../../..', '..\\..', '/', '/tmp', 'sub\u0000dir', 'escape', 'escape/deeper']) {
    const form = new FormData();
    form.append('image', new Blob([Buffer.from('not really a png')], { type: 'image/png' }), 'upload.png');
    form.append('subfolder', spelling);
    form.append('type', 'output');
    const response = await fetch(`${service.url}/upload/image`, { method: 'POST', body: form });
    assertRefused({ status: response.status, body: await response.text() }, `subfolder ${JSON.stringify(spelling)}`);
  }
  assert.deepEqual(outsideFiles(), before, 'nothing written outside the file tree');
  assert.ok(!fs.existsSync(path.join(service.dataDir, 'upload.png')));
});

test('static files: traversal in the request path → 4xx, never the secret', async (t) => {
  const { service } = await start(t);
  const paths = [
    '/../secret.txt',
    '/../../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/%252e%252e/secret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '//secret.txt',
    '/index.html%00.png',
    '/%c0%ae%c0%ae/secret.txt',
  ];
  for (const target of paths) {
    // Raw on the socket: HTTP clients would normalise the dot segments away.
    const answer = await rawExchange(service.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\nConnection: close\r\n\r\n`);
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]);
    assert.ok(status >= 400 && status < 500, `${target} → ${answer.slice(0, 120)}`);
    assert.ok(!answer.includes(SECRET), `${target} leaked the secret`);
  }
  assert.equal((await request(`${service.url}/`, { headers: { accept: 'text/html' } })).status, 200, 'still serving the app');
});

test('collection names in /automa/db cannot name a path', async (t) => {
  const { service, outsideFiles } = await start(t);
  const before = { files: outsideFiles(), rows: await rowCounts(service.dataDir) };
  for (const name of ['..', '%2e%2e', '..%2f..%2fsecret', 'a%00b', 'a%5cb']) {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const response = await request(`${service.url}/automa/db/${name}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' && { body: '{}' }),
      });
      assertRefused(response, `${method} /automa/db/${name}`);
    }
  }
  assert.deepEqual(outsideFiles(), before.files);
  assert.deepEqual(await rowCounts(service.dataDir), before.rows);
});
