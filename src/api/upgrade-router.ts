import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';

/** Handles one WebSocket upgrade request that its matcher accepted. */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer, pathname: string) => void;

/** A check run before any handler; returns an HTTP status + message to refuse with, or null. */
export type UpgradeGuard = (request: IncomingMessage) => { status: number; message: string } | null;

export interface UpgradeRouter {
  /** Route upgrades whose path satisfies `match` to `handler`; first match wins. */
  add(match: (pathname: string) => boolean, handler: UpgradeHandler): void;
  /** Run `guard` on every upgrade before routing it (origin check, API keys, limits). */
  guard(guard: UpgradeGuard): void;
  /** The 'upgrade' listener for the node HTTP server. */
  readonly handle: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * Fastify routes plain requests only; WebSocket upgrades arrive on the node server's 'upgrade'
 * event. This router gives every WS endpoint (proxy, gateway hub) one place to register, and
 * answers refused or unknown upgrades with a plain HTTP status instead of accepting and dropping.
 */
export function createUpgradeRouter(log: Logger): UpgradeRouter {
  const routes: { match: (pathname: string) => boolean; handler: UpgradeHandler }[] = [];
  const guards: UpgradeGuard[] = [];

  const handle = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug({ err }, 'upgrade socket error'));
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    for (const guard of guards) {
      const refusal = guard(request);
      if (refusal) return refuseUpgrade(socket, refusal.status, refusal.message);
    }
    const route = routes.find((r) => r.match(pathname));
    if (!route) return refuseUpgrade(socket, 404, 'No WebSocket endpoint at this path');
    try {
      route.handler(request, socket, head, pathname);
    } catch (err) {
      log.error({ err, pathname }, 'upgrade handler failed');
      refuseUpgrade(socket, 500, 'Internal server error');
    }
  };

  return {
    add: (match, handler) => void routes.push({ match, handler }),
    guard: (guard) => void guards.push(guard),
    handle,
  };
}

/** Answer an upgrade request with a plain HTTP error (JSON body) and close the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: { type: 'upgrade_refused', message, details: '', extra_info: {} } });
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  return texts[status] ?? 'Error';
}
