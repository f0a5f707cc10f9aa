/**
 * The relay's framing layer on its own: the reader delimits frames however a stream is cut into
 * chunks, hands data frames on as the exact bytes received and decodes control frames; a leg
 * never writes a control frame into the middle of a relayed one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { closePayload, controlFrame, FrameReader, Opcode, readClose } from '../../src/proxy/ws-frames.js';
import { WsLeg } from '../../src/proxy/ws-leg.js';

/** One frame as a client (masked) or a server (unmasked) writes it. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const mask = options.mask ?? true;
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + extended + (mask ? 4 : 0));
  header[0] = ((options.fin ?? true) ? 0x80 : 0) | opcode;
  header[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + extended);
  return Buffer.concat([header, payload.map((byte, i) => byte ^ (key[i & 3] as number))]);
}

interface Read {
  readonly frames: Buffer[];
  readonly controls: { opcode: number; payload: Buffer }[];
  readonly invalid: { code: number; reason: string }[];
}

/** Feed `stream` in chunks of `size` bytes (copied, as reads into one reused buffer would be). */
function read(stream: Buffer, size: number, masked = true): Read {
  const result: Read = { frames: [], controls: [], invalid: [] };
  let current: Buffer[] = [];
  const reader = new FrameReader(masked, {
    data: (chunk, start, end, ends) => {
      current.push(Buffer.from(chunk.subarray(start, end)));
      if (ends) {
        result.frames.push(Buffer.concat(current));
        current = [];
      }
    },
    control: (opcode, payload) => result.controls.push({ opcode, payload: Buffer.from(payload) }),
    invalid: (code, reason) => result.invalid.push({ code, reason }),
  });
  const scratch = Buffer.alloc(size);
  for (let at = 0; at < stream.length; at += size) {
    const n = stream.copy(scratch, 0, at, at + size);
    reader.push(scratch.subarray(0, n));
    scratch.fill(0xee); // the next read overwrites the buffer: nothing may still point into it
  }
  return result;
}

test('data frames come out as the exact bytes received, however the stream is cut; control frames are decoded', () => {
  const data: Buffer[] = [
    frame(Opcode.text, Buffer.from('{"type":"status"}')),
    frame(Opcode.binary, randomBytes(300)), // 16-bit length
    frame(Opcode.binary, Buffer.alloc(0)),
    frame(Opcode.text, Buffer.from('frag'), { fin: false }),
    frame(Opcode.continuation, Buffer.from('mented'), { fin: false }),
    frame(Opcode.continuation, Buffer.from('!')),
    frame(Opcode.binary, randomBytes(70_000)), // 64-bit length
  ];
  const [status, preview, empty, first, middle, last, large] = data as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  const stream = Buffer.concat([
    status,
    preview,
    frame(Opcode.ping, Buffer.from('are you there')),
    empty,
    first,
    frame(Opcode.pong, Buffer.from('yes')), // control frames may come between fragments
    middle,
    last,
    large,
    frame(Opcode.close, closePayload(4000, 'bye')),
  ]);
  for (const size of [1, 2, 3, 5, 13, 125, 4096, 65536, stream.length]) {
    const result = read(stream, size);
    assert.deepEqual(result.invalid, [], `chunks of ${size}`);
    assert.deepEqual(result.frames, data, `chunks of ${size}`);
    assert.deepEqual(
      result.controls.map((c) => [c.opcode, c.payload]),
      [
        [Opcode.ping, Buffer.from('are you there')],
        [Opcode.pong, Buffer.from('yes')],
        [Opcode.close, closePayload(4000, 'bye')],
      ],
    );
  }
  const close = readClose(closePayload(4000, 'bye'));
  assert.equal(close?.code, 4000);
  assert.equal(close?.reason.toString(), 'bye');
});

