#!/usr/bin/env node
// Builds what we ship: src/bin.ts bundled by esbuild into <outdir>/bin.js plus the chunks of its
// lazy imports, and the web app (web/, React + Vite) into <outdir>/web, which the service serves
// at `/` (src/main.ts looks for it beside its own code). Usage: node scripts/build.mjs [--force]
// [outdir]  (default: dist; also AUTOMA_BUILD_OUTDIR). Without --force it does nothing when the
// build is newer than every file that went into it (`npm start` builds first, and should start at
// once when nothing changed).
//
// Why a bundle and not tsc's one-file-per-module output: resolving and loading ~150 of our modules
// and a few hundred of our dependencies' was over half of the time from exec to listening. One
// file per entry point (and per lazy import) loads in a fraction of that.
//
// Type checking is not done here: `npm run typecheck` (tsc --noEmit) does it, and `npm test` runs it.
import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const force = args.includes('--force');
const outdir = path.resolve(root, args.find((arg) => arg !== '--force') ?? process.env.AUTOMA_BUILD_OUTDIR ?? 'dist');
// What the last build read (esbuild's metafile inputs: our sources and the bundled dependencies'
// files), beside what decides how it reads them. A file newer than bin.js means a new build.
const INPUTS_FILE = path.join(outdir, 'build-inputs.json');
const ALWAYS_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];

if (!force && upToDate()) process.exit(0);

// Packages left to node to load from node_modules at run time instead of being bundled:
const external = [
  // A native addon: its .node binary is found relative to its own package directory.
  'sharp',
  // Serves swagger-ui's files (JS, CSS, favicons) from its own package's static/ directory.
  '@fastify/swagger-ui',
  // Reads its own package.json through __dirname for the document's default info. It is loaded
  // lazily (first request for the OpenAPI document), so keeping it out costs start-up nothing.
  '@fastify/swagger',
  // ws require()s these optional native addons inside a try/catch. Not installed here, esbuild
  // leaves the require() as is; installed on the building machine, it would try to bundle them.
  'bufferutil',
  'utf-8-validate',
  // pino runs transports (pino-pretty, used on a TTY) in a worker thread started from a file that
  // thread-stream finds through its own __dirname: bundled, that path points into our outdir.
  'pino',
  // The desktop mode's tray: finds its helper programs through its own __dirname (traybin/).
  'systray2',
];

// Start from an empty outdir, so no file of an older build (tsc's modules, stale chunks) is left
// beside the bundle for anything to load by mistake.
rmSync(outdir, { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/bin.ts'],
  outdir,
  bundle: true,
  external,
  platform: 'node',
  // package.json's engines: node >= 22.13; nothing newer may be emitted, nothing older is needed.
  target: 'node22',
  // The package is "type": "module" and src/ is ESM; top-level await and import.meta stay native.
  format: 'esm',
  // Each dynamic import() (SPA hosting with --public-dir, sharp's wrapper, the OpenAPI document and
  // docs page) becomes a chunk loaded on first use, as in src/, instead of being parsed at start-up.
  splitting: true,
  // Chunks sit in outdir itself, beside bin.js, never in a subfolder: files src/main.ts finds
  // through import.meta.url are looked for beside its own code (checked after the build, wherever
  // main.ts's code lands).
  chunkNames: '[name]-[hash]',
  // Stack traces map back to src/ with `node --enable-source-maps`; the maps ship in dist/.
  sourcemap: true,
  // The bundled CommonJS dependencies (fastify and most of its plugins) call require() for node's
  // built-ins; ESM has no require, so each output file gets one made for its own location.
  banner: {
    js: "import { createRequire as __automaCreateRequire } from 'node:module';\nconst require = __automaCreateRequire(import.meta.url);",
  },
  // Not keepNames: bundling renames a top-level function or class whose name clashes with another
  // module's (today two internal helpers of src/ and TypeBox's builders, e.g. Array → Array2), so
  // only their .name and stack-trace names differ; keepNames would wrap ~3000 functions in
  // __name() for that, measured at ~4 MB more resident memory.
  keepNames: false,
  // Readable output: the maps cover stack traces, and minifying gains little start-up time.
  minify: false,
  metafile: true,
  logLevel: 'warning',
});

const mainOutput = Object.entries(result.metafile.outputs).find(([, output]) => Object.hasOwn(output.inputs, 'src/main.ts'));
if (mainOutput === undefined || path.dirname(path.resolve(root, mainOutput[0])) !== outdir) {
  throw new Error(`src/main.ts landed in ${mainOutput?.[0]}, not directly in ${outdir}`);
}

// The shebang of src/bin.ts is kept at the top of bin.js; `bin` in package.json needs it executable.
chmodSync(path.join(outdir, 'bin.js'), 0o755);

// The web app: static files, hashed under assets/. Vite is loaded only here (a devDependency,
// like esbuild): the package ships the built files, never the web app's node_modules.
const { build: buildWeb } = await import('vite');
await buildWeb({
  configFile: path.join(root, 'web', 'vite.config.ts'),
  build: { outDir: path.join(outdir, 'web'), emptyOutDir: true },
  logLevel: 'warn',
});
writeFileSync(INPUTS_FILE, JSON.stringify([...ALWAYS_INPUTS, ...Object.keys(result.metafile.inputs), ...webInputs()]));

/** True when bin.js exists and no file the last build read (or that configures it) is newer. */
function upToDate() {
  let built;
  let inputs;
  try {
    built = statSync(path.join(outdir, 'bin.js')).mtimeMs;
    inputs = JSON.parse(readFileSync(INPUTS_FILE, 'utf8'));
  } catch {
    return false;
  }
  for (const input of inputs) {
    // A file that is gone (a source moved, a dependency removed) changes the build as well.
    const stat = statSync(path.resolve(root, input), { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs > built) return false;
  }
  return true;
}

/** The web app's sources: Vite reads them all, so any of them changing means a new build. */
function webInputs() {
  const dir = path.join(root, 'web');
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.includes('node_modules'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}
