/**
 * The rules of SPA hosting that need no file system: which paths belong to the APIs, which files
 * are content-hashed, which types are worth compressing, and whether a client wants HTML.
 */
import { isApiRoot } from '../upstream/protocol/index.js';

/** True when the first segment of `segments` names an API root. */
export function isApiPath(segments: readonly string[]): boolean {
  const first = segments[0];
  return first !== undefined && isApiRoot(first);
}

const HASHED_DIRS = [['assets'], ['_next', 'static']] as const;
/** `main.3f9a2c1b.js`, `index-BRfqj2kL.js`, `webpack-1a2b3c4d5e6f7a8b.js`: 8+ word chars holding a digit, before the extension. */
const HASHED_NAME_RE = /[.-](?=[A-Za-z_]*\d)[A-Za-z0-9_]{8,}\.[A-Za-z0-9]+$/;

/**
 * Whether a file's bytes are fixed by its URL, so browsers may keep it for a year without asking.
 * Bundlers put a content hash in these names, and a new build gets new names.
 */
export function isHashedAsset(segments: readonly string[]): boolean {
  if (HASHED_DIRS.some((dir) => dir.every((name, i) => segments[i] === name) && segments.length > dir.length)) return true;
  return HASHED_NAME_RE.test(segments.at(-1) ?? '');
}

export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
/** Unhashed files may change on the next deploy: the browser keeps them but asks (ETag) every time. */
export const CACHE_REVALIDATE = 'no-cache';

/**
 * Text formats that shrink a lot. Images never qualify (PNG, JPEG, WebP and friends are already
 * compressed; @fastify/compress's own fallback to mime-db would take BMP and ICO), except SVG,
 * which is XML text and usually shrinks by two thirds.
 */
export function isCompressible(contentType: string): boolean {
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (type === 'image/svg+xml') return true;
  if (type.startsWith('image/')) return false;
  return (
    (type.startsWith('text/') && type !== 'text/event-stream') ||
    /^application\/(javascript|ecmascript|json|ld\+json|manifest\+json|xml|xhtml\+xml|wasm|x-javascript)$/.test(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

interface MediaRange {
  readonly type: string;
  readonly q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type === '') continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    ranges.push({ type, q: Number.isFinite(q) ? q : 0 });
  }
  return ranges;
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/**
 * Whether the client would take the app's HTML at least as gladly as anything else it names.
 * A browser navigating sends `text/html,…` and gets the app; `fetch()` and curl send `*∕*` and
 * get it too (like nginx's try_files); `application/json`, or axios's
 * `application/json, text/plain, *∕*`, prefer something concrete over the wildcard, so a typo'd
 * API URL gets a JSON 404 instead of 200 + HTML. No Accept header means "anything" (RFC 9110 §12.5.1).
 */
export function acceptsHtml(header: string | undefined): boolean {
  if (header === undefined || header.trim() === '') return true;
  const ranges = parseAccept(header);
  const explicit = ranges.filter((r) => HTML_TYPES.has(r.type));
  if (explicit.length > 0) return explicit.some((r) => r.q > 0);
  const wildcard = ranges.find((r) => r.type === 'text/*') ?? ranges.find((r) => r.type === '*/*');
  if (wildcard === undefined || wildcard.q <= 0) return false;
  return !ranges.some((r) => !r.type.includes('*') && r.q >= wildcard.q);
}
