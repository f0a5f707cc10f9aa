// The single executable's main script (bundled into one CommonJS file with the whole service by
// packaging/bundle.mjs). It writes the embedded files that must exist on disk (native libraries,
// the tray helper, swagger-ui's and the web app's static files) to a per-version cache folder,
// tells the bundled code where they are, then runs the service as src/bin.ts would.
import path from 'node:path';
import { getAsset, getRawAsset } from 'node:sea';
import { pathToFileURL } from 'node:url';
import { defaultCacheRoot, ensureExtracted, type Manifest } from './extract.js';

declare global {
  /** The extracted files, laid out like the package (node_modules/…, dist/web/…). */
  var __automaPackageRoot: string;
  /** What import.meta.url is in the bundle: src/main.ts's place in the extracted layout. */
  var __automaImportMetaUrl: string;
}

const fail = (err: unknown): never => {
  process.stderr.write(`comfyui-automa: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
};

/**
 * node:sqlite is experimental on Node 22 (the Windows build's runtime, see packaging/targets.mjs)
 * and says so on every start; the executable pins its Node, so the warning tells a user nothing.
 */
function silenceSqliteWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** Arguments the user gave; a double-clicked Windows executable gets none and starts the desktop mode. */
function userArguments(): string[] {
  const argv = process.argv.slice(2);
  return argv.length === 0 && process.platform === 'win32' ? ['desktop'] : argv;
}

try {
  silenceSqliteWarning();
  const manifest = JSON.parse(getAsset('manifest.json', 'utf8')) as Manifest;
  const root = ensureExtracted(manifest, getRawAsset, defaultCacheRoot());
  globalThis.__automaPackageRoot = root;
  globalThis.__automaImportMetaUrl = pathToFileURL(path.join(root, 'dist', 'main.js')).href;
} catch (err) {
  fail(err);
}
import('../../src/main.js').then(({ main }) => main(userArguments(), process.env)).catch(fail);
