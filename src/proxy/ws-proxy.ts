import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import { upstreamRequestHeaders } from './headers.js';
import { acceptClient, handshakeProblem, refuseClient } from './ws-handshake.js';
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
 * frames flow both ways untouched (same bytes, same text/binary flag, same order). Both
 * handshakes are done here and the frames relayed by WsRelay without `ws`: decoding each message
 * and encoding it again cost more CPU than anything else on the way (see ws-handshake.ts).
 */
export function createWsProxy(options: WsProxyOptions): WsProxy {
  const url = new URL(options.target);
  const upstreamUrl = new URL(url.href);
  upstreamUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const basePath = url.pathname.replace(/\/+$/, '');
  const settings: RelaySettings = {
    backend: options.name ?? url.host,
    maxBufferBytes: options.maxBufferBytes,
    log: options.log,
  };
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
    const problem = handshakeProblem(req);
    if (problem !== null) return refuseClient(socket, problem.status, problem.message);
    if (!socket.readable || !socket.writable) return void socket.destroy();
    // The client is accepted with no subprotocol selected: ComfyUI never selects one, and its
    // clients' offers are forwarded upstream verbatim (see upstreamRequestHeaders).
    acceptClient(req, socket);
    if (socket instanceof Socket) {
      socket.setTimeout(0);
      socket.setNoDelay(true);
    }
    const upstream = {
      url: upstreamUrl,
      path: `${basePath}${upstreamPath}`,
      headers: upstreamRequestHeaders(req, { upstreamOrigin: url.origin, websocket: true }),
      timeoutMs: options.connectTimeoutMs,
    };
    const relay = new WsRelay(socket, head, upstream, upstreamPath, settings, () => forget(relay));
    relays.add(relay);
    startPinging();
  };

  const close = async (): Promise<void> => {
    const open = [...relays];
    await Promise.all(open.map((relay) => relay.shutdown(CLOSE_GRACE_MS)));
  };

  return { handleUpgrade, close, size: () => relays.size };
}
