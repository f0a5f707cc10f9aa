import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What packaging/package.mjs embeds: every file to write out, by asset key. */
export interface Manifest {
  readonly version: string;
  /** Hash of the embedded files: two builds of one version never share a folder. */
  readonly buildId: string;
  readonly files: readonly { readonly key: string; readonly path: string; readonly executable: boolean }[];
}

/** The per-user cache folder of the platform; our files go in a folder per version below it. */
export function cacheRoot(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'comfyui-automa', 'cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'comfyui-automa');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'comfyui-automa');
}

/**
 * Writes the embedded files into `<cache>/<version>-<buildId>` unless a previous run did, and
 * returns that folder. Files are written into a private folder first and renamed into place, so
 * the folder is either complete or absent, also when two first runs race.
 */
export function ensureExtracted(manifest: Manifest, readAsset: (key: string) => ArrayBuffer, root: string): string {
  const target = path.join(root, `${manifest.version}-${manifest.buildId}`);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(root, { recursive: true });
  const partial = fs.mkdtempSync(path.join(root, `.partial-${manifest.version}-`));
  try {
    for (const file of manifest.files) {
      const destination = path.join(partial, ...file.path.split('/'));
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      // npm tarballs drop the exec bit of helper programs (the tray's): set it ourselves.
      fs.writeFileSync(destination, new Uint8Array(readAsset(file.key)), { mode: file.executable ? 0o755 : 0o644 });
    }
    fs.renameSync(partial, target);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    // Another first run finished first: its folder is as good as ours.
    if (fs.existsSync(target)) return target;
    throw err;
  }
  return target;
}

/** The cache folder for this user. */
export function defaultCacheRoot(): string {
  return cacheRoot(process.platform, process.env, os.homedir());
}
