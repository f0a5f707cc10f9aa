import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import type { App } from '../../src/app.js';
import { errorOf, request, rowCounts, startCustomApp, tryUpgrade } from './helpers.js';

/** A throwaway endpoint whose server side reports each socket's close. */
function echoEndpoint(closed: (() => void)[]): (app: App) => void {
  return (app) => {
    const wss = new WebSocketServer({ noServer: true });
    // Like the gateway's hub: open sockets would keep the server from closing.
    app.http.addHook('preClose', async () => {
      for (const client of wss.clients) client.terminate();
    });
    app.upgrades.add(
      (p) => p === '/test-socket',
      (req, socket, head) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('close', () => closed.shift()?.());
          ws.on('message', (data) => ws.send(data));
        }),
    );
  };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  return ws;
}

/**
 * A /ws client and the first frame it receives (ComfyUI sends `status` on connect). The listener
 * is attached before the handshake ends: that frame may arrive with the 101.
 */
async function openHub(url: string): Promise<{ ws: WebSocket; first: Promise<{ type: string }> }> {
  const ws = new WebSocket(url);
  const first = once(ws, 'message').then(([data]) => JSON.parse(String(data)) as { type: string });
  first.catch(() => undefined);
  await once(ws, 'open');
  return { ws, first };
}

test('past --max-ws-clients, upgrades are refused with 503 and the reason; a closed socket frees its place', async (t) => {
  const closed: (() => void)[] = [];
  const service = await startCustomApp(['--max-ws-clients', '2'], { setup: echoEndpoint(closed) });
  t.after(() => service.close());
  const ws = `ws://127.0.0.1:${service.port}`;
  const first = await open(`${ws}/test-socket`);
  const second = await open(`${ws}/ws?clientId=c2`);
  t.after(() => {
    first.terminate();
    second.terminate();
  });
  for (const target of ['/test-socket', '/ws', '/comfyui/ws']) {
    const refused = await tryUpgrade(`${service.url}${target}`);
    assert.equal(refused.upgraded, false, target);
    if (!refused.upgraded) {
      assert.equal(refused.status, 503);
      assert.match(errorOf(refused.body).message, /Too many WebSocket clients: the limit is 2/);
    }
  }
  const serverSawClose = new Promise<void>((resolve) => closed.push(resolve));
  first.close();
  await serverSawClose;
  const third = await open(`${ws}/test-socket`);
  t.after(() => third.terminate());
  third.send('still echoing');
  const [echo] = (await once(third, 'message')) as [Buffer];
  assert.equal(echo.toString(), 'still echoing');
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'HTTP unaffected by the cap');
});

/**
 * The status code of the close frame the server sends on a raw socket after a 101 (the frames
 * before it, like ComfyUI's `status`, are skipped). Server frames are never masked.
 */
function serverCloseCode(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!/^HTTP\/1\.1 101 /.test(buffered.toString('latin1', 0, end))) return reject(new Error('not upgraded'));
        upgraded = true;
        buffered = buffered.subarray(end + 4);
      }
      while (buffered.length >= 2) {
        const opcode = (buffered[0] ?? 0) & 0x0f;
        let length = (buffered[1] ?? 0) & 0x7f;
        let offset = 2;
        if (length === 126) [length, offset] = [buffered.readUInt16BE(2), 4];
        else if (length === 127) [length, offset] = [Number(buffered.readBigUInt64BE(2)), 10];
        if (buffered.length < offset + length) return;
        if (opcode === 0x8) return resolve(buffered.readUInt16BE(offset));
        buffered = buffered.subarray(offset + length);
      }
    });
  });
}

test('the gateway /ws survives garbage, oversized frames and junk text, and keeps serving others', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const before = await rowCounts(service.dataDir);
  const ws = `ws://127.0.0.1:${service.port}/ws`;

  // Garbage after a valid handshake (not WebSocket frames at all), and an unmasked client frame:
  // both protocol errors, closed with 1002.
  for (const [label, bytes] of [
    ['garbage', [0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37, 0x42, 0x99, 0x01, 0x02, 0x03]],
    ['unmasked frame', [0x81, 0x02, 0x68, 0x69]],
  ] as const) {
    const raw = net.connect(service.port, '127.0.0.1');
    raw.write(
      'GET /ws?clientId=raw HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const closeCode = serverCloseCode(raw);
    raw.write(Buffer.from(bytes));
    assert.equal(await closeCode, 1002, label);
    raw.destroy();
  }

  // A frame over the hub's limit: closed with 1009, not buffered.
  const { ws: big, first: bigFirst } = await openHub(`${ws}?clientId=big`);
  await bigFirst;
  const bigClosed = once(big, 'close');
  big.send('x'.repeat(1024 * 1024));
  const [bigCode] = (await bigClosed) as [number];
  assert.equal(bigCode, 1009);

  // Junk text and binary are ignored, as ComfyUI ignores them: the socket stays open.
  const { ws: junk, first: junkFirst } = await openHub(`${ws}?clientId=junk`);
  t.after(() => junk.terminate());
  await junkFirst;
  junk.send('not json {');
  junk.send(Buffer.from([1, 2, 3]));
  junk.send(JSON.stringify({ type: 'feature_flags', data: 'not an object' }));
  junk.ping();
  await once(junk, 'pong');
  assert.equal(junk.readyState, WebSocket.OPEN);

  const { ws: fresh, first: freshFirst } = await openHub(`${ws}?clientId=fresh`);
  t.after(() => fresh.terminate());
  assert.equal((await freshFirst).type, 'status', 'a new client is served');
  assert.equal((await request(`${service.url}/automa/health`)).status, 200, 'still serving HTTP');
  assert.deepEqual(await rowCounts(service.dataDir), before, 'nothing written');
});

test('upgrades to paths without a WebSocket endpoint get 404, not a dropped socket', async (t) => {
  const service = await startCustomApp([]);
  t.after(() => service.close());
  const result = await tryUpgrade(`${service.url}/automa/db`);
  assert.equal(result.upgraded === false && result.status, 404);
});
