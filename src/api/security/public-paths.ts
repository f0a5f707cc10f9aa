/**
 * Which requests stay public when API keys are configured: the web app's files (so it can load
 * and show its login) and a few read-only descriptions of the service. Everything else needs a
 * key, unknown paths included, so a 401 comes before any 404.
 */
import { isApiRoot } from '../../upstream/protocol/index.js';

/** Public parts of our API: liveness, and the API description with its docs page (no data). */
const PUBLIC_API_PATHS = new Set(['/automa/health', '/automa/openapi.json', '/automa/docs']);
const PUBLIC_API_PREFIXES = ['/automa/docs/'];

/**
 * True when `method` on `url` may be answered without a key. `routeUrl` is the pattern of the
 * route Fastify matched (when one did): both the decoded path and the pattern must be public,
 * so an encoded path (`/%61utoma/db`, which the router decodes) cannot pass for a file.
 */
export function isPublicRequest(method: string, url: string, routeUrl?: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const rawPath = url.split(/[?#]/, 1)[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  return isPublicPath(path) && (routeUrl === undefined || isPublicPath(routeUrl));
}

function isPublicPath(path: string): boolean {
  const segments = path.split('/').filter((s) => s !== '');
  // Dot segments are never a file name; whatever they would reach must not be public by accident.
  if (segments.some((s) => s === '.' || s === '..' || s.includes('\\'))) return false;
  const normal = `/${segments.join('/')}`;
  if (PUBLIC_API_PATHS.has(normal) || PUBLIC_API_PREFIXES.some((p) => normal.startsWith(p))) return true;
  const first = segments[0];
  return first === undefined || !isApiRoot(first);
}
