import fs from 'node:fs/promises';
import path from 'node:path';
import { badRequest, forbidden, type AppError } from '../errors.js';

/** Why an untrusted path can never name something under the root. */
export type PathRefusalReason = 'malformed' | 'absolute' | 'traversal' | 'symlink_escape';

export type ConfinedPath =
  | {
      readonly ok: true;
      /** Absolute path under the root's real path; symlinks resolved where they exist. */
      readonly path: string;
      /** Relative to the root's real path, '/'-separated; '' for the root itself. */
      readonly relative: string;
      /** Whether the whole path exists now (a new upload's target does not). */
      readonly exists: boolean;
    }
  | { readonly ok: false; readonly reason: PathRefusalReason; readonly message: string };

export interface ConfineOptions {
  /**
   * The value is still percent-encoded (a raw URL path): decode it exactly once. Values Fastify
   * already decoded (query strings, params, multipart fields) must not be decoded again, or
   * `%252e%252e` would turn into `..` one layer later than every check.
   */
  readonly percentEncoded?: boolean;
}

const refuse = (reason: PathRefusalReason, message: string): ConfinedPath => ({ ok: false, reason, message });

/**
 * Resolve a path that came from a request against `root`, or say why it must be refused.
 *
 * Lexical checks come first, before the file system is asked anything: NUL, backslashes
 * (another OS's separator, and a way to smuggle `..\`), absolute paths (`/etc`, `C:\`, `C:x`),
 * and `..` left over after normalisation (`a/../b` is `b` and fine; `a/../../b` is not).
 * Then symlinks: the deepest existing ancestor of the target is resolved with realpath and must
 * still lie inside the root's real path, so a link out of the folder is refused even when the
 * file behind it does not exist yet (an upload would write through it).
 *
 * Checks are point-in-time: a concurrent rename under the root can still race them.
 */
export async function resolveConfined(root: string, untrusted: string, options: ConfineOptions = {}): Promise<ConfinedPath> {
  let relative = untrusted;
  if (options.percentEncoded === true) {
    try {
      relative = decodeURIComponent(untrusted);
    } catch {
      return refuse('malformed', 'invalid percent-encoding');
    }
  }
  if (relative.includes('\0')) return refuse('malformed', 'NUL byte in path');
  if (relative.includes('\\')) return refuse('malformed', 'backslash in path');
  if (relative.startsWith('/') || /^[A-Za-z]:/.test(relative)) return refuse('absolute', 'absolute path');
  const normalised = path.posix.normalize(relative === '' ? '.' : relative);
  const segments = normalised.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return refuse('traversal', 'path leaves its folder');

  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch (err) {
    // The folder itself is missing: nothing under it exists, but the path is still confined.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    realRoot = path.resolve(root);
    return { ok: true, path: path.join(realRoot, ...segments), relative: segments.join('/'), exists: false };
  }
  return resolveAgainst(realRoot, segments);
}

/** Walk up from the full target to the deepest entry that exists, and confine its real path. */
async function resolveAgainst(realRoot: string, segments: readonly string[]): Promise<ConfinedPath> {
  for (let depth = segments.length; depth >= 0; depth--) {
    const candidate = path.join(realRoot, ...segments.slice(0, depth));
    const entry = await fs.lstat(candidate).catch((err: NodeJS.ErrnoException) => err);
    if (entry instanceof Error) {
      const code = (entry as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      if (code === 'ELOOP') return refuse('symlink_escape', 'path goes through a symlink loop');
      if (code === 'ENAMETOOLONG') return refuse('malformed', 'path is too long');
      throw entry;
    }
    let real: string;
    try {
      real = await fs.realpath(candidate);
    } catch {
      // A dangling or looping symlink: where it points cannot be checked, so nothing goes through it.
      return refuse('symlink_escape', 'path goes through a broken symlink');
    }
    if (!isInside(realRoot, real)) return refuse('symlink_escape', 'path leaves its folder through a symlink');
    const full = path.join(real, ...segments.slice(depth));
    return { ok: true, path: full, relative: path.relative(realRoot, full).split(path.sep).join('/'), exists: depth === segments.length };
  }
  // Unreachable: depth 0 is the root, which exists.
  return refuse('malformed', 'root folder vanished');
}

/** True when `target` is `root` or below it (both real, absolute paths). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * The AppError for a refused path, for callers without a protocol of their own: lexical
 * problems are the client's malformed input (400), escapes through a symlink are refused (403).
 */
export function pathRefusalError(refusal: { reason: PathRefusalReason; message: string }, what = 'path'): AppError {
  if (refusal.reason === 'symlink_escape') return forbidden(`The ${what} is outside its folder`, refusal.message);
  return badRequest(`Invalid ${what}`, refusal.message, { reason: refusal.reason });
}
