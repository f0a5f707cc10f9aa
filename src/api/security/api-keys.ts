import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The configured API keys, checked in constant time. */
export interface KeyRing {
  /** False when no key is configured: every request is let through. */
  readonly enabled: boolean;
  /** True when `presented` is one of the keys. */
  accepts(presented: string | undefined): boolean;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Keys are kept only as SHA-256 digests and compared digest to digest with timingSafeEqual,
 * against every key without stopping early, so neither a key's length nor which key matched
 * shows in the time an answer takes.
 */
export function createKeyRing(keys: readonly string[]): KeyRing {
  const digests = [...new Set(keys)].map(digest);
  return {
    enabled: digests.length > 0,
    accepts: (presented) => {
      if (presented === undefined || presented === '') return false;
      const candidate = digest(presented);
      let match = false;
      for (const known of digests) match = timingSafeEqual(candidate, known) || match;
      return match;
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 9110). */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** `?token=` of a request URL: browsers cannot set headers on a WebSocket handshake. */
export function queryToken(url: string | undefined): string | undefined {
  const query = (url ?? '').split('?')[1];
  if (query === undefined) return undefined;
  return new URLSearchParams(query.split('#')[0]).get('token') ?? undefined;
}

const isTokenName = (name: string): boolean => {
  try {
    return decodeURIComponent(name.replaceAll('+', ' ')).toLowerCase() === 'token';
  } catch {
    return false; // an undecodable name cannot be the `token` URLSearchParams reads
  }
};

/** The URL with every `token` query value replaced, for logs (encoded names like `%74oken` too). */
export function redactToken(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  return (
    url.slice(0, start) +
    url.slice(start).replace(/([?&])([^=&#]*)=([^&#]*)/g, (pair, sep: string, name: string) => (isTokenName(name) ? `${sep}${name}=[redacted]` : pair))
  );
}

/** The URL without its `token` query parameters, the rest of the query kept in order. */
export function withoutToken(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const hash = url.indexOf('#', start);
  const end = hash === -1 ? url.length : hash;
  const kept = url
    .slice(start + 1, end)
    .split('&')
    .filter((pair) => !isTokenName(pair.split('=', 1)[0] ?? ''));
  return `${url.slice(0, start)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${url.slice(end)}`;
}

/**
 * Take the key off a request that passed, so nothing downstream can forward it: the proxy sends
 * the client's headers (and a WebSocket's query) on to ComfyUI, which must never see our keys.
 */
export function consumeCredentials(request: IncomingMessage, options: { query: boolean }): void {
  delete request.headers.authorization;
  const raw = request.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i]?.toLowerCase() === 'authorization') raw.splice(i, 2);
  if (options.query && request.url !== undefined) request.url = withoutToken(request.url);
}
