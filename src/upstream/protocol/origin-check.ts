/**
 * ComfyUI's origin check (server.py create_origin_only_middleware; active unless the server runs
 * with --enable-cors-header). It stops web pages from driving a ComfyUI on localhost: when the
 * Host is a loopback name and the Origin names another host[:port], the request gets a bare 403.
 * Newer ComfyUI also refuses `Sec-Fetch-Site: cross-site` outright.
 */

export interface OriginCheckRequest {
  readonly method: string;
  readonly host?: string | undefined;
  readonly origin?: string | undefined;
  readonly secFetchSite?: string | undefined;
}

/** 'forbid' → 403 with an empty body; 'preflight' → empty 200 (OPTIONS); 'allow' → route it. */
export type OriginVerdict = 'allow' | 'forbid' | 'preflight';

export function checkOrigin(request: OriginCheckRequest): OriginVerdict {
  if (request.secFetchSite?.toLowerCase() === 'cross-site') return 'forbid';
  if (request.host !== undefined && request.origin !== undefined && hostMismatch(request.host, request.origin)) {
    return 'forbid';
  }
  return request.method.toUpperCase() === 'OPTIONS' ? 'preflight' : 'allow';
}

function hostMismatch(hostHeader: string, originHeader: string): boolean {
  const host = splitNetloc(hostHeader.toLowerCase());
  const origin = splitNetloc(netlocOf(originHeader).toLowerCase());
  // Ports are compared only when both sides carry one ("weird browsers" drop them).
  let hostDomain: string | null = hostHeader.toLowerCase();
  let originDomain: string | null = netlocOf(originHeader).toLowerCase();
  if (origin.port === null) hostDomain = host.hostname;
  if (host.port === null) originDomain = origin.hostname;
  if (!isLoopbackHost(host.hostname) || !hostDomain || !originDomain) return false;
  return hostDomain !== originDomain;
}

/** urlparse(url).netloc: the part after "//" up to the path; "" for "null" and other opaque origins. */
function netlocOf(url: string): string {
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(url) ?? /^\/\/([^/?#]*)/.exec(url);
  return match?.[1] ?? '';
}

/** hostname (lowercase, no brackets) and port of a netloc, like urllib's SplitResult. */
function splitNetloc(netloc: string): { hostname: string | null; port: number | null } {
  const hostPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort);
  if (bracketed) return { hostname: bracketed[1] || null, port: toPort(bracketed[2]) };
  const colon = hostPort.lastIndexOf(':');
  if (colon === -1) return { hostname: hostPort || null, port: null };
  return { hostname: hostPort.slice(0, colon) || null, port: toPort(hostPort.slice(colon + 1)) };
}

const toPort = (text: string | undefined): number | null => (text ? Number(text) : null);

/** Loopback as ComfyUI's is_loopback sees it: loopback IPs, and names resolving only to them. */
export function isLoopbackHost(hostname: string | null): boolean {
  if (!hostname) return false;
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (/^127(\.\d{1,3}){3}$/.test(name)) return true;
  if (name === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(name) || name === '::ffff:127.0.0.1') return true;
  return name === 'localhost' || name.endsWith('.localhost');
}
