import type { UpgradeGuard } from '../upgrade-router.js';

/** Counts open WebSocket connections and refuses upgrades past the cap. */
export interface WsClientLimit {
  readonly max: number;
  /** Sockets accepted by the guard and not closed yet. */
  count(): number;
  /**
   * Register as the last upgrade guard: it counts every upgrade it lets through until that
   * socket closes, whichever endpoint takes it, so WS endpoints need do nothing themselves.
   */
  readonly guard: UpgradeGuard;
}

/**
 * A cap on concurrent WebSocket clients (the gateway hub and the proxied sockets alike). Past it,
 * the upgrade is answered 503 with the reason before any WebSocket exists, so a client sees why
 * instead of a connection that opens and drops.
 */
export function createWsClientLimit(max: number): WsClientLimit {
  let open = 0;
  return {
    max,
    count: () => open,
    guard: (request) => {
      if (open >= max) {
        return { status: 503, message: `Too many WebSocket clients: the limit is ${max} (--max-ws-clients)` };
      }
      open += 1;
      request.socket.once('close', () => {
        open -= 1;
      });
      return null;
    },
  };
}
