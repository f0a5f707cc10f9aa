/**
 * The gateway's /ws fan-out: 1,000 sockets share one clientId (tabs of one client, which all get
 * that client's events), one prompt with many progress steps runs, and every socket receives
 * every event of it. Also the service's memory per idle connected socket.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { backendsUp, repeated, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { median } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';

const CLIENTS = 1000;
const CONNECT_BATCH = 100;

interface Watcher {
  readonly ws: WebSocket;
  frames: number;
  /** Resolves when this socket saw `executing {node: null}` for the prompt set in `expect`. */
  done: Promise<void>;
  expect(promptId: string): void;
}

function watch(ws: WebSocket): Watcher {
  let promptId = '';
  let finish: () => void = () => undefined;
  const watcher: Watcher = {
    ws,
    frames: 0,
    done: Promise.resolve(),
    expect: (id) => {
      promptId = id;
    },
  };
  watcher.done = new Promise<void>((resolve) => (finish = resolve));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    watcher.frames += 1;
    // Only the last frame of a prompt needs reading: `{"type":"executing","data":{"node":null,…}}`.
    if (isBinary || data.length > 200 || promptId === '') return;
    const text = data.toString('utf8');
    if (text.includes('"executing"') && text.includes('"node":null') && text.includes(promptId)) finish();
  });
  return watcher;
}

async function connectAll(url: string, count: number): Promise<Watcher[]> {
  const watchers: Watcher[] = [];
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, async () => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        // The hub greets every socket with a status frame; after it, the socket is registered.
        await new Promise<void>((resolve, reject) => (ws.once('message', () => resolve()), ws.once('error', reject)));
        return watch(ws);
      }),
    );
    watchers.push(...batch);
  }
  return watchers;
}

async function closeAll(watchers: readonly Watcher[]): Promise<void> {
  await Promise.all(
    watchers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.ws.readyState === WebSocket.CLOSED) return resolve();
          w.ws.once('close', () => resolve());
          w.ws.close();
        }),
    ),
  );
}

/**
 * Each repetition runs on a fresh service process: in one that has already served other
 * scenarios, the new sockets reuse heap the earlier work freed, and RSS hides what they cost.
 */
export async function fanoutScenarios(ctx: BenchContext, fake: FakeProcess): Promise<ScenarioRow[]> {
  const steps = ctx.size(300, 100);
  const perClient: number[] = [];
  const cpuPerFrame: number[] = [];
  await fake.call({ cmd: 'steps', classType: 'PreviewAny', steps });
  try {
    const rate = await repeated(`fan-out to ${CLIENTS} sockets, frames/s`, ctx.repeats, async (i) => {
      const service = await ctx.launcher.start({
        label: ctx.profileLabel(`fanout-${i}`),
        args: ['--comfyui', fake.fakes[0]?.url ?? '', '--max-ws-clients', String(CLIENTS * 2)],
      });
      try {
        await backendsUp(service, 1);
        return await fanOutOnce(service, steps, ctx.size(1000, 500), perClient, cpuPerFrame);
      } finally {
        await service.stop();
      }
    });
    return [
      row({ name: `WS fan-out: one prompt (${steps} progress steps) to ${CLIENTS.toLocaleString('en-US')} root /ws clients`, value: rate.value, unit: 'frames/s delivered' }),
      row({ name: 'WS fan-out: service CPU per delivered frame', value: median(cpuPerFrame), unit: 'µs', lowerIsBetter: true }),
      row({ name: 'RSS per idle connected /ws client', value: median(perClient), unit: 'KB', target: 40, lowerIsBetter: true }),
    ];
  } finally {
    await fake.call({ cmd: 'steps', classType: 'PreviewAny', steps: 0 });
  }
}

const settle = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

async function fanOutOnce(service: Service, steps: number, settleMs: number, perClient: number[], cpuPerFrame: number[]): Promise<number> {
  const clientId = `bench-fanout-${randomUUID()}`;
  await settle(settleMs);
  const rssBefore = service.figures().rssBytes;
  const watchers = await connectAll(`${service.wsUrl}/ws?clientId=${clientId}`, CLIENTS);
  try {
    // Let the sockets settle (handshake buffers released) before reading the memory.
    await settle(settleMs);
    perClient.push((service.figures().rssBytes - rssBefore) / 1024 / CLIENTS);
    for (const w of watchers) w.frames = 0;
    const promptId = randomUUID();
    for (const w of watchers) w.expect(promptId);
    const cpuBefore = service.figures().cpuMs;
    const started = performance.now();
    const response = await fetch(`${service.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: { '1': { class_type: 'PreviewAny', inputs: { source: `fan-out ${promptId}` } } }, client_id: clientId, prompt_id: promptId }),
    });
    if (!response.ok) throw new Error(`POST /prompt answered ${response.status}: ${await response.text()}`);
    await Promise.all(watchers.map((w) => w.done));
    const seconds = (performance.now() - started) / 1000;
    const frames = watchers.reduce((sum, w) => sum + w.frames, 0);
    cpuPerFrame.push(((service.figures().cpuMs - cpuBefore) * 1000) / frames);
    return frames / seconds;
  } finally {
    await closeAll(watchers);
  }
}
