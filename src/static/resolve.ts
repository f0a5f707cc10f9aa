import fs from 'node:fs/promises';
import path from 'node:path';

/** What a request path turned into: safe segments, or why it can never name a file. */
export type ParsedPath =
  | { readonly kind: 'ok'; readonly segments: readonly string[]; readonly trailingSlash: boolean }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Split the raw request path (as sent, before any router decoding) into decoded segments that
 * are plain file names. Everything that could step out of the folder or alias another name is
 * refused here, before the file system is asked anything: `.`/`..` and dot-files (`%2e%2e`
 * too, since segments are checked after decoding), encoded or literal backslashes and encoded
 * slashes (one URL segment must be one path segment), empty segments (`//etc/passwd`), NUL.
 */
export function parseRequestPath(rawUrl: string): ParsedPath {
  const end = rawUrl.search(/[?#]/);
  const rawPath = end === -1 ? rawUrl : rawUrl.slice(0, end);
  if (!rawPath.startsWith('/')) return { kind: 'refused', reason: 'not an absolute path' };
  if (/%(2f|5c)|\\/i.test(rawPath)) return { kind: 'refused', reason: 'encoded slash or backslash' };
  const trailingSlash = rawPath.length > 1 && rawPath.endsWith('/');
  const rawSegments = rawPath.slice(1, trailingSlash ? -1 : undefined).split('/');
  const segments: string[] = [];
  for (const raw of rawSegments) {
    if (raw === '' && rawSegments.length === 1) break; // "/" itself
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { kind: 'malformed', reason: 'invalid percent-encoding' };
    }
    if (segment.includes('\0')) return { kind: 'malformed', reason: 'NUL in path' };
    if (segment === '' || segment.startsWith('.')) return { kind: 'refused', reason: 'empty, dot or dot-file segment' };
    if (segment.includes('/') || segment.includes('\\')) return { kind: 'refused', reason: 'slash inside a segment' };
    segments.push(segment);
  }
  return { kind: 'ok', segments, trailingSlash };
}

/** A regular file inside the root, named by its real path relative to the root's real path. */
export interface ResolvedFile {
  readonly relative: string;
  readonly segments: readonly string[];
}

/**
 * The file that `segments` names under `root` (a realpath), or null when there is none.
 * Symlinks are followed and the result must still lie inside the root: a link pointing out of
 * the folder is treated as absent. Directories are not files.
 */
export async function resolveFile(root: string, segments: readonly string[]): Promise<ResolvedFile | null> {
  let real: string;
  try {
    real = await fs.realpath(path.join(root, ...segments));
  } catch {
    return null; // ENOENT, ENOTDIR, ELOOP, EACCES, ENAMETOOLONG: nothing we may serve
  }
  const relative = path.relative(root, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
  const stat = await fs.stat(real).catch(() => null);
  if (stat === null || !stat.isFile()) return null;
  const realSegments = relative.split(path.sep);
  // A link inside the folder may point at a dot-file (".env"); those stay private too.
  if (realSegments.some((s) => s.startsWith('.'))) return null;
  return { relative, segments: realSegments };
}

/**
 * The page a clean URL names, Next.js export style: the file itself, then `<path>.html`, then
 * `<path>/index.html` (so `/` finds `index.html` and `/blog` finds `blog/index.html`).
 */
export async function resolvePage(root: string, segments: readonly string[], trailingSlash: boolean): Promise<ResolvedFile | null> {
  // "/main.js/" names a folder, never the file main.js.
  const direct = segments.length > 0 && !trailingSlash ? await resolveFile(root, segments) : null;
  if (direct !== null) return direct;
  const last = segments.at(-1);
  if (last !== undefined) {
    const page = await resolveFile(root, [...segments.slice(0, -1), `${last}.html`]);
    if (page !== null) return page;
  }
  return resolveFile(root, [...segments, 'index.html']);
}
