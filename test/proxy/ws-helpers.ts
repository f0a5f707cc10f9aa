/** A scriptable upstream WebSocket server and client helpers for the WS proxy tests. */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export interface Frame {
  readonly data: Buffer;
  readonly binary: boolean;
}

export interface UpstreamPeer {
  readonly ws: WebSocket;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly frames: Frame[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

export interface WsUpstream {
  readonly url: string;
  /** Resolves with each connection relayed by the proxy, in order. */
  nextPeer(): Promise<UpstreamPeer>;
  /** Hold every handshake until the returned release() (resolves when one is waiting). */
  holdHandshakes(): { waiting: Promise<void>; release: () => void };
  close(): Promise<void>;
}

export function toBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Collects frames and the close of a socket. */
export function record(ws: WebSocket): { frames: Frame[]; closed: Promise<{ code: number; reason: string }> } {
  const frames: Frame[] = [];
  ws.on('message', (data, binary) => frames.push({ data: toBuffer(data), binary }));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { frames, closed };
}

/** Upstream WS server; `options.autoPong: false` makes it a peer that ignores pings. */
export async function startWsUpstream(options: { autoPong?: boolean } = {}): Promise<WsUpstream> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  let hold: { resolveWaiting: () => void; released: Promise<void> } | null = null;
  const wss = new WebSocketServer({
    server,
    autoPong: options.autoPong ?? true,
    // Like ComfyUI (aiohttp without protocols): never selects a subprotocol.
    handleProtocols: () => false,
    verifyClient: (info, done) => {
      // Like ComfyUI's origin check refusing an upgrade with a plain 403.
      if (info.req.url?.startsWith('/forbidden') === true) return done(false, 403);
      if (hold === null) return done(true);
      hold.resolveWaiting();
      void hold.released.then(() => done(true));
    },
  });
  const peers: UpstreamPeer[] = [];
  const waiters: ((peer: UpstreamPeer) => void)[] = [];
  wss.on('connection', (ws, req) => {
    // Only connections that came through the proxy: the app's own backend link connects too.
    if (req.headers['x-forwarded-for'] === undefined) return;
    const peer = { ws, url: req.url ?? '', headers: req.headers, ...record(ws) };
    const waiter = waiters.shift();
    if (waiter) waiter(peer);
    else peers.push(peer);
  });
  // Every socket, handshakes in progress included, so close() never waits on one.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    nextPeer: () => {
      const ready = peers.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
    },
    holdHandshakes: () => {
      let resolveWaiting!: () => void;
      let release!: () => void;
      const waiting = new Promise<void>((resolve) => (resolveWaiting = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { resolveWaiting, released };
      return {
        waiting,
        release: () => {
          hold = null;
          release();
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connect a client and wait until it is open. */
export async function openClient(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** Resolve once `frames` holds at least `count` entries (checked as messages arrive). */
export function framesArrived(ws: WebSocket, frames: readonly Frame[], count: number): Promise<void> {
  if (frames.length >= count) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (): void => {
      if (frames.length < count) return;
      ws.off('message', check);
      resolve();
    };
    ws.on('message', check);
  });
}
