import type { IncomingHttpHeaders } from 'node:http';
import { isSameHost, type Refusal } from './origin.js';

/** What a browser on another origin needs to call us, when --enable-cors-header is given. */
export interface CorsPolicy {
  /** Headers every response carries, errors and proxied responses included. */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** Headers answering a preflight that asked for `requestedHeaders` (Access-Control-Request-Headers). */
  preflightHeaders(requestedHeaders: string | undefined): Record<string, string>;
  /** WebSockets bypass CORS in browsers, so the upgrade is checked against the allowed origin here. */
  upgradeRefusal(headers: IncomingHttpHeaders): Refusal | null;
}

const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** Always allowed, whatever the preflight asks: the API key and JSON bodies need them. */
const BASE_HEADERS = ['Authorization', 'Content-Type'];
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Browsers cap this anyway (Chromium at 2 h); 10 min keeps a changed config from lingering. */
const MAX_AGE_S = 600;

/**
 * CORS as ComfyUI's --enable-cors-header does it (one configured origin or `*`, on every
 * response), plus what a correct preflight needs: the requested headers reflected (ComfyUI's own
 * frontend sends Comfy-User), a Max-Age, and Vary so caches keep answers per origin apart.
 * No Allow-Credentials: keys travel in Authorization, never in cookies.
 */
export function createCorsPolicy(allowedOrigin: string): CorsPolicy {
  const responseHeaders = {
    'access-control-allow-origin': allowedOrigin,
    'access-control-expose-headers': 'ETag, Location, X-Request-Id',
    vary: 'Origin',
  };
  return {
    responseHeaders,
    preflightHeaders: (requestedHeaders) => {
      const asked = (requestedHeaders ?? '')
        .split(',')
        .map((h) => h.trim())
        .filter((h) => TOKEN_RE.test(h));
      const allowed = [...BASE_HEADERS, ...asked.filter((h) => !BASE_HEADERS.some((b) => b.toLowerCase() === h.toLowerCase()))];
      return {
        'access-control-allow-methods': ALLOW_METHODS,
        'access-control-allow-headers': allowed.join(', '),
        'access-control-max-age': String(MAX_AGE_S),
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      };
    },
    upgradeRefusal: (headers) => {
      const origin = headers.origin;
      if (allowedOrigin === '*' || origin === undefined) return null;
      if (origin.trim().toLowerCase().replace(/\/$/, '') === allowedOrigin.toLowerCase()) return null;
      // A page served by us (same host) may always open our sockets.
      if (headers.host !== undefined && isSameHost(headers.host, origin)) return null;
      return { status: 403, message: 'Origin not allowed', details: `${origin} is not ${allowedOrigin} (--enable-cors-header)` };
    },
  };
}