test('the reader refuses what a relay must not pass on', () => {
  const payload = Buffer.from('x');
  // [stream, from a client, close code, reason]; only the frames before the bad one pass.
  const cases: [Buffer, boolean, number, RegExp, number?][] = [
    [frame(Opcode.text, payload, { mask: false }), true, 1002, /unmasked/],
    [frame(Opcode.text, payload), false, 1002, /masked frame from a server/],
    [Buffer.from([0xc1, 0x80, 0, 0, 0, 0]), true, 1002, /RSV/], // RSV1: deflate was never negotiated
    [frame(3, payload), true, 1002, /opcode 3/],
    [frame(Opcode.ping, payload, { fin: false }), true, 1002, /fragmented control/],
    [frame(Opcode.ping, Buffer.alloc(126)), true, 1002, /longer than 125/],
    [frame(Opcode.continuation, payload), true, 1002, /continuation/],
    [Buffer.concat([frame(Opcode.text, payload, { fin: false }), frame(Opcode.binary, payload)]), true, 1002, /fragmented one/, 1],
    [Buffer.from([0x82, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), true, 1009, /too large/],
  ];
  for (const [stream, masked, code, reason, passed = 0] of cases) {
    const result = read(stream, 1, masked);
    assert.equal(result.invalid.length, 1, String(reason));
    assert.equal(result.invalid[0]?.code, code);
    assert.match(result.invalid[0]?.reason ?? '', reason);
    assert.equal(result.frames.length, passed);
  }
  assert.equal(readClose(Buffer.from([0x03])), null, 'a 1-byte close payload');
  assert.equal(readClose(Buffer.from([0x03, 0xee])), null, '1006 may not be sent');
  assert.deepEqual(readClose(Buffer.alloc(0))?.code, 1005);
});

/** A leg writing into a PassThrough, and everything written so far. */
function legOnStream(masks: boolean): { leg: WsLeg; written: () => Buffer } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  return { leg: new WsLeg(stream, masks), written: () => Buffer.concat(parts) };
}

test('a control frame due in the middle of a relayed frame waits for its last byte; nothing follows our close', async () => {
  const { leg, written } = legOnStream(false);
  const big = frame(Opcode.binary, randomBytes(40_000), { mask: false });
  const half = 20_000;
  leg.relay(big, 0, half, false);
  leg.flush();
  leg.ping();
  leg.close(1001, 'going away');
  leg.relay(big, half, big.length, true); // completes the frame: ping and close go out after it
  leg.relay(big, 0, big.length, true); // a new frame after our close: dropped
  leg.flush();
  await new Promise((resolve) => setImmediate(resolve));
  const ping = controlFrame(Opcode.ping, Buffer.alloc(0), false);
  const close = controlFrame(Opcode.close, closePayload(1001, 'going away'), false);
  assert.deepEqual(written(), Buffer.concat([big, ping, close]));
});

test('frames a leg writes towards a server are masked', () => {
  const masked = controlFrame(Opcode.close, closePayload(1000, 'done'), true);
  assert.equal((masked[1] as number) & 0x80, 0x80);
  const result = read(masked, 4, true);
  assert.deepEqual(result.invalid, []);
  assert.deepEqual(result.controls, [{ opcode: Opcode.close, payload: closePayload(1000, 'done') }]);
});

test('a leg hands a slow socket about 1 MB at a time and keeps the rest itself, in order', async () => {
  const stream = new PassThrough();
  const leg = new WsLeg(stream, false);
  const chunk = randomBytes(64 * 1024);
  const frameBytes = frame(Opcode.binary, Buffer.alloc(0), { mask: false });
  const total = 64; // 4 MB of relayed bytes, nobody reading yet
  for (let i = 0; i < total; i++) {
    leg.relay(chunk, 0, chunk.length, false);
    leg.flush();
  }
  leg.relay(frameBytes, 0, frameBytes.length, true);
  leg.flush();
  assert.equal(leg.queued(), total * chunk.length + frameBytes.length);
  assert.ok(stream.writableLength <= 1024 * 1024 + chunk.length, `${stream.writableLength} bytes handed to the socket at once`);
  const expected = Buffer.concat([...Array.from({ length: total }, () => chunk), frameBytes]);
  const parts: Buffer[] = [];
  let received = 0;
  await new Promise<void>((resolve) => {
    stream.on('data', (part: Buffer) => {
      parts.push(part);
      received += part.length;
      if (received === expected.length) resolve();
    });
  });
  assert.deepEqual(Buffer.concat(parts), expected);
  assert.equal(leg.queued(), 0);
});
