/**
 * The WebSocket relay at the protocol level, over raw sockets: what an upstream sends together
 * with its 101 response is relayed, and a client breaking the protocol is failed with 1002 (the
 * upstream is told the same) instead of having its frames passed on.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { startTestApp } from '../helpers/app.js';
import { openClient, record, startWsUpstream } from './ws-helpers.js';

const LIMIT = { timeout: 60_000 };
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Everything up to the end of an HTTP head, and the bytes after it. */
function readHead(socket: net.Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      resolve({ head: buffered.toString('latin1', 0, end), rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** `first` plus what the socket reads next, once there are at least `count` bytes. */
function readAtLeast(socket: net.Socket, first: Buffer, count: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let bytes = first;
    const check = (): void => {
      if (bytes.length >= count) return resolve(bytes);
      socket.once('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        check();
      });
    };
    check();
  });
}

test('frames an upstream sends in the same packet as its 101 reach the client', LIMIT, async (t) => {
  // A hand-written upstream: the 101 and a first frame leave in one write, as aiohttp may send them.
  const server = net.createServer(async (socket) => {
    const { head } = await readHead(socket);
    const key = /sec-websocket-key: (\S+)/i.exec(head)?.[1] ?? '';
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    const hello = Buffer.from('{"type":"status"}');
    socket.write(
      Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
        Buffer.from([0x81, hello.length]),
        hello,
      ]),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const app = await startTestApp(['--comfyui', `http://127.0.0.1:${port}`]);
  t.after(() => app.close());
  const client = await openClient(`${app.wsUrl}/comfyui/ws`);
  const [data, binary] = await new Promise<[Buffer, boolean]>((resolve) => client.once('message', (d: Buffer, b) => resolve([d, b])));
  assert.equal(data.toString(), '{"type":"status"}');
  assert.equal(binary, false);
  client.terminate();
});

test('a client sending an unmasked frame is closed with 1002, and so is its upstream', LIMIT, async (t) => {
  const upstream = await startWsUpstream();
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1');
  t.after(() => socket.destroy());
  socket.write(
    'GET /comfyui/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  const { head, rest } = await readHead(socket);
  assert.match(head, /^HTTP\/1\.1 101 /);
  assert.match(head, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
  const peer = await upstream.nextPeer();
  const reply = readAtLeast(socket, rest, 4);
  socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // "hi", not masked: clients must mask
  const close = await reply;
  assert.equal(close[0], 0x88, 'a close frame');
  assert.equal(close.readUInt16BE(2), 1002);
  assert.equal((await peer.closed).code, 1002);
  assert.deepEqual(peer.frames, [], 'nothing of the bad frame was passed on');
});

test('a client offering compression gets none, and its frames still cross', LIMIT, async (t) => {
  const upstream = await startWsUpstream();
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => app.close());
  const client = await openClient(`${app.wsUrl}/comfyui/ws`, { perMessageDeflate: true });
  assert.equal(client.extensions, '');
  const peer = await upstream.nextPeer();
  assert.equal(peer.headers['sec-websocket-extensions'], undefined, 'nothing offered upstream either');
  client.send(Buffer.alloc(10_000, 7));
  const closed = record(client).closed;
  await new Promise<void>((resolve) => peer.ws.once('message', () => resolve()));
  peer.ws.close(1000, 'done');
  assert.deepEqual(await closed, { code: 1000, reason: 'done' });
});
