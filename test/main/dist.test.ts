/**
 * The shipped build: scripts/build.mjs bundles the service into a temporary outdir and these tests
 * run that bin.js as a child process, as `npm start` and the installed `comfyui-automa` do. Every
 * other test runs src/ through tsx, so only these catch a bundle that drops or breaks something:
 * an external bundled by mistake (native addons, swagger-ui's static files), a lazy chunk that does
 * not load, a missing require().
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import readline from 'node:readline';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { startFakeComfy } from '../fake-comfy/server.js';
import { ROOT, runBin, startService, stopService } from './service.js';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// Inside the repository, not the OS temp dir: the bundle's externals (sharp,
// swagger-ui, pino) must resolve through node_modules above it, as they do for an installed package.
let buildDir = '';
let bin = '';

before(async () => {
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  buildDir = fs.mkdtempSync(path.join(ROOT, '.tmp', 'dist-test-'));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), path.join(buildDir, 'dist')], { cwd: ROOT });
  bin = path.join(buildDir, 'dist', 'bin.js');
});

after(() => {
  if (buildDir !== '') fs.rmSync(buildDir, { recursive: true, force: true });
});

function tempDir(t: TestContext, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Resolves with the first JSON text frame that matches; the socket stays open. */
function nextMessage(socket: WebSocket, match: (message: { type: string; data: Record<string, unknown> }) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as { type: string; data: Record<string, unknown> };
      if (!match(message)) return;
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    socket.once('close', (code) => reject(new Error(`socket closed (${code}) before the awaited message`)));
    socket.once('error', reject);
  });
}

test('the built bin is executable with a shebang, keeps SPA hosting in a lazy chunk, and --help exits 0', async () => {
  assert.ok(fs.readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'));
  assert.notEqual(fs.statSync(bin).mode & 0o111, 0, 'bin.js is not executable');
  // SPA hosting is a chunk of its own, loaded only with --public-dir, as src/app.ts's import() intends.
  assert.ok(fs.readdirSync(path.dirname(bin)).some((file) => /^static-\w+\.js$/.test(file)), 'no chunk for src/static/');
  const result = await runBin(['--help'], { bin });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: comfyui-automa/);
  assert.match(result.stdout, /--public-dir/);
});

test('a second build with nothing changed does nothing; a newer source file makes it build again', async () => {
  const build = (): Promise<unknown> => promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), path.dirname(bin)], { cwd: ROOT });
  const builtAt = fs.statSync(bin).mtimeMs;
  await build();
  assert.equal(fs.statSync(bin).mtimeMs, builtAt, 'nothing changed: bin.js is left as it was');
  // The content stays the same; only the file's time says it changed (as an editor's save would).
  const source = path.join(ROOT, 'src', 'values.ts');
  const now = new Date();
  fs.utimesSync(source, now, now);
  await build();
  assert.ok(fs.statSync(bin).mtimeMs > builtAt, 'a source newer than the build: built again');
});

test('npm start runs the bundle with source maps, and the map leads back to src/', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.start ?? '', /^node --enable-source-maps dist\/bin\.js$/);
  const sourcesOf = (file: string) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { sources: string[] }).sources;
  assert.ok(sourcesOf(`${bin}.map`).some((source) => source.endsWith('src/bin.ts')), 'bin.js.map names src/bin.ts');
  // bin.ts loads main.ts after its Node version check, so main's code sits in a chunk of its own.
  const dir = path.dirname(bin);
  const maps = fs.readdirSync(dir).filter((name) => name.endsWith('.js.map'));
  assert.ok(maps.some((name) => sourcesOf(path.join(dir, name)).some((source) => source.endsWith('src/main.ts'))), 'a map names src/main.ts');
});

