import type { Duplex } from 'node:stream';
import { closePayload, controlFrame, Opcode } from './ws-frames.js';

/** How long a peer gets to answer our close frame before its socket is cut (as `ws`). */
const CLOSE_TIMEOUT_MS = 30_000;
/** Small relayed writes following one another this closely are gathered into one write. */
const GATHER_MS = 1;
/** At most this much is gathered; anything larger is written at once, without being copied. */
const GATHER_BYTES = 16 * 1024;
/**
 * At most this much is handed to the socket at a time; the rest waits in the leg's backlog.
 * Node keeps all buffers of a write until the kernel has taken the last byte of it, and it
 * batches everything queued behind a pending write into one: with a slow reader that write
 * grows to megabytes, most of it long sent but still held (and counted against --ws-max-buffer).
 */
const WRITE_BATCH_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * What the relay writes to one peer: data frames relayed from the other peer, as the raw bytes
 * they arrived as, and this leg's own control frames (pings, pongs, its close handshake).
 * Frames cannot interleave on the wire, so a control frame due while a relayed frame is half
 * written waits for that frame's last byte; after our close frame nothing else is sent.
 */
export class WsLeg {
  /** The peer sent something since the last heartbeat (any frame counts, not just pongs). */
  alive = true;
  /** A relayed data frame is partly written: control frames wait until it is complete. */
  frameOpen = false;
  /** Our close frame is written or waiting for the frame in progress. */
  closeSent = false;
  /** The peer's close frame arrived. */
  closeReceived = false;
  private closeWritten = false;
  /** Relayed bytes not written yet: one range of the chunk they were read in. */
  private pendingChunk: Buffer | null = null;
  private pendingStart = 0;
  private pendingEnd = 0;
  /** Copies of small relayed writes held back for up to GATHER_MS (see `flush`). */
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private gatherTimer: NodeJS.Timeout | null = null;
  private lastWriteAt = -Infinity;
  /** Bytes waiting for the socket to take the current batch (see WRITE_BATCH_BYTES). */
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private endWhenWritten = false;
  private waiting: Buffer[] = [];
  private closeTimer: NodeJS.Timeout | null = null;

  /** `masks`: we are the client on this leg (the upstream), so our frames must be masked. */
  constructor(
    readonly socket: Duplex,
    private readonly masks: boolean,
  ) {
    // The peer ended its side: end ours (sockets from node's HTTP server allow half-open).
    socket.on('end', () => this.end());
    socket.on('close', () => {
      if (this.closeTimer !== null) clearTimeout(this.closeTimer);
      if (this.gatherTimer !== null) clearTimeout(this.gatherTimer);
    });
  }

  /**
   * Relay `chunk[start, end)`, part of one data frame (`ends`: its last bytes). Consecutive
   * ranges of one chunk go out as one write. After our close frame only the rest of the frame
   * in progress is accepted, since a frame cannot be cut short.
   */
  relay(chunk: Buffer, start: number, end: number, ends: boolean): void {
    if (this.closeSent && !this.frameOpen) return;
    if (this.pendingChunk === chunk && this.pendingEnd === start) this.pendingEnd = end;
    else {
      this.flush();
      this.pendingChunk = chunk;
      this.pendingStart = start;
      this.pendingEnd = end;
    }
    this.frameOpen = !ends;
    if (ends && this.waiting.length > 0) this.writeWaiting();
  }

  /**
   * Done with the chunk `relay` was given (it may be reused now): write what came from it, or,
   * when it is small and the last write was under GATHER_MS ago, copy it aside and write it
   * with whatever follows within GATHER_MS. A burst of small frames (ComfyUI's progress
   * events) then costs the peer one segment and one wake-up per millisecond instead of one
   * per read; a frame after a quiet spell, and any large one, goes out without delay.
   */
  flush(): void {
    const chunk = this.pendingChunk;
    if (chunk === null) return;
    const size = this.pendingEnd - this.pendingStart;
    const now = performance.now();
    const recent = this.gatheredBytes > 0 || now - this.lastWriteAt < GATHER_MS;
    if (recent && this.gatheredBytes + size <= GATHER_BYTES) {
      this.pendingChunk = null;
      this.gathered.push(Buffer.from(chunk.subarray(this.pendingStart, this.pendingEnd)));
      this.gatheredBytes += size;
      this.gatherTimer ??= setTimeout(this.writeGathered, GATHER_MS);
      return;
    }
    this.writeNow();
  }

