import { randomFillSync } from 'node:crypto';

/**
 * WebSocket framing (RFC 6455 §5) as far as a relay needs it: data frames are only delimited,
 * never decoded or copied, so their bytes (client masking included) cross unchanged; control
 * frames are decoded, because each leg answers its own pings and runs its own close handshake.
 */

export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** What a FrameReader reports. Buffers handed over are valid only during the call. */
export interface FrameEvents {
  /** `chunk[start, end)` is part of one data frame, header included; `ends` if it completes that frame. */
  data(chunk: Buffer, start: number, end: number, ends: boolean): void;
  /** A complete control frame, payload unmasked. */
  control(opcode: number, payload: Buffer): void;
  /** The peer broke the protocol; the reader ignores everything after. */
  invalid(code: number, reason: string): void;
}

const MAX_HEADER = 14;
/** 2^53: the largest payload length a JS number holds exactly (as `ws`, larger is refused). */
const MAX_LENGTH_HIGH = 0x1fffff;

/**
 * Splits a byte stream into frames. Headers are validated (RSV bits, opcodes, masking as the
 * peer's role requires, control frame rules, fragmentation order); payloads of data frames are
 * reported as ranges of the chunks they arrived in, so relaying them copies nothing. Nor is a
 * size limit needed (what `ws` calls maxPayload): a data frame is never held whole, only passed on.
 */
export class FrameReader {
  /** Header bytes when a header is split across chunks (rare); otherwise it is read in place. */
  private readonly header = Buffer.alloc(MAX_HEADER);
  private headerHave = 0;
  /** Payload bytes still to come of the current frame; -1 while reading a header. */
  private remaining = -1;
  private opcode = 0;
  /** Mask key of the current frame (copied: the chunk it came in may be reused by the next read). */
  private readonly maskKey = Buffer.alloc(4);
  private isMasked = false;
  private control: Buffer | null = null;
  private controlHave = 0;
  /** A message sent in fragments is open: only continuation (and control) frames may follow. */
  private fragmented = false;
  private stopped = false;

  /** `masked`: the peer is a client, whose frames must be masked (a server's must not be). */
  constructor(
    private readonly masked: boolean,
    private readonly events: FrameEvents,
  ) {}

