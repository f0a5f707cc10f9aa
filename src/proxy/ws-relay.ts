import type { Writable } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../log.js';

export interface RelaySettings {
  readonly backend: string;
  readonly maxBufferBytes: number;
  readonly log: Logger;
}

interface HeldFrame {
  readonly data: Buffer;
  readonly binary: boolean;
}

// Shared send options: one frame at a time is relayed, and ws copies its options per send.
const AS_BINARY = { binary: true } as const;
const AS_TEXT = { binary: false } as const;

/** Close codes a peer may send but an endpoint may not (RFC 6455 §7.4), and anything unassigned. */
function sendableCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** Close reasons are capped at 123 bytes on the wire. */
function reasonText(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123 ? text : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '') + '...';
}

/**
 * One client connection tied to its own upstream connection. Frames cross in order and
 * untouched; close codes and reasons cross both ways; each side is bounded in what it may make
 * the proxy hold (frames waiting for the upstream to open, the client's send buffer), and a
 * periodic ping drops a peer that stopped answering.
 */
export class WsRelay {
  private held: HeldFrame[] | null = [];
  private heldBytes = 0;
  private clientAlive = true;
  private upstreamAlive = true;
  private upstreamOpened = false;
  private upstreamError = '';
  private closes = 0;
  private goneWaiters: (() => void)[] = [];
  /** True while the client's socket is corked until the end of the current tick (see fromUpstream). */
  private batchingToClient = false;

  constructor(
    private readonly client: WebSocket,
    /** The client's raw socket (the one ws wraps), corked to batch writes. */
    private readonly clientSocket: Writable,
    private readonly upstream: WebSocket,
    private readonly path: string,
    private readonly settings: RelaySettings,
    private readonly onGone: () => void,
  ) {
    client.on('message', this.fromClient);
    client.on('pong', () => void (this.clientAlive = true));
    client.on('error', (err) => settings.log.debug({ err, path }, 'ws proxy: client socket error'));
    client.on('close', this.onClientClose);
    upstream.on('open', this.onUpstreamOpen);
    upstream.on('message', this.fromUpstream);
    upstream.on('pong', () => void (this.upstreamAlive = true));
    upstream.on('error', (err) => void (this.upstreamError = err.message));
    upstream.on('close', this.onUpstreamClose);
  }

  /** Called every ping interval: drop a peer that missed the last ping, ping the others. */
  heartbeat(): void {
    const { client, upstream } = this;
    // A paused client is one we stopped reading (the upstream is slow), so its pongs wait unread.
    if (client.readyState === WebSocket.OPEN && !client.isPaused) {
      if (!this.clientAlive) {
        this.settings.log.debug({ path: this.path }, 'ws proxy: client stopped answering pings');
        client.terminate();
      } else {
        this.clientAlive = false;
        client.ping();
      }
    }
    if (upstream.readyState === WebSocket.OPEN) {
      if (!this.upstreamAlive) {
        this.upstreamError = 'backend stopped answering pings';
        upstream.terminate();
      } else {
        this.upstreamAlive = false;
        upstream.ping();
      }
    }
  }

  /** Close both sides with 1001; resolves once both are closed, cutting them after `graceMs`. */
  shutdown(graceMs: number): Promise<void> {
    const gone = new Promise<void>((resolve) => (this.closes >= 2 ? resolve() : this.goneWaiters.push(resolve)));
    closeSide(this.client, 1001, 'server shutting down');
    closeSide(this.upstream, 1001, 'server shutting down');
    const cut = setTimeout(() => {
      this.client.terminate();
      this.upstream.terminate();
    }, graceMs);
    return gone.finally(() => clearTimeout(cut));
  }

  private readonly fromClient = (data: RawData, isBinary: boolean): void => {
    this.clientAlive = true;
    const frame = data as Buffer; // binaryType is 'nodebuffer': always one Buffer per message
    if (this.held === null) return this.forwardUp(frame, isBinary);
    this.heldBytes += frame.length;
    if (this.heldBytes > this.settings.maxBufferBytes) {
      this.settings.log.warn({ path: this.path, bytes: this.heldBytes }, 'ws proxy: client sent too much before the backend connection opened');
      this.held = null; // frames still arriving are dropped: the upstream is not opening any more
      closeSide(this.client, 1008, 'too much data before the backend connection opened');
      this.upstream.terminate();
      return;
    }
    this.held.push({ data: frame, binary: isBinary });
  };

