/**
 * The Linux single executable, built fresh by `npm run package`, run end to end as a user would:
 * from a folder with nothing else in it, its embedded files written to a cache folder on first run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { startFakeComfy } from '../fake-comfy/server.js';
import { runBin, startService, stopService, type BinOptions } from '../main/service.js';
import { packageFresh, runPrompt, VERSION } from './helpers.js';

let built: Awaited<ReturnType<typeof packageFresh>> | undefined;

before(async () => {
  built = await packageFresh('linux-x64');
});
after(() => built?.remove());

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function tempDir(t: TestContext, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the executable from an empty folder, with its cache in `cache`. */
function options(cwd: string, cache: string): BinOptions {
  return { executable: built?.executable ?? '', cwd, env: { XDG_CACHE_HOME: cache } };
}

test('npm run package writes the executable and its SHA256SUMS', () => {
  assert.ok(built);
  const release = path.dirname(built.executable);
  assert.notEqual(fs.statSync(built.executable).mode & 0o111, 0, 'not executable');
  // One line per executable in the folder (packaging/test.sh packages the Windows one beside it).
  const sums = fs.readFileSync(path.join(release, 'SHA256SUMS'), 'utf8');
  const executables = fs.readdirSync(release).filter((file) => file.startsWith('comfyui-automa-')).sort();
  assert.deepEqual(sums.split('\n'), [...executables.map((file) => `${sha256(path.join(release, file))}  ${file}`), '']);
  assert.ok(executables.includes(path.basename(built.executable)));
});

test('--version and --help work like npm start, bad flags exit 2', async (t) => {
  const opts = options(tempDir(t, 'automa-exe-cwd-'), tempDir(t, 'automa-exe-cache-'));
  const version = await runBin(['--version'], opts);
  assert.deepEqual({ code: version.code, stdout: version.stdout, stderr: version.stderr }, { code: 0, stdout: `${VERSION}\n`, stderr: '' });
  const help = await runBin(['--help'], opts);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: comfyui-automa/);
  const bad = await runBin(['--port', 'eighty'], opts);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--port: expected a whole number/);
});

test('the executable serves a prompt with sharp previews, its docs and its page, and keeps history over a restart', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const cwd = tempDir(t, 'automa-exe-cwd-');
  const cache = tempDir(t, 'automa-exe-cache-');
  const dataDir = path.join(cwd, 'data');
  const args = ['--data-dir', dataDir, '--comfyui', fake.url];

  let service = await startService(args, options(cwd, cache));
  t.after(() => stopService(service));
  // The first run wrote the embedded files to one folder per version and build.
  const extracted = fs.readdirSync(path.join(cache, 'comfyui-automa'));
  assert.equal(extracted.length, 1);
  assert.match(extracted[0] ?? '', new RegExp(`^${VERSION.replaceAll('.', '\\.')}-[0-9a-f]{12}$`));

  const health = (await (await fetch(`${service.url}/automa/health`)).json()) as { status: string; version: string };
  assert.deepEqual({ status: health.status, version: health.version }, { status: 'ok', version: VERSION });
  await service.waitForLog((line) => line.msg === 'backend up and reconciled');

  const { promptId, filename } = await runPrompt(service.url, 'package-test');
  const preview = await fetch(`${service.url}/view?filename=${encodeURIComponent(filename)}&type=output&preview=webp;80`);
  assert.equal(preview.status, 200);
  assert.equal(preview.headers.get('content-type'), 'image/webp');
  assert.equal(Buffer.from(await preview.arrayBuffer()).toString('latin1', 8, 12), 'WEBP');

  // swagger-ui's files come from the executable, not from a node_modules.
  const css = await fetch(`${service.url}/automa/docs/static/swagger-ui.css`);
  assert.equal(css.status, 200);
  assert.ok((await css.text()).length > 1000);

  // The web app's page when the build made one (dist/web), else the service's JSON index.
  const page = await fetch(`${service.url}/`, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  if (/^text\/html/.test(page.headers.get('content-type') ?? '')) assert.match(await page.text(), /<div id="root"|<script/);
  else assert.equal(((await page.json()) as { name: string }).name, 'comfyui-automa');

  service.child.kill('SIGTERM');
  assert.deepEqual(await service.exited, { code: 0, signal: null });

  service = await startService(args, options(cwd, cache));
  const history = (await (await fetch(`${service.url}/history/${promptId}`)).json()) as Record<string, { status: { status_str: string } }>;
  assert.equal(history[promptId]?.status.status_str, 'success');
  // The second run used the files the first wrote.
  assert.deepEqual(fs.readdirSync(path.join(cache, 'comfyui-automa')), extracted);
  service.child.kill('SIGTERM');
  assert.deepEqual(await service.exited, { code: 0, signal: null });
});
