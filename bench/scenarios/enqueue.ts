/**
 * POST /prompt at the root: how many prompts per second the gateway acknowledges durably
 * (against a raw node:sqlite insert of the same row in this process), and how long a prompt
 * takes from the client's POST to the fake backend's POST /prompt handler when the backend idles.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createSqliteEventLog } from '../../src/store/sqlite/events.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { createSqliteRunEvents } from '../../src/store/sqlite/run-events.js';
import { backendsUp, paired, repeated, withCpu, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { fire, median, percentile } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';
import { simpleGraph } from './read-routes.js';
import { closeSocket } from './ws-relay.js';

const ENQUEUE_CLIENT = 'bench-enqueue';

/** The row POST /prompt stores, inserted with the store's own statement and nothing else. */
function rawInsertRate(seconds: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-bench-raw-'));
  const db = openSqliteDatabase(path.join(dir, 'raw.sqlite'));
  try {
    // Migration 7's prompt triggers call SQL functions the store registers; without them the insert cannot be prepared.
    createSqliteRunEvents(db, createSqliteEventLog(db));
    const insert = db.prepare(
      `INSERT INTO prompts (id, number, state, client_id, prompt, extra_data, outputs_to_execute, create_time)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
    );
    const graph = simpleGraph(7);
    const outputs = Object.keys(graph);
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    let count = 0;
    while (performance.now() < deadline) {
      for (let i = 0; i < 100; i++, count++) {
        const now = Date.now();
        insert.get(randomUUID(), count, ENQUEUE_CLIENT, JSON.stringify(graph), JSON.stringify({ client_id: ENQUEUE_CLIENT, create_time: now }), JSON.stringify(outputs), now);
      }
    }
    return count / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function enqueueScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  // A backend nobody listens on: prompts are validated, stored and queued, never dispatched.
  const service = await ctx.launcher.start({ label: ctx.profileLabel('enqueue'), args: ['--comfyui', 'http://127.0.0.1:1'] });
  try {
    const seconds = ctx.size(5, 1);
    const body = JSON.stringify({ prompt: simpleGraph(7), client_id: ENQUEUE_CLIENT });
    const post = { url: `${service.url}/prompt`, connections: 16, method: 'POST' as const, body, headers: { 'content-type': 'application/json' } };
    await fire({ ...post, seconds: 1 });
    rawInsertRate(0.3);
    let cpuMs = 0;
    let prompts = 0;
    const vs = await paired(
      'POST /prompt vs raw insert',
      ctx.repeats,
      async () => {
        const { result, cpuMs: spent } = await withCpu(service, () => fire({ ...post, seconds }));
        cpuMs += spent;
        prompts += result.ok;
        return result.rps;
      },
      async () => rawInsertRate(ctx.size(2, 0.5)),
    );
    return [
      row({
        name: 'POST /prompt durable enqueue (16 connections, backend down so prompts stay queued)',
        value: vs.value,
        unit: 'prompts/s',
        baseline: 'raw node:sqlite INSERT of the same row, bench process',
        baselineValue: vs.baseline,
      }),
      row({ name: 'POST /prompt durable enqueue rate', value: vs.value, unit: 'prompts/s', target: 2000 }),
      row({ name: 'POST /prompt: service CPU per acknowledged prompt', value: (cpuMs * 1000) / Math.max(1, prompts), unit: 'µs', lowerIsBetter: true }),
    ];
  } finally {
    await service.stop();
  }
}

/** Sockets that wait for `executing {node: null, prompt_id}`: the gateway finished that prompt. */
function doneWatcher(ws: WebSocket): (promptId: string) => Promise<void> {
  const done = new Set<string>();
  const waiters = new Map<string, () => void>();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const message = JSON.parse(data.toString('utf8')) as { type?: string; data?: { node?: unknown; prompt_id?: string } };
    if (message.type !== 'executing' || message.data?.node !== null || message.data.prompt_id === undefined) return;
    const id = message.data.prompt_id;
    done.add(id);
    waiters.get(id)?.();
  });
  return (promptId) => (done.has(promptId) ? Promise.resolve() : new Promise((resolve) => waiters.set(promptId, resolve)));
}

export async function latencyScenarios(ctx: BenchContext, fake: FakeProcess, service: Service): Promise<ScenarioRow[]> {
  await backendsUp(service, 1);
  const count = ctx.size(200, 50);
  const clientId = `bench-latency-${randomUUID()}`;
  const ws = new WebSocket(`${service.wsUrl}/ws?clientId=${clientId}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  const finished = doneWatcher(ws);
  const arrivals = new Map<string, number>();
  const arrivalWaiters = new Map<string, (at: number) => void>();
  const unsubscribe = fake.onReceived(({ promptId, at }) => {
    if (promptId === undefined) return;
    arrivals.set(promptId, at);
    arrivalWaiters.get(promptId)?.(at);
  });
  await fake.call({ cmd: 'watchPrompts', on: true });
  const p50s: number[] = [];
  const p99s: number[] = [];
  try {
    const runOnce = async (prompts: number): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < prompts; i++) {
        const graph = { '1': { class_type: 'PreviewAny', inputs: { source: `latency ${randomUUID()}` } } };
        const sent = performance.timeOrigin + performance.now();
        const response = await fetch(`${service.url}/prompt`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: graph, client_id: clientId }),
        });
        const { prompt_id: id } = (await response.json()) as { prompt_id: string };
        const at = arrivals.get(id) ?? (await new Promise<number>((resolve) => arrivalWaiters.set(id, resolve)));
        latencies.push(at - sent);
        await finished(id);
        arrivals.delete(id);
        arrivalWaiters.delete(id);
      }
      return latencies;
    };
    await runOnce(10);
    await repeated('enqueue → fake receives, p50 ms', ctx.repeats, async () => {
      const latencies = await runOnce(count);
      const p50 = percentile(latencies, 50);
      p50s.push(p50);
      p99s.push(percentile(latencies, 99));
      return p50;
    });
  } finally {
    unsubscribe();
    await fake.call({ cmd: 'watchPrompts', on: false });
    await closeSocket(ws);
  }
  return [
    row({ name: `enqueue → fake backend receives, idle backend, p50 (${count} sequential prompts)`, value: median(p50s), unit: 'ms', target: 5, lowerIsBetter: true }),
    row({ name: `enqueue → fake backend receives, idle backend, p99 (${count} sequential prompts)`, value: median(p99s), unit: 'ms', lowerIsBetter: true }),
  ];
}
