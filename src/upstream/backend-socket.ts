import WebSocket from 'ws';
import type { Logger } from '../log.js';
import type { BackendRef } from './backend-client.js';

/** A decoded JSON frame from a backend: `{type, data}`; unknown types pass through untouched. */
export interface UpstreamMessage {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface BackendSocketHandlers {
  /** The socket is open and our feature flags were sent. */
  onOpen(): void;
  onMessage(message: UpstreamMessage, raw: string): void;
  onBinary(frame: Buffer): void;
  /** The socket closed or could not open; a reconnect is scheduled. */
  onDown(reason: string): void;
}

export interface BackendSocket {
  readonly connected: boolean;
  start(): void;
  /** Close now and reconnect right away (e.g. after a backend restart was noticed elsewhere). */
  reconnect(): void;
  stop(): void;
}

/**
 * The gateway's one WebSocket to a backend, under our own clientId so the backend sends us
 * every event of the prompts we submit. It reconnects with capped exponential backoff; the
 * clientId is stable so a reconnect (or a restart of ours) reattaches to prompts in flight.
 */
export function createBackendSocket(
  backend: BackendRef,
  /** Read at every (re)connect: a gateway that starts or stops driving the backend changes it. */
  clientId: () => string,
  handlers: BackendSocketHandlers,
  options: { logger: Logger; maxBackoffMs?: number; pingIntervalMs?: number },
): BackendSocket {
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const pingIntervalMs = options.pingIntervalMs ?? 20_000;
  const wsUrl = (): string => `${backend.url.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId())}`;
  let socket: WebSocket | null = null;
  let connected = false;
  let running = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;

  const scheduleRetry = (): void => {
    if (!running || retryTimer) return;
    const delay = Math.min(maxBackoffMs, 250 * 2 ** Math.min(failures, 8));
    failures += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open();
    }, delay);
    retryTimer.unref();
  };

  const open = (): void => {
    if (!running) return;
    const ws = new WebSocket(wsUrl(), { perMessageDeflate: false, handshakeTimeout: 10_000 });
    socket = ws;
    let wasOpen = false;
    let failure: string | null = null;
    ws.on('open', () => {
      wasOpen = true;
      connected = true;
      failures = 0;
      // Ask for previews with metadata (type 4): they name their prompt, so they can be routed.
      ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      pingTimer = setInterval(() => ws.ping(), pingIntervalMs);
      pingTimer.unref();
      handlers.onOpen();
    });
    ws.on('message', (data, isBinary) => {
      const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary) return handlers.onBinary(buffer);
      const raw = buffer.toString('utf8');
      const message = decode(raw);
      if (message) handlers.onMessage(message, raw);
    });
    ws.on('error', (err) => {
      failure ??= err.message;
      options.logger.debug({ err, backend: backend.name }, 'backend socket error');
    });
    ws.on('close', (code, reason) => {
      if (pingTimer) clearInterval(pingTimer);
      pingTimer = null;
      if (socket === ws) socket = null;
      connected = false;
      // Closed by stop(): the service is shutting down, the backend is not "down".
      if (!running) return;
      const why = wasOpen
        ? `socket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`
        : `socket could not connect${failure === null ? '' : `: ${failure}`}`;
      handlers.onDown(why);
      scheduleRetry();
    });
  };

  return {
    get connected() {
      return connected;
    },
    start: () => {
      if (running) return;
      running = true;
      open();
    },
    reconnect: () => {
      if (!running) return;
      if (socket) socket.terminate();
      else if (!retryTimer) open();
    },
    stop: () => {
      running = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      if (pingTimer) clearInterval(pingTimer);
      socket?.terminate();
      socket = null;
      connected = false;
    },
  };
}

function decode(raw: string): UpstreamMessage | null {
  try {
    const parsed = JSON.parse(raw) as { type?: unknown; data?: unknown };
    if (typeof parsed.type !== 'string') return null;
    const data = typeof parsed.data === 'object' && parsed.data !== null ? (parsed.data as Record<string, unknown>) : {};
    return { type: parsed.type, data };
  } catch {
    return null;
  }
}
