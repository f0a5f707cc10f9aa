// The single executable's main script: packaging/sea/entry.ts and the whole service in one
// CommonJS file. A separate esbuild configuration from scripts/build.mjs's ESM bundle because a
// SEA main script is run as CommonJS whose require() loads only node's built-ins: nothing may be
// left to node_modules, and no chunk may be loaded from beside it.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * Packages that read their own files through __dirname at run time. Inside the executable their
 * __dirname is made to point at the same folder of the extracted copy (see assets.mjs), where
 * those files are: swagger-ui's static/ and logo, systray2's traybin/ helpers.
 */
const READS_OWN_FILES = ['@fastify/swagger-ui', 'systray2'];

/** esbuild plugin: per-file __dirname for READS_OWN_FILES, sharp's binding loader replaced. */
function executablePlugin(root) {
  const nodeModules = path.join(root, 'node_modules');
  const ownFiles = new RegExp(`[\\\\/]node_modules[\\\\/](${READS_OWN_FILES.map((p) => p.replace('/', '[\\\\/]')).join('|')})[\\\\/].*\\.js$`);
  return {
    name: 'automa-executable',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]sharp[\\/]lib[\\/]sharp\.js$/ }, () => ({
        contents: fs.readFileSync(path.join(root, 'packaging', 'sea', 'sharp-binding.cjs'), 'utf8'),
        loader: 'js',
      }));
      b.onLoad({ filter: ownFiles }, (args) => {
        const dir = path.relative(nodeModules, path.dirname(args.path)).split(path.sep);
        // esbuild wraps each CommonJS module in a function: this var shadows the bundle's __dirname there only.
        const shim = `var __dirname = require('node:path').join(globalThis.__automaPackageRoot, 'node_modules', ${dir.map((d) => JSON.stringify(d)).join(', ')});\n`;
        return { contents: shim + fs.readFileSync(args.path, 'utf8'), loader: 'js' };
      });
    },
  };
}

/** Bundles the executable's main script into `outfile`. */
export async function bundleExecutableMain(root, outfile) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['packaging/sea/entry.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // The Windows build runs on Node 22 (targets.mjs); nothing newer may be emitted.
    target: 'node22',
    // ws require()s these optional addons in a try/catch: left as require() calls they fail there
    // (the executable's require knows only built-ins) and ws uses its JavaScript code.
    external: ['bufferutil', 'utf-8-validate'],
    // src/ is ESM and finds files beside its code through import.meta.url (the web app in dist/web):
    // the extracted copy is where those files are (entry.ts sets the value before loading src/).
    define: { 'import.meta.url': 'globalThis.__automaImportMetaUrl' },
    plugins: [executablePlugin(root)],
    minify: false,
    keepNames: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}