  /** Stop reading: what follows a close frame or a protocol error is ignored. */
  stop(): void {
    this.stopped = true;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.stopped) {
      if (this.remaining < 0) {
        at = this.readHeader(chunk, at);
        continue;
      }
      const end = at + Math.min(this.remaining, chunk.length - at);
      this.remaining -= end - at;
      if (this.control === null) this.events.data(chunk, at, end, this.remaining === 0);
      else this.controlHave += chunk.copy(this.control, this.controlHave, at, end);
      at = end;
      if (this.remaining === 0) this.endFrame();
    }
  }

  /** Reads (part of) a header starting at `at`; returns where its bytes end in `chunk`. */
  private readHeader(chunk: Buffer, at: number): number {
    if (this.headerHave === 0 && chunk.length - at >= 2) {
      const size = headerSize(chunk, at);
      if (chunk.length - at >= size) {
        // The usual case: the whole header is in this chunk and goes out from it as it came.
        if (this.startFrame(chunk, at, size) && this.control === null) this.events.data(chunk, at, at + size, this.remaining === 0);
        return this.afterHeader(chunk, at + size);
      }
    }
    // A header split across chunks: gather it in `header`, taking only its own bytes.
    at = this.gather(chunk, at, 2);
    if (this.headerHave < 2) return at;
    const size = headerSize(this.header, 0);
    at = this.gather(chunk, at, size);
    if (this.headerHave < size) return at;
    this.headerHave = 0;
    if (this.startFrame(this.header, 0, size) && this.control === null) {
      this.events.data(Buffer.from(this.header.subarray(0, size)), 0, size, this.remaining === 0);
    }
    return this.afterHeader(chunk, at);
  }

  private gather(chunk: Buffer, at: number, upTo: number): number {
    if (this.headerHave >= upTo) return at;
    const taken = chunk.copy(this.header, this.headerHave, at, Math.min(chunk.length, at + upTo - this.headerHave));
    this.headerHave += taken;
    return at + taken;
  }

  private afterHeader(chunk: Buffer, at: number): number {
    if (this.stopped) return chunk.length;
    if (this.remaining === 0) this.endFrame();
    return at;
  }

  /** Validates a complete header and sets up its frame; false (after `invalid`) if it is refused. */
  private startFrame(bytes: Buffer, at: number, size: number): boolean {
    const b0 = bytes[at] as number;
    const b1 = bytes[at + 1] as number;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let length = b1 & 0x7f;
    if (length === 126) length = bytes.readUInt16BE(at + 2);
    else if (length === 127) {
      const high = bytes.readUInt32BE(at + 2);
      if (high > MAX_LENGTH_HIGH) return this.refuse(1009, 'frame too large');
      length = high * 2 ** 32 + bytes.readUInt32BE(at + 6);
    }
    if ((b0 & 0x70) !== 0) return this.refuse(1002, 'RSV bits set without a negotiated extension');
    if (masked !== this.masked) return this.refuse(1002, this.masked ? 'unmasked frame from a client' : 'masked frame from a server');
    if (opcode >= Opcode.close) {
      if (opcode > Opcode.pong) return this.refuse(1002, `unknown opcode ${opcode}`);
      if (!fin) return this.refuse(1002, 'fragmented control frame');
      if (length > 125) return this.refuse(1002, 'control frame longer than 125 bytes');
      this.control = Buffer.allocUnsafe(length);
      this.controlHave = 0;
    } else {
      if (opcode > Opcode.binary) return this.refuse(1002, `unknown opcode ${opcode}`);
      if (opcode === Opcode.continuation && !this.fragmented) return this.refuse(1002, 'continuation frame without a message');
      if (opcode !== Opcode.continuation && this.fragmented) return this.refuse(1002, 'new message before the fragmented one ended');
      this.fragmented = !fin;
      this.control = null;
    }
    this.opcode = opcode;
    this.isMasked = masked;
    if (masked) bytes.copy(this.maskKey, 0, at + size - 4, at + size);
    this.remaining = length;
    return true;
  }

  private endFrame(): void {
    const payload = this.control;
    this.remaining = -1;
    this.control = null;
    if (payload === null) return;
    if (this.isMasked) applyMask(payload, this.maskKey);
    this.events.control(this.opcode, payload);
  }

  private refuse(code: number, reason: string): false {
    this.stopped = true;
    this.events.invalid(code, reason);
    return false;
  }
}

/** Size of the header starting at `at` (its first two bytes must be there). */
function headerSize(bytes: Buffer, at: number): number {
  const b1 = bytes[at + 1] as number;
  const length = b1 & 0x7f;
  return 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + ((b1 & 0x80) !== 0 ? 4 : 0);
}

function applyMask(payload: Buffer, key: Buffer): void {
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
}

/** One control frame; masked (with a fresh key) when we are the client on that leg. */
export function controlFrame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const frame = Buffer.allocUnsafe(2 + (mask ? 4 : 0) + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = (mask ? 0x80 : 0) | payload.length;
  if (!mask) {
    payload.copy(frame, 2);
    return frame;
  }
  const key = frame.subarray(2, 6);
  randomFillSync(key);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = (payload[i] as number) ^ (key[i & 3] as number);
  return frame;
}

/** A close frame's payload: no code at all for 1005 ("no status"), else code + reason (≤ 123 bytes). */
export function closePayload(code: number, reason: string | Buffer): Buffer {
  if (code === 1005) return Buffer.alloc(0);
  const text = typeof reason === 'string' ? Buffer.from(reason) : reason;
  const payload = Buffer.allocUnsafe(2 + Math.min(text.length, 123));
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2, 0, 123);
  return payload;
}

/** Code and reason of a received close frame, or null if the payload is not a valid one. */
export function readClose(payload: Buffer): { code: number; reason: Buffer } | null {
  if (payload.length === 0) return { code: 1005, reason: payload };
  if (payload.length === 1) return null;
  const code = payload.readUInt16BE(0);
  return receivableCode(code) ? { code, reason: payload.subarray(2) } : null;
}

/** Close codes a peer may send (RFC 6455 §7.4, as `ws` accepts them). */
export function receivableCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}
