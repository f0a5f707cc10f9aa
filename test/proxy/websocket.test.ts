/**
 * The WebSocket side of the proxy over real sockets: frames both ways byte for byte and in order,
 * frames held while the upstream opens, close codes both ways, unreachable upstream, slow and dead
 * peers, and shutdown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { startTestApp } from '../helpers/app.js';
import { freePort } from './helpers.js';
import { framesArrived, openClient, record, startWsUpstream, type Frame } from './ws-helpers.js';

/** Every test waits on events, never on sleeps; a regression fails here instead of hanging the run. */
const LIMIT = { timeout: 60_000 };

async function setup(t: test.TestContext, flags: string[] = [], upstreamOptions: { autoPong?: boolean } = {}) {
  const upstream = await startWsUpstream(upstreamOptions);
  t.after(() => upstream.close());
  const app = await startTestApp(['--comfyui', upstream.url, ...flags]);
  t.after(() => app.close());
  return { upstream, app };
}

const frame = (data: Buffer | string, binary: boolean): Frame => ({ data: Buffer.from(data), binary });

test('frames cross both ways byte for byte, in order, text/binary kept; query and subprotocol offer forwarded', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  for (const path of ['/comfyui/ws', '/comfyui/api/ws']) {
    const client = await openClient(`${app.wsUrl}${path}?clientId=abc%2Fdef&x=1`, { headers: { 'Sec-WebSocket-Protocol': 'comfy.v1, other' } });
    const fromUpstream = record(client);
    const sent: Frame[] = [
      frame(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }), false),
      frame(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), true),
      frame('ünïcødé ✓ text', false),
      frame(Buffer.alloc(0), true),
      frame(Buffer.alloc(1024 * 1024, 0xab), true),
      frame('last', false),
    ];
    for (const f of sent) client.send(f.data, { binary: f.binary });
    const peer = await upstream.nextPeer();
    assert.equal(peer.url, `${path.slice('/comfyui'.length)}?clientId=abc%2Fdef&x=1`);
    assert.equal(peer.headers['sec-websocket-protocol'], 'comfy.v1, other');
    assert.equal(peer.headers.origin, undefined);
    assert.ok(String(peer.headers['x-forwarded-for']).includes('127.0.0.1'));
    await framesArrived(peer.ws, peer.frames, sent.length);
    assert.deepEqual(peer.frames, sent);

    const replies: Frame[] = [frame('{"type":"status"}', false), frame(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2, 0xff]), true), frame('', false)];
    for (const f of replies) peer.ws.send(f.data, { binary: f.binary });
    await framesArrived(client, fromUpstream.frames, replies.length);
    assert.deepEqual(fromUpstream.frames, replies);
    client.close();
    await peer.closed;
  }
});

test('frames sent before the upstream has accepted are held and delivered in order', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  const hold = upstream.holdHandshakes();
  const client = await openClient(`${app.wsUrl}/comfyui/ws?clientId=early`);
  await hold.waiting;
  const sent = Array.from({ length: 20 }, (_, i) => frame(i % 2 === 0 ? `text ${i}` : Buffer.from([i, i, i]), i % 2 === 1));
  for (const f of sent) client.send(f.data, { binary: f.binary });
  // The pong comes back only after the proxy has read every frame sent before the ping.
  await new Promise<void>((resolve) => {
    client.once('pong', () => resolve());
    client.ping();
  });
  hold.release();
  const peer = await upstream.nextPeer();
  await framesArrived(peer.ws, peer.frames, sent.length);
  assert.deepEqual(peer.frames, sent);
});

test('too much data before the upstream opens → the client is closed with 1008', LIMIT, async (t) => {
  const { upstream, app } = await setup(t, ['--ws-max-buffer', '0.01']);
  const hold = upstream.holdHandshakes();
  t.after(() => hold.release());
  const client = await openClient(`${app.wsUrl}/comfyui/ws`);
  const { closed } = record(client);
  await hold.waiting;
  for (let i = 0; i < 4; i++) client.send(Buffer.alloc(4096, i));
  const { code, reason } = await closed;
  assert.equal(code, 1008);
  assert.match(reason, /before the backend connection opened/);
});

test('close codes and reasons propagate both ways', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);

  const a = await openClient(`${app.wsUrl}/comfyui/ws`);
  const aPeer = await upstream.nextPeer();
  a.close(4001, 'client says bye');
  assert.deepEqual(await aPeer.closed, { code: 4001, reason: 'client says bye' });

  const b = await openClient(`${app.wsUrl}/comfyui/ws`);
  const bClosed = record(b).closed;
  const bPeer = await upstream.nextPeer();
  bPeer.ws.close(4002, 'server says later');
  assert.deepEqual(await bClosed, { code: 4002, reason: 'server says later' });

  const c = await openClient(`${app.wsUrl}/comfyui/ws`);
  const cClosed = record(c).closed;
  (await upstream.nextPeer()).ws.close(1000, 'done');
  assert.deepEqual(await cClosed, { code: 1000, reason: 'done' });

  // A close frame without a code is relayed as one: the client reads 1005, as it would directly.
  const d = await openClient(`${app.wsUrl}/comfyui/ws`);
  const dClosed = record(d).closed;
  (await upstream.nextPeer()).ws.close();
  assert.equal((await dClosed).code, 1005);
});

test('upstream vanishing (no close frame) → client closed with 1011; client vanishing → upstream closed with 1001', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  const a = await openClient(`${app.wsUrl}/comfyui/ws`);
  const aClosed = record(a).closed;
  (await upstream.nextPeer()).ws.terminate();
  const lost = await aClosed;
  assert.equal(lost.code, 1011);
  assert.match(lost.reason, /ComfyUI backend/);

  const b = await openClient(`${app.wsUrl}/comfyui/ws`);
  const bPeer = await upstream.nextPeer();
  b.terminate();
  assert.deepEqual(await bPeer.closed, { code: 1001, reason: 'client went away' });
});

