#!/usr/bin/env node
// `npm run package [-- --target linux-x64 --target win-x64]`: builds the service (scripts/build.mjs,
// so dist/ and the web app in dist/web are fresh), then one single executable per target in
// release/: comfyui-automa-<version>-linux-x64 and comfyui-automa-<version>-win-x64.exe, plus
// SHA256SUMS. Nothing is needed beside them: the web app, the API docs' assets, sharp's native
// library and the tray helper are embedded and written to a cache folder on first run.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { bundleExecutableMain } from './bundle.mjs';
import { removeSignature } from './pe.mjs';
import { filesBelow, resolveTarget } from './targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --out and --dist (where the build goes, default dist/) let a test package without touching the checkout's.
const { values } = parseArgs({
  options: { target: { type: 'string', multiple: true }, out: { type: 'string' }, dist: { type: 'string' }, 'skip-build': { type: 'boolean' } },
});
const targets = values.target ?? ['linux-x64', 'win-x64'];
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const release = path.resolve(root, values.out ?? 'release');
const dist = path.resolve(root, values.dist ?? 'dist');
const staging = path.join(root, '.tmp', 'package');
const postject = path.join(root, 'node_modules', 'postject', 'dist', 'cli.js');
// The fuse postject flips so node runs the injected blob (the value node's own SEA docs give).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const started = performance.now();
const step = (what) => process.stdout.write(`package: ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s  ${what}\n`);
/** Runs a program to its end, its output passed through; rejects unless it exits with 0. */
const run = (command, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args[0] ?? ''}: exit ${code ?? signal}`))));
  });

/** Files in the extracted layout that are the same for every target: static files read at run time. */
function staticAssets() {
  const assets = {};
  const add = (from, to) => {
    for (const file of filesBelow(from)) assets[`${to}/${file}`] = path.join(from, file);
  };
  add(path.join(root, 'node_modules', '@fastify', 'swagger-ui', 'static'), 'node_modules/@fastify/swagger-ui/static');
  // The web app, when the build made one (src/main.ts looks for it beside its code, i.e. dist/web).
  const web = path.join(dist, 'web');
  if (fs.existsSync(web)) add(web, 'dist/web');
  return assets;
}

/** The SEA config and manifest for one target; returns the blob's path. */
async function writeBlob(target, main, assets, dir) {
  const buildId = createHash('sha256');
  const files = Object.entries(assets).map(([file, from], index) => {
    buildId.update(file).update(fs.readFileSync(from));
    return { key: `f${index}`, path: file, executable: target.executables.includes(file), from };
  });
  buildId.update(fs.readFileSync(main));
  const manifest = { version: pkg.version, buildId: buildId.digest('hex').slice(0, 12), files: files.map(({ from: _, ...rest }) => rest) };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const blob = path.join(dir, 'sea-prep.blob');
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    // A startup snapshot would need sea/entry.ts rebuilt around v8.startupSnapshot and every
    // bundled module safe to snapshot (no handles, no native addon loaded): not attempted.
    useSnapshot: false,
    // V8's compiled top level of the main script: its parse (~5 MB of JavaScript) was the largest
    // single cost of a start. Only for a blob written on the platform that runs it: Node's SEA docs
    // warn that a cache made on another platform can crash the executable at start.
    useCodeCache: target.codeCache,
    assets: { 'manifest.json': path.join(dir, 'manifest.json'), ...Object.fromEntries(files.map((f) => [f.key, f.from])) },
  };
  fs.writeFileSync(path.join(dir, 'sea-config.json'), JSON.stringify(config, null, 2));
  await run(target.blobNode, ['--experimental-sea-config', path.join(dir, 'sea-config.json')]);
  return blob;
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** One target's executable in release/, from the main script they all share. */
async function packageTarget(name, main, shared) {
  const target = await resolveTarget(name, { root, staging, sharpVersion: pkg.dependencies.sharp });
  const dir = path.join(path.dirname(main), name);
  fs.mkdirSync(dir);
  step(`${name}: writing the SEA blob`);
  const blob = await writeBlob(target, main, { ...shared, ...target.native }, dir);
  const output = path.join(release, target.fileName(pkg.version));
  fs.rmSync(output, { force: true });
  fs.copyFileSync(target.nodeBinary, output);
  fs.chmodSync(output, 0o755);
  if (target.stripSymbols) await run('strip', [output]); // node's debug symbols: ~20 MB nobody runs with
  if (target.removeSignature) removeSignature(output);
  step(`${name}: injecting into ${path.relative(root, target.nodeBinary)}`);
  await run(process.execPath, [postject, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  step(`${name}: ${path.relative(root, output)} (${(fs.statSync(output).size / 2 ** 20).toFixed(1)} MiB)`);
}

if (!values['skip-build']) {
  step(`building ${path.relative(root, dist) || dist} (scripts/build.mjs, as npm run build)`);
  await run(process.execPath, [path.join(root, 'scripts', 'build.mjs'), dist]);
}
fs.mkdirSync(release, { recursive: true });
// A folder per run: two packagings at once (the tests') must not write each other's blob.
fs.mkdirSync(staging, { recursive: true });
const work = fs.mkdtempSync(path.join(staging, 'build-'));
try {
  // One main script for every target: the bundle does not depend on the platform (sea/entry.ts
  // and the sharp loader pick theirs at run time).
  step('bundling the main script');
  const main = path.join(work, 'main.cjs');
  await bundleExecutableMain(root, main);
  // The targets side by side: most of a Windows build is postject rewriting node.exe (one CPU).
  // Both are let finish before the folder goes, the first failure reported.
  const shared = staticAssets();
  const failed = (await Promise.allSettled(targets.map((name) => packageTarget(name, main, shared)))).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

// Sums of every executable in release/ (an earlier run's other target included).
const sums = fs
  .readdirSync(release)
  .filter((file) => file.startsWith('comfyui-automa-'))
  .sort()
  .map((file) => `${sha256(path.join(release, file))}  ${file}\n`);
fs.writeFileSync(path.join(release, 'SHA256SUMS'), sums.join(''));
step('release/SHA256SUMS written');
