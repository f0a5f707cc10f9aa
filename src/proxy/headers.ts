import type { IncomingMessage } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones Node or
 * undici manage themselves. They never cross the proxy in either direction.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Request headers we drop or replace on the way up. `expect`: Node already answered
 * 100-continue and undici refuses the header. `host`: undici sets the upstream's.
 * `referer`/`sec-fetch-*`/`origin`: the browser's values would trip ComfyUI's origin check
 * (PROTOCOL.md); `origin` is rewritten to the upstream's own origin instead.
 * `x-forwarded-proto`/`-host`: replaced by ours, so a client cannot claim to be someone else.
 */
const REQUEST_ONLY_DROP = new Set(['expect', 'host', 'referer', 'origin', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-for']);

/**
 * Handshake headers the relay writes itself for the upstream WebSocket (ws-handshake.ts). The
 * client's extension offer is ours to negotiate per leg (we take none); its subprotocol offer
 * (sec-websocket-protocol) is forwarded.
 */
const WS_HANDSHAKE = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

/** Extra names a `Connection` header marks as hop-by-hop (`keep-alive` and `close` are the usual, harmless tokens). */
function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  let tokens: Set<string> | null = null;
  for (const raw of text.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '' || token === 'close' || token === 'keep-alive') continue;
    (tokens ??= new Set()).add(token);
  }
  return tokens;
}

export interface ForwardContext {
  /** `http://host:port` of the upstream, used as the rewritten Origin. */
  readonly upstreamOrigin: string;
  /** Also drop the WebSocket handshake headers the relay writes itself. */
  readonly websocket?: boolean;
}

/**
 * The client's request headers as a flat [name, value, …] list for the upstream: end-to-end
 * headers verbatim (case and order kept, repeated headers kept), hop-by-hop and browser-origin
 * headers dropped, Origin rewritten, X-Forwarded-For/Proto/Host added.
 */
export function upstreamRequestHeaders(req: IncomingMessage, context: ForwardContext): string[] {
  const raw = req.rawHeaders;
  const named = connectionTokens(req.headers.connection);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let hadOrigin = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || (named !== null && named.has(lower))) continue;
    if (REQUEST_ONLY_DROP.has(lower) || lower.startsWith('sec-fetch-')) {
      if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (lower === 'origin') hadOrigin = true;
      continue;
    }
    if (context.websocket === true && WS_HANDSHAKE.has(lower)) continue;
    out.push(name, value);
  }
  if (hadOrigin) out.push('origin', context.upstreamOrigin);
  const peer = req.socket.remoteAddress ?? '';
  out.push('x-forwarded-for', forwardedFor === undefined ? peer : `${forwardedFor}, ${peer}`);
  out.push('x-forwarded-proto', isEncrypted(req) ? 'https' : 'http');
  const host = req.headers.host;
  if (host !== undefined) out.push('x-forwarded-host', host);
  return out;
}

function isEncrypted(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

/**
 * The upstream's raw response headers (undici hands them over as Buffers) as a flat list for
 * `res.writeHead`, hop-by-hop ones dropped. Header bytes are latin1 on the wire, so decoding as
 * latin1 gives back exactly the bytes we received when Node writes them out again.
 * Names in `override` (a flat [name, value, …] list with lowercase names) are dropped too: the
 * caller adds its own values.
 */
export function downstreamResponseHeaders(raw: readonly Buffer[], override: readonly string[] | undefined): string[] {
  const out: string[] = [];
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') named = connectionTokens((raw[i + 1] as Buffer).toString('latin1'));
      continue;
    }
    if (override !== undefined && isOverridden(lower, override)) continue;
    out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
  }
  if (named === null) return out;
  // Rare: the upstream named extra hop-by-hop headers in Connection; drop them in a second pass.
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!named.has((out[i] as string).toLowerCase())) kept.push(out[i] as string, out[i + 1] as string);
  }
  return kept;
}

function isOverridden(lower: string, override: readonly string[]): boolean {
  for (let i = 0; i < override.length; i += 2) if (override[i] === lower) return true;
  return false;
}
