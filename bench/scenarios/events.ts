/**
 * The event log's bench rows (issue 14): signed webhook deliveries per second to 50 loopback
 * receivers, SSE fan-out to 1,000 subscribers (events-sse.ts), and what appending an event adds
 * to the service's CPU per POST /prompt.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { promptQueuedEvent } from '../../src/store/prompt-events.js';
import { createSqliteEventLog } from '../../src/store/sqlite/events.js';
import { createSqliteRunEvents } from '../../src/store/sqlite/run-events.js';
import { openSqliteDatabase } from '../../src/store/sqlite/open.js';
import { paired, repeated, withCpu, type BenchContext } from '../lib/context.js';
import { fire, median } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import { postPrompts, sseFanoutScenarios } from './events-sse.js';
import { simpleGraph } from './read-routes.js';

const ENDPOINTS = 50;

interface Receiver {
  readonly server: http.Server;
  url: string;
  /** Set once the subscription exists: deliveries are verified against it. */
  secret: string;
}

/**
 * 50 loopback receivers that answer 200 at once; a delivery counts only when its Standard Webhooks
 * signature verifies with the endpoint's secret, so the row measures signed deliveries.
 */
async function startReceivers(onDelivered: () => void, onBad: (why: string) => void): Promise<Receiver[]> {
  return Promise.all(
    Array.from({ length: ENDPOINTS }, async () => {
      let verifier: Webhook | null = null;
      const receiver: Receiver = { server: http.createServer(), url: '', secret: '' };
      receiver.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(200).end();
          verifier ??= new Webhook(receiver.secret);
          try {
            verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
            onDelivered();
          } catch (err) {
            onBad(err instanceof Error ? err.message : String(err));
          }
        });
      });
      await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
      receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
      return receiver;
    }),
  );
}

async function webhookScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  let delivered = 0;
  let bad = 0;
  let firstBad = '';
  let waiter: (() => void) | null = null;
  const receivers = await startReceivers(
    () => {
      delivered += 1;
      waiter?.();
    },
    (why) => {
      bad += 1;
      firstBad ||= why;
    },
  );
  const service = await ctx.launcher.start({
    label: ctx.profileLabel('events-webhooks'),
    args: ['--comfyui', 'http://127.0.0.1:1', '--webhook-allow-private'],
  });
  try {
    for (const receiver of receivers) {
      const response = await fetch(`${service.url}/automa/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, events: ['prompt.queued'], description: 'bench' }),
      });
      if (response.status !== 201) throw new Error(`POST /automa/webhooks answered ${response.status}: ${await response.text()}`);
      receiver.secret = ((await response.json()) as { secret: string }).secret;
    }
    const prompts = ctx.size(400, 100);
    const expected = prompts * ENDPOINTS;
    const cpuPerDelivery: number[] = [];
    const rate = await repeated(`${expected} webhook deliveries to ${ENDPOINTS} receivers, deliveries/s`, ctx.repeats, async () => {
      delivered = 0;
      const started = performance.now();
      const { cpuMs } = await withCpu(service, async () => {
        const all = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`webhooks: ${delivered} of ${expected} delivered after 180 s`)), 180_000);
          waiter = () => {
            if (delivered < expected) return;
            clearTimeout(timer);
            resolve();
          };
        });
        const benchBusy = await postPrompts(service, prompts);
        await all;
        benchBusy();
      });
      waiter = null;
      cpuPerDelivery.push((cpuMs * 1000) / expected);
      return expected / ((performance.now() - started) / 1000);
    });
    if (bad > 0) throw new Error(`webhooks: ${bad} deliveries failed signature verification (first: ${firstBad})`);
    return [
      row({
        name: `webhook deliveries: ${prompts} prompt.queued events × ${ENDPOINTS} endpoints (loopback receivers answering 200, signatures verified, --webhook-concurrency 4)`,
        value: rate.value,
        unit: 'deliveries/s',
        target: 1000,
      }),
      row({ name: 'webhook deliveries: service CPU per delivery (prompt intake included)', value: median(cpuPerDelivery), unit: 'µs', lowerIsBetter: true }),
    ];
  } finally {
    await service.stop();
    await Promise.all(receivers.map((r) => new Promise((resolve) => r.server.close(resolve))));
  }
}

/**
 * µs per prompt of the store's transaction with and without the prompt.queued append, in this
 * process on the real schema (the log's triggers included, no webhook subscribed): the service has
 * no switch that turns the log off, so its cost is isolated here, where it is the only difference.
 */
function appendCostUs(withEvent: boolean, count: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-bench-append-'));
  const db = openSqliteDatabase(path.join(dir, 'append.sqlite'));
  try {
    const events = createSqliteEventLog(db);
    // Registers the SQL function migration 7's prompt triggers call, as the store does.
    createSqliteRunEvents(db, events);
    const insert = db.prepare(
      `INSERT INTO prompts (id, number, state, client_id, prompt, extra_data, outputs_to_execute, create_time)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
    );
    const graph = simpleGraph(7);
    const outputs = Object.keys(graph);
    const started = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const now = Date.now();
      const id = randomUUID();
      db.transaction(() => {
        insert.get(id, i, 'bench-append', JSON.stringify(graph), JSON.stringify({ client_id: 'bench-append', create_time: now }), JSON.stringify(outputs), now);
        if (withEvent) events.appendSync(promptQueuedEvent({ id, number: i, clientId: 'bench-append', prompt: graph, extraData: {}, outputsToExecute: outputs, createTime: now }), now);
      });
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / count;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function appendOverheadScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  const service = await ctx.launcher.start({ label: ctx.profileLabel('events-append'), args: ['--comfyui', 'http://127.0.0.1:1'] });
  try {
    const seconds = ctx.size(5, 1);
    const post = {
      url: `${service.url}/prompt`,
      connections: 16,
      method: 'POST' as const,
      body: JSON.stringify({ prompt: simpleGraph(7), client_id: 'bench-append' }),
      headers: { 'content-type': 'application/json' },
    };
    await fire({ ...post, seconds: 1 });
    const perPost = await repeated('service CPU per acknowledged POST /prompt, µs', ctx.repeats, async () => {
      const { result, cpuMs } = await withCpu(service, () => fire({ ...post, seconds }));
      return (cpuMs * 1000) / Math.max(1, result.ok);
    });
    const count = ctx.size(20_000, 5_000);
    appendCostUs(true, 500);
    const costs = await paired('store transaction per prompt with vs without the event append, µs', ctx.repeats, async () => appendCostUs(true, count), async () => appendCostUs(false, count));
    const added = Math.max(0, costs.value - costs.baseline);
    return [
      row({ name: 'POST /prompt: service CPU per acknowledged prompt (event log on, as always)', value: perPost.value, unit: 'µs', lowerIsBetter: true }),
      row({
        name: 'event append (prompt.queued) CPU added per POST /prompt',
        value: added,
        unit: 'µs',
        baseline: 'service CPU per POST /prompt above; the append isolated in-process (store transaction with − without it), as the service cannot turn the log off',
        baselineValue: perPost.value,
        target: 0.1,
        lowerIsBetter: true,
      }),
    ];
  } finally {
    await service.stop();
  }
}

/** The `events` group: webhooks, SSE fan-out, append overhead, each on a service of its own. */
export async function eventsScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  return [...(await webhookScenarios(ctx)), ...(await sseFanoutScenarios(ctx)), ...(await appendOverheadScenarios(ctx))];
}
