/**
 * The WebSocket relay under /comfyui/ws: the fake ComfyUI sends frames to one client, once
 * through the relay and once directly. The fake sends in batches the bench asks for, at most a
 * few in flight (a window), so neither path buffers without bound and the relay's slow-client
 * cutoff (--ws-max-buffer) is never what is measured.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { paired, withCpu, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';

interface Spec {
  readonly total: number;
  readonly batch: number;
  readonly window: number;
  readonly binary: boolean;
  readonly bytes: number;
}

/** Open a ComfyUI socket and wait for the fake's first frame (status), so the fake knows us. */
export async function openComfySocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`socket closed (${code}) before its first frame`)));
  });
  ws.removeAllListeners('error');
  ws.removeAllListeners('close');
  return ws;
}

export function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  });
}

/** Frames (or MB) per second received by one client while the fake sends `spec.total` frames to it. */
async function relayOnce(fake: FakeProcess, base: string, spec: Spec): Promise<number> {
  const clientId = `bench-relay-${randomUUID()}`;
  const ws = await openComfySocket(`${base}?clientId=${clientId}`);
  try {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      let requested = 0;
      const request = (): void => {
        const count = Math.min(spec.batch, spec.total - requested);
        if (count <= 0) return;
        requested += count;
        fake.call({ cmd: 'blast', fake: 0, clientId, count, binary: spec.binary, bytes: spec.bytes }).catch(reject);
      };
      ws.on('message', () => {
        received += 1;
        if (received === spec.total) resolve();
        else if (received % spec.batch === 0) request();
      });
      ws.once('close', (code) => reject(new Error(`relay socket closed (${code}) after ${received} of ${spec.total} frames`)));
      for (let i = 0; i < spec.window; i++) request();
    });
    const seconds = (performance.now() - started) / 1000;
    return spec.binary ? (spec.total * spec.bytes) / (1024 * 1024) / seconds : spec.total / seconds;
  } finally {
    ws.removeAllListeners('close');
    await closeSocket(ws);
  }
}

export async function wsRelayScenarios(ctx: BenchContext, fake: FakeProcess, service: Service): Promise<ScenarioRow[]> {
  const direct = fake.fakes[0]?.wsUrl ?? '';
  const relayed = `${service.wsUrl}/comfyui/ws`;
  // Windows of ~1 MB (text) and 12 MB (binary) in flight: enough to keep both paths busy (the
  // relay adds a hop, so a small window measures latency instead), below the relay's 16 MB cap.
  const text: Spec = { total: ctx.size(200_000, 40_000), batch: 2000, window: 8, binary: false, bytes: 0 };
  const binary: Spec = { total: ctx.size(2000, 1000), batch: 10, window: 12, binary: true, bytes: 100 * 1024 };
  const rows: ScenarioRow[] = [];
  for (const spec of [text, binary]) {
    const warm = { ...spec, total: Math.max(spec.batch * spec.window, Math.round(spec.total / 10 / spec.batch) * spec.batch) };
    await relayOnce(fake, direct, warm);
    await relayOnce(fake, relayed, warm);
    let cpuMs = 0;
    const ours = async (): Promise<number> => {
      const { result, cpuMs: spent } = await withCpu(service, () => relayOnce(fake, relayed, spec));
      cpuMs += spent;
      return result;
    };
    const what = spec.binary ? `${spec.total.toLocaleString('en-US')} × 100 KB binary frames` : `${spec.total.toLocaleString('en-US')} small text frames`;
    const vs = await paired(`WS relay, ${what}`, ctx.repeats, ours, () => relayOnce(fake, direct, spec));
    rows.push(
      row({
        name: `WS relay via /comfyui/ws: ${what}`,
        value: vs.value,
        unit: spec.binary ? 'MB/s' : 'frames/s',
        baseline: 'direct WebSocket to the fake ComfyUI',
        baselineValue: vs.baseline,
        target: spec.binary ? 0.9 : 0.75,
      }),
      row({
        name: `WS relay via /comfyui/ws: service CPU per ${spec.binary ? '100 KB binary' : 'text'} frame`,
        value: (cpuMs * 1000) / (spec.total * ctx.repeats),
        unit: 'µs',
        lowerIsBetter: true,
      }),
    );
  }
  return rows;
}
