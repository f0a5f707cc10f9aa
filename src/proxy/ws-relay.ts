import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import { FrameReader, Opcode, readClose } from './ws-frames.js';
import { connectUpstream, type UpstreamRequest } from './ws-handshake.js';
import { WsLeg } from './ws-leg.js';

export interface RelaySettings {
  readonly backend: string;
  readonly maxBufferBytes: number;
  readonly log: Logger;
}

/** Close reasons are capped at 123 bytes on the wire. */
function reasonText(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123 ? text : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '') + '...';
}

/**
 * One client connection tied to its own upstream connection, relayed frame by frame without
 * decoding: data frames cross as the bytes they arrived as (a client's masking included, which
 * is valid as is towards the server), in order, text/binary and fragmentation kept. Text is not
 * UTF-8-checked on the way, which is safe because nothing here decodes it: the endpoints do and
 * check it themselves (browsers and `ws` fail a connection on invalid UTF-8, aiohttp decodes
 * every text message), so checking it here would only repeat their verdict at our cost.
 * Each leg answers its own pings and runs its own close handshake; close codes and reasons cross
 * both ways. What the proxy may hold is bounded per direction (frames waiting for the upstream
 * to open, the client's send buffer), and a periodic ping drops a peer that stopped answering.
 */
export class WsRelay {
  private readonly client: WsLeg;
  private readonly upstream: WsLeg;
  private readonly fromClient: FrameReader;
  private readonly fromUpstream: FrameReader;
  /** Client bytes that arrived before the upstream opened; null once it did, or once dropping. */
  private held: { bytes: Buffer; ends: boolean }[] | null = [];
  private heldBytes = 0;
  private upstreamOpen = false;
  private upstreamError = '';
  /** A close for the upstream that came while it was still opening: sent as soon as it opens. */
  private upstreamCloseDue: { code: number; reason: string | Buffer } | null = null;
  private clientPaused = false;
  private closedSockets = 0;
  private goneWaiters: (() => void)[] = [];

  constructor(
    clientSocket: Duplex,
    head: Buffer,
    upstreamRequest: UpstreamRequest,
    private readonly path: string,
    private readonly settings: RelaySettings,
    private readonly onGone: () => void,
  ) {
    this.client = new WsLeg(clientSocket, false);
    this.fromClient = new FrameReader(true, {
      data: this.clientData,
      control: (opcode, payload) => this.onControl(this.client, opcode, payload),
      invalid: (code, reason) => this.onInvalid(this.client, code, reason),
    });
    this.fromUpstream = new FrameReader(false, {
      data: (chunk, start, end, ends) => this.client.relay(chunk, start, end, ends),
      control: (opcode, payload) => this.onControl(this.upstream, opcode, payload),
      invalid: (code, reason) => this.onInvalid(this.upstream, code, reason),
    });
    const upstreamSocket = connectUpstream(upstreamRequest, {
      open: this.onUpstreamOpen,
      data: this.onUpstreamBytes,
      // The upstream read buffer is reused unless the client's socket still holds bytes of it
      // (a write the kernel did not take at once); what a leg gathers is copied.
      retains: () => this.client.sending(),
      fail: this.onUpstreamFailed,
    });
    this.upstream = new WsLeg(upstreamSocket, true);
    clientSocket.on('data', this.onClientBytes);
    clientSocket.on('error', (err) => settings.log.debug({ err, path }, 'ws proxy: client socket error'));
    clientSocket.on('close', this.onClientGone);
    upstreamSocket.on('error', (err) => void (this.upstreamError ||= err.message));
    upstreamSocket.on('close', this.onUpstreamGone);
    if (head.length > 0) this.onClientBytes(head);
  }

  /** Called every ping interval: drop a peer that missed the last ping, ping the others. */
  heartbeat(): void {
    const { client, upstream } = this;
    // A paused client is one we stopped reading (the upstream is slow), so its pongs wait unread.
    if (client.canPing() && !this.clientPaused) {
      if (!client.alive) {
        this.settings.log.debug({ path: this.path }, 'ws proxy: client stopped answering pings');
        client.terminate();
      } else {
        client.alive = false;
        client.ping();
      }
    }
    if (this.upstreamOpen && upstream.canPing()) {
      if (!upstream.alive) {
        this.upstreamError = 'backend stopped answering pings';
        upstream.terminate();
      } else {
        upstream.alive = false;
        upstream.ping();
      }
    }
  }

  /** Close both sides with 1001; resolves once both are closed, cutting them after `graceMs`. */
  shutdown(graceMs: number): Promise<void> {
    const gone = new Promise<void>((resolve) => (this.closedSockets >= 2 ? resolve() : this.goneWaiters.push(resolve)));
    this.closeClient(1001, 'server shutting down');
    this.closeUpstream(1001, 'server shutting down');
    const cut = setTimeout(() => {
      this.client.terminate();
      this.upstream.terminate();
    }, graceMs);
    return gone.finally(() => clearTimeout(cut));
  }

  private readonly onClientBytes = (chunk: Buffer): void => {
    this.client.alive = true;
    this.fromClient.push(chunk);
    if (!this.upstreamOpen) return;
    const { upstream } = this;
    upstream.flush();
    // Stop reading the client while the upstream is not taking data; resume once it drained.
    if (upstream.queued() > this.settings.maxBufferBytes && !this.clientPaused) {
      this.clientPaused = true;
      this.client.socket.pause();
      upstream.socket.once('drain', this.upstreamDrained);
    }
  };

