import type { IncomingHttpHeaders } from 'node:http';
import { checkOrigin } from '../../upstream/protocol/index.js';

/** An HTTP status and the reason to give with it. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly details: string;
}

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * ComfyUI's origin check (PROTOCOL.md, "Origin check"; the rule itself lives with the rest of
 * ComfyUI's protocol in upstream/protocol) for plain requests and WebSocket upgrades alike:
 * `Sec-Fetch-Site: cross-site` is refused, and so is a page whose Origin differs from a loopback
 * Host: a web page driving a local server, which browsers let through without CORS.
 * OPTIONS that pass are answered by the caller (an empty 200, as ComfyUI).
 */
export function originRefusal(method: string, headers: IncomingHttpHeaders): Refusal | null {
  const secFetchSite = one(headers['sec-fetch-site']);
  const verdict = checkOrigin({ method, host: headers.host, origin: one(headers.origin), secFetchSite });
  if (verdict !== 'forbid') return null;
  const hint = 'start the service with --enable-cors-header to allow other sites';
  if (secFetchSite?.toLowerCase() === 'cross-site') {
    return { status: 403, message: 'Cross-site request refused', details: `Sec-Fetch-Site: cross-site; ${hint}` };
  }
  return {
    status: 403,
    message: 'Origin does not match Host',
    details: `Origin ${JSON.stringify(one(headers.origin))} on Host ${JSON.stringify(headers.host)}; ${hint}`,
  };
}

/**
 * Whether a page at `origin` is served by the host the request was sent to (scheme ignored,
 * ports compared when both carry one, names lowercased). `null` and other opaque origins are not.
 */
export function isSameHost(hostHeader: string, origin: string): boolean {
  const netloc = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*@)?([^/?#]*)/i.exec(origin.trim())?.[2];
  if (netloc === undefined || netloc === '') return false;
  const split = (authority: string): { name: string; port: string } => {
    const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.trim().toLowerCase());
    return { name: match?.[1] ?? authority, port: match?.[2] ?? '' };
  };
  const host = split(hostHeader);
  const page = split(netloc);
  return host.name === page.name && (host.port === '' || page.port === '' || host.port === page.port);
}
