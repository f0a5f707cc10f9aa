import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveConfined } from './confine.js';
import { bodyTooLarge, conflict, invalidPath, pathOutsideFolder } from '../errors.js';
import { FILE_TYPES, numberedName, type FileLocation, type FileType } from './paths.js';

export interface Fingerprint {
  readonly sha256: string;
  readonly size: number;
}

/** Bytes received into the staging folder, hashed on the way; not yet part of any tree. */
export interface StagedFile extends Fingerprint {
  readonly path: string;
}

export interface PlaceOptions {
  /** Replace whatever holds the name (ComfyUI's overwrite=true). */
  readonly overwrite: boolean;
  /** An existing file with this content already is the upload: its name is answered, nothing is written. */
  readonly compare: Fingerprint;
  /** Staging file moved into place; null only picks the name (ComfyUI's mask upload without an original). */
  readonly source: string | null;
}

/**
 * `<dataDir>/files/{input,temp,output}` plus a staging folder on the same file system, so that
 * every file appears under its final name whole (rename or link), never half-written.
 */
export interface FileTree {
  stage(source: Readable, maxBytes?: number): Promise<StagedFile>;
  discard(staged: StagedFile): Promise<void>;
  /** Real path of an existing regular file; undefined when absent. Throws pathOutsideFolder for a symlink that leads out. */
  locate(location: FileLocation): Promise<string | undefined>;
  /** The folder for writes, created as needed; a symlink leading out or a file in the way is refused. */
  folder(type: FileType, segments: readonly string[]): Promise<string>;
  /** Put content under `name` in `dir` the ComfyUI way (same content → same name, else `name (n).ext`); returns the name used. */
  place(dir: string, name: string, options: PlaceOptions): Promise<string>;
  /**
   * An open file with its fingerprint, both taken through the same handle: what is streamed is
   * exactly what was hashed, even if the name is overwritten meanwhile. The caller closes it.
   */
  snapshot(file: string): Promise<FileSnapshot>;
}

export interface FileSnapshot extends Fingerprint {
  stream(): Readable;
  close(): Promise<void>;
}

const MAX_RENAMES = 10_000;
const FINGERPRINT_CACHE_SIZE = 10_000;

export function createFileTree(dataDir: string): FileTree {
  const base = path.join(dataDir, 'files');
  const staging = path.join(base, '.staging');
  // Leftovers of a process that died mid-upload are garbage by construction.
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const roots = new Map<FileType, string>();
  for (const type of FILE_TYPES) {
    fs.mkdirSync(path.join(base, type), { recursive: true });
    roots.set(type, fs.realpathSync(path.join(base, type)));
  }
  const rootOf = (type: FileType): string => roots.get(type) ?? path.join(base, type);

  // Hashes by inode/size/mtime so replication does not re-read unchanged inputs on every prompt.
  const fingerprints = new Map<string, { key: string; value: Fingerprint }>();

  const fingerprint = async (file: string, handle?: fsp.FileHandle): Promise<Fingerprint> => {
    const stat = handle ? await handle.stat() : await fsp.stat(file);
    const key = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const cached = fingerprints.get(file);
    if (cached?.key === key) return cached.value;
    const hash = createHash('sha256');
    const source = handle ? handle.createReadStream({ start: 0, autoClose: false }) : fs.createReadStream(file);
    for await (const chunk of source) hash.update(chunk as Buffer);
    const value = { sha256: hash.digest('hex'), size: stat.size };
    fingerprints.delete(file);
    fingerprints.set(file, { key, value });
    if (fingerprints.size > FINGERPRINT_CACHE_SIZE) fingerprints.delete(fingerprints.keys().next().value ?? '');
    return value;
  };

  const sameContent = async (file: string, expected: Fingerprint): Promise<boolean> => {
    const stat = await fsp.lstat(file).catch(() => undefined);
    // Never follow a symlink or read a folder: such a name simply holds "other content".
    if (!stat?.isFile() || stat.size !== expected.size) return false;
    return (await fingerprint(file)).sha256 === expected.sha256;
  };

  /** Create `target` from `source` only if the name is free; false when it is taken. */
  const linkIfFree = async (source: string, target: string): Promise<boolean> => {
    try {
      await fsp.link(source, target);
      await fsp.unlink(source);
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw translate(error, target);
    }
    // File systems without hard links: a check-then-rename, racy only against a concurrent same-name upload.
    if (await exists(target)) return false;
    await fsp.rename(source, target);
    return true;
  };

  return {
    stage: async (source, maxBytes) => {
      const file = path.join(staging, randomUUID());
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          if (maxBytes !== undefined && size > maxBytes) return done(bodyTooLarge(maxBytes));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(source, meter, fs.createWriteStream(file, { flags: 'wx' }));
      } catch (error) {
        await fsp.rm(file, { force: true });
        throw error;
      }
      return { path: file, sha256: hash.digest('hex'), size };
    },

    discard: async (staged) => fsp.rm(staged.path, { force: true }),

    locate: async (location) => {
      const relative = [...location.segments, location.name].join('/');
      const confined = await resolveConfined(rootOf(location.type), relative);
      if (!confined.ok) {
        if (confined.reason === 'symlink_escape') throw pathOutsideFolder(relative);
        return undefined;
      }
      if (!confined.exists) return undefined;
      const stat = await fsp.stat(confined.path).catch(() => undefined);
      return stat?.isFile() === true ? confined.path : undefined;
    },

    folder: async (type, segments) => {
      const relative = segments.join('/');
      const confined = await resolveConfined(rootOf(type), relative);
      if (!confined.ok) throw confined.reason === 'symlink_escape' ? pathOutsideFolder(relative) : invalidPath('Subfolder', relative);
      // Only the part below the deepest existing (and confined) folder is created: fresh folders hold no links.
      if (!confined.exists) await fsp.mkdir(confined.path, { recursive: true }).catch((error: unknown) => {
        throw translate(error, relative);
      });
      const stat = await fsp.stat(confined.path);
      if (!stat.isDirectory()) throw invalidPath('Subfolder', relative);
      return confined.path;
    },

    place: async (dir, name, options) => {
      if (options.overwrite) {
        if (options.source !== null) await fsp.rename(options.source, path.join(dir, name)).catch((e: unknown) => {
          throw translate(e, name);
        });
        return name;
      }
      for (let n = 0; n < MAX_RENAMES; n++) {
        const candidate = numberedName(name, n);
        const target = path.join(dir, candidate);
        if (options.source !== null ? await linkIfFree(options.source, target) : !(await exists(target))) return candidate;
        if (await sameContent(target, options.compare)) {
          if (options.source !== null) await fsp.rm(options.source, { force: true });
          return candidate;
        }
      }
      throw conflict('Too many files with this name', name);
    },

    snapshot: async (file) => {
      const handle = await fsp.open(file, 'r');
      try {
        const print = await fingerprint(file, handle);
        return {
          ...print,
          stream: () => handle.createReadStream({ start: 0, autoClose: false }),
          close: () => handle.close(),
        };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
  };
}

const exists = async (file: string): Promise<boolean> => (await fsp.lstat(file).catch(() => undefined)) !== undefined;

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** File-system refusals caused by the name itself are the client's problem (400), the rest stays a 500. */
function translate(error: unknown, name: string): unknown {
  const code = errorCode(error);
  if (code === 'ENAMETOOLONG' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOTEMPTY') return invalidPath('Name', name);
  return error;
}