  private readonly upstreamDrained = (): void => {
    // The leg may have handed the socket its next batch already: resume below half the bound.
    if (this.upstream.queued() > this.settings.maxBufferBytes / 2) return void this.upstream.socket.once('drain', this.upstreamDrained);
    this.resumeClient();
  };

  private readonly resumeClient = (): void => {
    this.clientPaused = false;
    this.client.socket.resume();
  };

  private readonly clientData = (chunk: Buffer, start: number, end: number, ends: boolean): void => {
    if (this.upstreamOpen) return this.upstream.relay(chunk, start, end, ends);
    if (this.held === null) return; // dropping: the upstream is not opening any more
    this.heldBytes += end - start;
    if (this.heldBytes > this.settings.maxBufferBytes) {
      this.settings.log.warn({ path: this.path, bytes: this.heldBytes }, 'ws proxy: client sent too much before the backend connection opened');
      this.held = null;
      this.closeClient(1008, 'too much data before the backend connection opened');
      this.upstream.terminate();
      return;
    }
    // Client chunks are never reused by node, so holding a view of one is safe.
    this.held.push({ bytes: chunk.subarray(start, end), ends });
  };

  private readonly onUpstreamBytes = (chunk: Buffer): void => {
    this.upstream.alive = true;
    this.fromUpstream.push(chunk);
    const { client } = this;
    client.flush();
    // ComfyUI sends to every client from one loop: pausing it for one slow client would stall
    // the others, so a client that cannot keep up is cut off instead of buffered without bound.
    if (client.queued() > this.settings.maxBufferBytes && !client.closeSent) {
      this.settings.log.warn({ path: this.path, bufferedBytes: client.queued() }, 'ws proxy: client too slow; closing it');
      this.closeClient(1013, `client too slow: more than ${this.settings.maxBufferBytes} bytes waiting`);
      this.closeUpstream(1001, 'client closed');
    }
  };

  private readonly onUpstreamOpen = (): void => {
    this.upstreamOpen = true;
    const held = this.held ?? [];
    this.held = null;
    this.heldBytes = 0;
    for (const { bytes, ends } of held) this.upstream.relay(bytes, 0, bytes.length, ends);
    this.upstream.flush();
    const due = this.upstreamCloseDue;
    if (due !== null) this.upstream.close(due.code, due.reason);
  };

  private readonly onUpstreamFailed = (cause: string): void => {
    this.upstreamError = cause;
    if (this.client.closeSent) return;
    this.settings.log.warn({ backend: this.settings.backend, path: this.path, cause }, 'ws proxy: backend unreachable');
    this.closeClient(1014, reasonText(`ComfyUI backend is unreachable: ${cause}`));
  };

  private onControl(leg: WsLeg, opcode: number, payload: Buffer): void {
    if (opcode === Opcode.ping) return leg.pong(payload);
    if (opcode !== Opcode.close) return; // a pong: `alive` is already set by its arrival
    const close = readClose(payload);
    if (close === null) return this.onInvalid(leg, 1002, 'invalid close frame');
    (leg === this.client ? this.fromClient : this.fromUpstream).stop();
    leg.peerClosed(close.code, close.reason);
    if (leg === this.client) this.closeUpstream(close.code, close.reason);
    else this.closeClient(close.code, close.reason);
  }

  /** A peer broke the protocol: fail its connection, and close the other side with the same code. */
  private onInvalid(leg: WsLeg, code: number, reason: string): void {
    this.settings.log.debug({ path: this.path, side: leg === this.client ? 'client' : 'backend', reason }, 'ws proxy: protocol error');
    leg.fail(code, reason);
    if (leg === this.client) this.closeUpstream(code, reason);
    else this.closeClient(code, reason);
  }

  private closeClient(code: number, reason: string | Buffer): void {
    this.client.close(code, reason);
  }

  /** An upstream still opening is closed as soon as it opens, so it too sees the code (not a cut). */
  private closeUpstream(code: number, reason: string | Buffer): void {
    if (this.upstreamOpen) this.upstream.close(code, reason);
    else this.upstreamCloseDue ??= { code, reason };
  }

  private readonly onClientGone = (): void => {
    if (!this.client.closeReceived) {
      // A frame half relayed to the upstream can never be completed: no clean close is possible.
      if (this.upstream.frameOpen) this.upstream.terminate();
      else this.closeUpstream(1001, 'client went away');
    }
    this.socketClosed();
  };

  private readonly onUpstreamGone = (): void => {
    // Nothing more goes upstream: read the client again, if only for its close frame.
    if (this.clientPaused) this.resumeClient();
    if (this.upstreamOpen && !this.upstream.closeReceived) {
      const cause = this.upstreamError || 'connection lost';
      const { log, backend } = this.settings;
      if (!this.client.closeSent) log.warn({ backend, path: this.path, cause }, 'ws proxy: backend connection lost');
      if (this.client.frameOpen) this.client.terminate();
      else this.closeClient(1011, reasonText(`ComfyUI backend: ${cause}`));
    }
    this.socketClosed();
  };

  private socketClosed(): void {
    this.closedSockets += 1;
    if (this.closedSockets < 2) return;
    this.onGone();
    for (const resolve of this.goneWaiters.splice(0)) resolve();
  }
}
