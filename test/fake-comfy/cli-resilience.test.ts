/**
 * The fake as `npm run fake-comfyui` runs it (its own process), behind the service's
 * /comfyui/ws proxy: a client's bad frames close that client's socket as aiohttp does, and the
 * fake stays up for everyone else.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { startTestApp } from '../helpers/app.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { ROOT } from '../main/service.js';

interface FakeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
}

async function startFakeProcess(t: TestContext): Promise<FakeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fake-comfy/cli.ts', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`fake exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url, exited };
}

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket): Promise<number> =>
  new Promise((resolve) => {
    ws.on('error', () => undefined); // the close code is what the test reads
    ws.once('close', (code) => resolve(code));
  });

/** A status frame, which both ComfyUI and the fake send first on every new socket. */
const firstFrame = (ws: WebSocket): Promise<string> =>
  new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.once('close', (code) => reject(new Error(`closed (${code}) before its first frame`)));
  });

/** The fake answers HTTP itself (not through the service). */
async function assertAlive(fake: FakeProcess, what: string): Promise<void> {
  const stats = await fetch(`${fake.url}/system_stats`).catch((err: unknown) => new Error(`${what}: the fake does not answer: ${String(err)}`));
  if (stats instanceof Error) throw stats;
  assert.equal(stats.status, 200, what);
  assert.equal(fake.child.exitCode, null, `${what}: the fake process is still running`);
}

test('a text frame with invalid UTF-8 through /comfyui/ws closes that socket with 1007 and the fake stays up', async (t) => {
  const fake = await startFakeProcess(t);
  const app = await startTestApp(['--comfyui', fake.url]);
  t.after(() => app.close());
  await waitForBackendsUp(app.url);

  const bad = await open(`${app.wsUrl}/comfyui/ws?clientId=bad`);
  await firstFrame(bad);
  const code = closed(bad);
  bad.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.equal(await code, 1007);
  await assertAlive(fake, 'after invalid UTF-8');

  // A raw connection to the fake reset mid-handshake must not kill it either.
  const port = Number(new URL(fake.url).port);
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
      socket.resetAndDestroy();
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });

  const good = await open(`${app.wsUrl}/comfyui/ws?clientId=good`);
  t.after(() => good.close());
  assert.match(await firstFrame(good), /"type":\s*"status"/);
  await assertAlive(fake, 'after a reset handshake');
});
