import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import { upstreamRequestHeaders } from './headers.js';
import { WsRelay, type RelaySettings } from './ws-relay.js';

export interface WsProxyOptions {
  /** Base URL of the upstream (http or https; a path prefix is kept). */
  readonly target: string;
  /** Name used in logs; defaults to the target's host. */
  readonly name?: string;
  /** Bound on data held for one direction of one connection (send buffer or frames waiting for the upstream). */
  readonly maxBufferBytes: number;
  /** Ping both peers this often and drop one that did not answer the previous ping; 0 disables. */
  readonly pingIntervalMs: number;
  /** Time allowed for the upstream to accept the WebSocket handshake. */
  readonly connectTimeoutMs: number;
  readonly log: Logger;
}

export interface WsProxy {
  /** Take over a WebSocket upgrade; `upstreamPath` keeps the query string (e.g. `/ws?clientId=…`). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, upstreamPath: string): void;
  /** Close every relayed connection with 1001; resolves once all are gone (stragglers are cut after a grace period). */
  close(): Promise<void>;
  /** Relayed connections currently open. */
  size(): number;
}

const CLOSE_GRACE_MS = 1_000;

/**
 * A WebSocket relay to one upstream: each accepted client gets its own upstream connection, and
 * frames flow both ways untouched (same bytes, same text/binary flag, same order).
 * Compression is off on both legs so nothing is re-encoded; UTF-8 is left for the endpoints to check.
 */
export function createWsProxy(options: WsProxyOptions): WsProxy {
  const url = new URL(options.target);
  const wsBase = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  const settings: RelaySettings = {
    backend: options.name ?? url.host,
    maxBufferBytes: options.maxBufferBytes,
    log: options.log,
  };
  // The client is accepted with no subprotocol selected: ComfyUI never selects one, and its
  // clients' offers are forwarded upstream verbatim (see upstreamRequestHeaders).
  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handleProtocols: () => false,
  });
  const relays = new Set<WsRelay>();
  let pingTimer: NodeJS.Timeout | null = null;

  const startPinging = (): void => {
    if (pingTimer !== null || options.pingIntervalMs <= 0) return;
    pingTimer = setInterval(() => {
      for (const relay of relays) relay.heartbeat();
    }, options.pingIntervalMs);
    pingTimer.unref();
  };
  const forget = (relay: WsRelay): void => {
    relays.delete(relay);
    if (relays.size === 0 && pingTimer !== null) {
      clearInterval(pingTimer);
      pingTimer = null;
    }
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, upstreamPath: string): void => {
    // Headers are read now: once upgraded, the request's socket belongs to ws.
    const headers = toHeaderObject(upstreamRequestHeaders(req, { upstreamOrigin: url.origin, websocket: true }));
    server.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(`${wsBase}${upstreamPath}`, {
        headers,
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: options.connectTimeoutMs,
        followRedirects: false,
      });
      const relay = new WsRelay(client, socket, upstream, upstreamPath, settings, () => forget(relay));
      relays.add(relay);
      startPinging();
    });
  };

  const close = async (): Promise<void> => {
    const open = [...relays];
    await Promise.all(open.map((relay) => relay.shutdown(CLOSE_GRACE_MS)));
  };

  return { handleUpgrade, close, size: () => relays.size };
}

/** `ws` takes handshake headers as an object; repeated headers become arrays (Node writes one line each). */
function toHeaderObject(flat: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    const before = headers[name];
    headers[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return headers;
}