  private forwardUp(data: Buffer, binary: boolean): void {
    const { upstream, client } = this;
    if (upstream.readyState !== WebSocket.OPEN) return;
    upstream.send(data, binary ? AS_BINARY : AS_TEXT, this.onUpstreamWritten);
    // Stop reading the client while the upstream is not taking data; resume once it drained.
    if (upstream.bufferedAmount > this.settings.maxBufferBytes && !client.isPaused) client.pause();
  }

  private readonly onUpstreamWritten = (): void => {
    if (this.client.isPaused && this.upstream.bufferedAmount <= this.settings.maxBufferBytes / 2) this.client.resume();
  };

  private readonly fromUpstream = (data: RawData, isBinary: boolean): void => {
    this.upstreamAlive = true;
    const { client } = this;
    if (client.readyState !== WebSocket.OPEN) return;
    if (!this.batchingToClient) {
      // ws writes every frame with its own writev syscall, which is most of what relaying a burst
      // of small frames (ComfyUI's progress events) costs. ws parses all frames of one upstream
      // read synchronously, so corking the client's socket until the tick ends sends them in one
      // writev. Nothing waits longer: the socket is uncorked before any further I/O is handled.
      this.batchingToClient = true;
      this.clientSocket.cork();
      process.nextTick(this.flushToClient);
    }
    client.send(data as Buffer, isBinary ? AS_BINARY : AS_TEXT);
    // ComfyUI sends to every client from one loop: pausing it for one slow client would stall
    // the others, so a client that cannot keep up is cut off instead of buffered without bound.
    if (client.bufferedAmount > this.settings.maxBufferBytes) {
      this.settings.log.warn({ path: this.path, bufferedBytes: client.bufferedAmount }, 'ws proxy: client too slow; closing it');
      closeSide(client, 1013, `client too slow: more than ${this.settings.maxBufferBytes} bytes waiting`);
      closeSide(this.upstream, 1001, 'client closed');
    }
  };

  private readonly flushToClient = (): void => {
    this.batchingToClient = false;
    this.clientSocket.uncork();
  };

  private readonly onUpstreamOpen = (): void => {
    this.upstreamOpened = true;
    const held = this.held ?? [];
    this.held = null;
    this.heldBytes = 0;
    for (const frame of held) this.forwardUp(frame.data, frame.binary);
  };

  private readonly onClientClose = (code: number, reason: Buffer): void => {
    if (code === 1006) closeSide(this.upstream, 1001, 'client went away');
    else closeSide(this.upstream, code, reason);
    this.sideClosed();
  };

  private readonly onUpstreamClose = (code: number, reason: Buffer): void => {
    const { log, backend } = this.settings;
    if (!this.upstreamOpened) {
      const cause = this.upstreamError || `closed with ${code}`;
      if (this.client.readyState === WebSocket.OPEN) {
        log.warn({ backend, path: this.path, cause }, 'ws proxy: backend unreachable');
        closeSide(this.client, 1014, reasonText(`ComfyUI backend is unreachable: ${cause}`));
      }
    } else if (code === 1006) {
      const cause = this.upstreamError || 'connection lost';
      if (this.client.readyState === WebSocket.OPEN) log.warn({ backend, path: this.path, cause }, 'ws proxy: backend connection lost');
      closeSide(this.client, 1011, reasonText(`ComfyUI backend: ${cause}`));
    } else {
      closeSide(this.client, code, reason);
    }
    this.sideClosed();
  };

  private sideClosed(): void {
    this.closes += 1;
    if (this.closes < 2) return;
    this.onGone();
    for (const resolve of this.goneWaiters.splice(0)) resolve();
  }
}

/**
 * Close one side with the code the other side closed with. 1005 ("no code") is relayed as a close
 * frame without a code, which the receiver again reads as 1005; other unsendable codes become 1011.
 * An upstream still opening is closed as soon as it opens, so it too sees the code (not a cut).
 */
function closeSide(socket: WebSocket, code: number, reason: string | Buffer): void {
  if (socket.readyState === WebSocket.CLOSING || socket.readyState === WebSocket.CLOSED) return;
  if (socket.readyState === WebSocket.CONNECTING) return void socket.once('open', () => closeSide(socket, code, reason));
  if (code === 1005) return void socket.close();
  if (!sendableCode(code)) return void socket.close(1011, reason);
  socket.close(code, reason);
}