test('the built service runs a prompt, serves its docs, files and SPA, relays /ws, and exits 0 on SIGTERM', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const publicDir = tempDir(t, 'automa-dist-public-');
  fs.writeFileSync(path.join(publicDir, 'index.html'), '<!doctype html><title>dist spa</title>');
  const service = await startService(['--data-dir', tempDir(t, 'automa-dist-data-'), '--comfyui', fake.url, '--public-dir', publicDir], { bin });
  t.after(() => stopService(service));
  const get = (route: string): Promise<Response> => fetch(`${service.url}${route}`);

  // The version is package.json's, inlined by the build (src/version.ts).
  const health = (await (await get('/automa/health')).json()) as { status: string; version: string; store: { ok: boolean } };
  assert.equal(health.status, 'ok');
  assert.equal(health.version, version);
  assert.equal(health.store.ok, true);
  await service.waitForLog((line) => line.msg === 'backend up and reconciled');

  // @fastify/swagger and swagger-ui load lazily, the latter serving files from its own package.
  const openapi = await get('/automa/openapi.json');
  assert.equal(openapi.status, 200);
  assert.equal(((await openapi.json()) as { info: { version: string } }).info.version, version);
  const docs = await get('/automa/docs');
  assert.equal(docs.status, 200);
  assert.match(docs.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await docs.text(), /swagger-ui-bundle\.js/);
  const css = await get('/automa/docs/static/swagger-ui.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
  assert.ok((await css.text()).length > 1000);

  // The SPA host is a lazy chunk of the bundle.
  const spa = await get('/some/client/route');
  assert.equal(spa.status, 200);
  assert.match(await spa.text(), /dist spa/);

  // The proxy (undici) and the object_info cache.
  assert.equal((await get('/comfyui/system_stats')).status, 200);
  const objectInfo = (await (await get('/object_info')).json()) as Record<string, unknown>;
  assert.ok('SaveImage' in objectInfo);

  // A prompt runs to its history entry, followed over the gateway's WebSocket (ws).
  const socket = new WebSocket(`${service.url.replace(/^http/, 'ws')}/ws?clientId=dist-test`);
  t.after(() => socket.terminate());
  await nextMessage(socket, (message) => message.type === 'status');
  const graph = {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'dist' } },
  };
  const submitted = await fetch(`${service.url}/prompt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: graph, client_id: 'dist-test' }),
  });
  assert.equal(submitted.status, 200);
  const { prompt_id: promptId } = (await submitted.json()) as { prompt_id: string };
  // As in ComfyUI, `executing` with node null closes a run; by then its history entry is written.
  await nextMessage(socket, (message) => message.type === 'executing' && message.data.node === null && message.data.prompt_id === promptId);
  const history = (await (await get(`/history/${promptId}`)).json()) as Record<string, { outputs: Record<string, { images: { filename: string }[] }> }>;
  const image = history[promptId]?.outputs['2']?.images[0];
  assert.ok(image, JSON.stringify(history));

  // /view as is, and converted by sharp (an external, loaded on first use).
  const view = await get(`/view?filename=${encodeURIComponent(image.filename)}&type=output`);
  assert.equal(view.status, 200);
  assert.equal(view.headers.get('content-type'), 'image/png');
  const preview = await get(`/view?filename=${encodeURIComponent(image.filename)}&type=output&preview=webp;80`);
  assert.equal(preview.status, 200);
  assert.equal(preview.headers.get('content-type'), 'image/webp');
  assert.equal((await preview.arrayBuffer()).byteLength > 0, true);

  socket.close();
  service.child.kill('SIGTERM');
  assert.deepEqual(await service.exited, { code: 0, signal: null });
  assert.ok(service.logs.some((line) => line.msg === 'stopped'));
});

test('on a terminal the built service logs through pino-pretty and exits 0 on SIGTERM', async (t) => {
  // pino-pretty is chosen when stdout is a TTY; this preload makes the pipe look like one, so its
  // lazily loaded chunk is exercised without a pty.
  const child = spawn(
    process.execPath,
    ['--import', 'data:text/javascript,process.stdout.isTTY=true', bin, '--host', '127.0.0.1', '--port', '0',
      '--data-dir', tempDir(t, 'automa-dist-tty-'), '--comfyui', 'http://127.0.0.1:9'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const lines: string[] = [];
  const listening = new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (/ INFO \(\d+\): comfyui-automa listening$/.test(line)) resolve();
    });
    void exited.then((exit) => reject(new Error(`exited first (${JSON.stringify(exit)}):\n${lines.join('\n')}\n${stderr}`)));
  });
  await listening;
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
  assert.ok(lines.some((line) => / INFO \(\d+\): stopped$/.test(line)), lines.join('\n'));
});