test('upstream unreachable or refusing the upgrade → the client gets 1014 with a reason', LIMIT, async (t) => {
  const port = await freePort();
  const app = await startTestApp(['--comfyui', `http://127.0.0.1:${port}`]);
  t.after(() => app.close());
  const client = await openClient(`${app.wsUrl}/comfyui/ws?clientId=x`);
  const { code, reason } = await record(client).closed;
  assert.equal(code, 1014);
  assert.match(reason, /unreachable.*ECONNREFUSED/);

  // An upstream answering the upgrade with a plain HTTP error (like ComfyUI's 403 origin check).
  const upstream = await startWsUpstream();
  t.after(() => upstream.close());
  const other = await startTestApp(['--comfyui', upstream.url]);
  t.after(() => other.close());
  const refused = await openClient(`${other.wsUrl}/comfyui/forbidden/ws`);
  const outcome = await record(refused).closed;
  assert.equal(outcome.code, 1014);
  assert.match(outcome.reason, /403/);
});

test('a client too slow to read is closed with 1013 at --ws-max-buffer and its upstream released', LIMIT, async (t) => {
  const { upstream, app } = await setup(t, ['--ws-max-buffer', '1']);
  const client = await openClient(`${app.wsUrl}/comfyui/ws`);
  let received = 0;
  client.on('message', (data: Buffer) => (received += data.length));
  const clientClosed = record(client).closed;
  const peer = await upstream.nextPeer();
  client.pause(); // stop reading: the proxy's send buffer to this client must fill up

  const chunk = Buffer.alloc(256 * 1024, 1);
  let sent = 0;
  const flood = (): void => {
    while (peer.ws.readyState === WebSocket.OPEN && peer.ws.bufferedAmount < 4 * 1024 * 1024) {
      peer.ws.send(chunk);
      sent += chunk.length;
    }
    if (peer.ws.readyState === WebSocket.OPEN) setImmediate(flood);
  };
  flood();
  assert.equal((await peer.closed).code, 1001, 'the upstream connection is released');
  client.resume();
  const { code, reason } = await clientClosed;
  assert.equal(code, 1013);
  assert.match(reason, /too slow/);
  assert.ok(received < sent, 'the proxy dropped what the client could not take');
});

test('an upstream not reading makes the proxy stop reading the client, and nothing is lost when it resumes', LIMIT, async (t) => {
  const { upstream, app } = await setup(t, ['--ws-max-buffer', '1']);
  const client = await openClient(`${app.wsUrl}/comfyui/ws`);
  const peer = await upstream.nextPeer();
  peer.ws.pause(); // the upstream stops reading
  const chunk = Buffer.alloc(256 * 1024, 3);
  let sent = 0;
  // Backpressure has reached the client once its own send buffer holds megabytes: the proxy
  // (bounded at 1 MB per direction) stopped reading it instead of buffering everything.
  while (client.bufferedAmount < 8 * 1024 * 1024 && sent < 400) {
    client.send(chunk);
    sent += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(client.bufferedAmount >= 8 * 1024 * 1024, `the proxy kept reading ${sent} frames of 256 KB`);
  assert.ok(peer.frames.length < sent);
  peer.ws.resume();
  await framesArrived(peer.ws, peer.frames, sent);
  assert.equal(peer.frames.length, sent);
  assert.ok(peer.frames.every((f) => f.binary && f.data.equals(chunk)));
});

test('pings keep healthy peers connected and drop a peer that stops answering', LIMIT, async (t) => {
  const { upstream, app } = await setup(t, ['--ws-ping-interval', '50']);

  const healthy = await openClient(`${app.wsUrl}/comfyui/ws`);
  const healthyPeer = await upstream.nextPeer();
  await new Promise<void>((resolve) => {
    let clientPings = 0;
    let upstreamPings = 0;
    const check = (): void => (clientPings >= 3 && upstreamPings >= 3 ? resolve() : undefined);
    healthy.on('ping', () => void (clientPings++, check()));
    healthyPeer.ws.on('ping', () => void (upstreamPings++, check()));
  });
  assert.equal(healthy.readyState, WebSocket.OPEN);

  // A client that never answers pings (a dead peer) is dropped; its upstream is closed.
  const silent = await openClient(`${app.wsUrl}/comfyui/ws`, { autoPong: false });
  const silentClosed = record(silent).closed;
  const silentPeer = await upstream.nextPeer();
  assert.equal((await silentClosed).code, 1006);
  assert.equal((await silentPeer.closed).code, 1001);
  assert.equal(healthy.readyState, WebSocket.OPEN);
});

test('an upstream that stops answering pings is dropped and the client told with 1011', LIMIT, async (t) => {
  const { upstream, app } = await setup(t, ['--ws-ping-interval', '50'], { autoPong: false });
  const client = await openClient(`${app.wsUrl}/comfyui/ws`);
  const closed = record(client).closed;
  await upstream.nextPeer();
  const { code, reason } = await closed;
  assert.equal(code, 1011);
  assert.match(reason, /stopped answering pings/);
});

test('closing the service closes relayed sockets with 1001', LIMIT, async (t) => {
  const { upstream, app } = await setup(t);
  const client = await openClient(`${app.wsUrl}/comfyui/ws`);
  const clientClosed = record(client).closed;
  const peer = await upstream.nextPeer();
  await app.close();
  assert.deepEqual(await clientClosed, { code: 1001, reason: 'server shutting down' });
  assert.equal((await peer.closed).code, 1001);
});