  /** Bytes on their way to the peer: gathered, waiting, or written to the socket and not yet sent. */
  queued(): number {
    return this.gatheredBytes + this.backlogBytes + this.socket.writableLength;
  }

  /** True while relayed buffers are still referenced: waiting, or written and not all sent. */
  sending(): boolean {
    return this.backlogBytes > 0 || this.socket.writableLength > 0;
  }

  /** A ping can go out now: open, and not in the middle of a relayed frame (data is flowing then). */
  canPing(): boolean {
    return !this.closeSent && !this.frameOpen && this.writable();
  }

  ping(): void {
    if (!this.closeSent) this.control(controlFrame(Opcode.ping, EMPTY, this.masks));
  }

  pong(payload: Buffer): void {
    if (!this.closeSent) this.control(controlFrame(Opcode.pong, payload, this.masks));
  }

  /** Start (or answer) the close handshake; the socket is cut if the peer does not finish it. */
  close(code: number, reason: string | Buffer): void {
    if (this.closeSent || !this.writable()) return;
    this.closeSent = true;
    this.control(controlFrame(Opcode.close, closePayload(code, reason), this.masks));
    this.closeTimer = setTimeout(() => this.terminate(), CLOSE_TIMEOUT_MS);
    this.closeTimer.unref();
  }

  /** The peer's close frame arrived: echo its code if we had not closed yet (RFC 6455 §5.5.1). */
  peerClosed(code: number, reason: Buffer): void {
    this.closeReceived = true;
    if (!this.closeSent) this.close(code, reason);
    else if (this.closeWritten) this.end();
  }

  /** Close right away on a protocol error: the close frame if one can go out now, then the socket. */
  fail(code: number, reason: string): void {
    if (this.frameOpen) return this.terminate();
    this.closeReceived = true; // nothing more is read from this peer, so do not wait for its answer
    this.close(code, reason);
  }

  terminate(): void {
    this.socket.destroy();
  }

  private writable(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded;
  }

  /** Everything relayed so far, gathered copies first, in one write where possible. */
  private writeNow(): void {
    const chunk = this.pendingChunk;
    this.pendingChunk = null;
    if (chunk === null) return this.writeGathered();
    this.socket.cork(); // gathered bytes and this range in one writev
    this.writeGathered();
    this.write(chunk.subarray(this.pendingStart, this.pendingEnd));
    this.socket.uncork();
  }

  private readonly writeGathered = (): void => {
    if (this.gatherTimer !== null) clearTimeout(this.gatherTimer);
    this.gatherTimer = null;
    const parts = this.gathered;
    const bytes = this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    if (bytes > 0) this.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, bytes));
  };

  /** Every byte for the peer goes through here, in order. */
  private write(bytes: Buffer): void {
    if (!this.writable()) return;
    this.lastWriteAt = performance.now();
    if (this.backlogBytes === 0 && this.socket.writableLength < WRITE_BATCH_BYTES) {
      this.socket.write(bytes);
      return;
    }
    // Over a batch in flight means write() returned false, so 'drain' follows once it is all taken.
    if (this.backlogBytes === 0) this.socket.once('drain', this.writeBacklog);
    this.backlog.push(bytes);
    this.backlogBytes += bytes.length;
  }

  private readonly writeBacklog = (): void => {
    if (!this.writable()) return;
    this.socket.cork();
    let next = 0;
    while (next < this.backlog.length && this.socket.writableLength < WRITE_BATCH_BYTES) {
      const bytes = this.backlog[next++] as Buffer;
      this.backlogBytes -= bytes.length;
      this.socket.write(bytes);
    }
    this.backlog = this.backlog.slice(next);
    this.socket.uncork();
    if (this.backlogBytes > 0) this.socket.once('drain', this.writeBacklog);
    else if (this.endWhenWritten) this.socket.end();
  };

  /** End the connection once everything for the peer is written. */
  private end(): void {
    if (!this.writable()) return;
    if (this.backlogBytes > 0) this.endWhenWritten = true;
    else this.socket.end();
  }

  private control(frame: Buffer): void {
    this.waiting.push(frame);
    if (!this.frameOpen) this.writeWaiting();
  }

  private writeWaiting(): void {
    this.writeNow();
    if (!this.writable()) return;
    for (const frame of this.waiting) this.write(frame);
    this.waiting = [];
    if (!this.closeSent) return;
    this.closeWritten = true;
    // Both close frames crossed: the handshake is over, end the connection (RFC 6455 §7.1.1).
    if (this.closeReceived) this.end();
  }
}
