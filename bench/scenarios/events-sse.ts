/**
 * SSE fan-out (issue 14): 1,000 subscribers on GET /automa/events?types=prompt.queued, one source
 * of events (POST /prompt with the backend down: each acknowledged prompt appends one
 * `prompt.queued`), and the events per second delivered across all subscribers.
 */
import http from 'node:http';
import { repeated, withCpu, type BenchContext } from '../lib/context.js';
import { median, progress } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';
import { simpleGraph } from './read-routes.js';

const SUBSCRIBERS = 1000;
const CONNECT_BATCH = 100;
const NEWLINE = 0x0a;

interface Subscriber {
  readonly request: http.ClientRequest;
}

/**
 * Counts SSE blocks by their terminating blank line ("\n\n"), carrying the last byte over chunk
 * boundaries: the JSON in `data:` never holds a raw newline, so every "\n\n" ends one block.
 */
function subscribe(url: string, onBlocks: (count: number) => void): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let lastWasNewline = false;
    const request = http.get(url, { agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`GET /automa/events answered ${response.statusCode}`));
      let greeted = false;
      response.on('data', (chunk: Buffer) => {
        let found = 0;
        if (lastWasNewline && chunk[0] === NEWLINE) found += 1;
        for (let at = chunk.indexOf(NEWLINE); at !== -1 && at < chunk.length - 1; at = chunk.indexOf(NEWLINE, at + 1)) {
          if (chunk[at + 1] === NEWLINE) found += 1;
        }
        lastWasNewline = chunk[chunk.length - 1] === NEWLINE;
        if (!greeted) {
          // The stream's opening comment (": comfyui-automa events\n\n") is not an event.
          greeted = true;
          found -= 1;
          resolve(subscriber);
        }
        if (found > 0) onBlocks(found);
      });
    });
    const subscriber: Subscriber = { request };
    request.once('error', reject);
  });
}

export async function sseFanoutScenarios(ctx: BenchContext): Promise<ScenarioRow[]> {
  const service = await ctx.launcher.start({
    label: ctx.profileLabel('events-sse'),
    // Backend down: prompts are acknowledged and queued, each one appending one prompt.queued.
    // Heartbeats off for the run so every blank-line-terminated block is an event.
    args: ['--comfyui', 'http://127.0.0.1:1', '--sse-heartbeat', '3600000'],
  });
  const subscribers: Subscriber[] = [];
  // One running total across subscribers (blank-line-terminated blocks: events, heartbeats being off).
  let delivered = 0;
  let waiter: (() => void) | null = null;
  try {
    const url = `${service.url}/automa/events?types=prompt.queued`;
    for (let start = 0; start < SUBSCRIBERS; start += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, SUBSCRIBERS - start) }, () => subscribe(url, (count) => {
        delivered += count;
        waiter?.();
      }));
      subscribers.push(...(await Promise.all(batch)));
    }
    const prompts = ctx.size(500, 200);
    const cpuPerEvent: number[] = [];
    const rate = await repeated(`SSE fan-out of ${prompts} events to ${SUBSCRIBERS} subscribers, events/s delivered`, ctx.repeats, async () => {
      delivered = 0;
      const expected = prompts * SUBSCRIBERS;
      const started = performance.now();
      const { cpuMs } = await withCpu(service, async () => {
        const all = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`SSE fan-out: ${delivered} of ${expected} events after 120 s`)), 120_000);
          waiter = () => {
            if (delivered >= expected) {
              clearTimeout(timer);
              resolve();
            }
          };
        });
        const benchBusy = await postPrompts(service, prompts);
        await all;
        benchBusy();
      });
      waiter = null;
      cpuPerEvent.push((cpuMs * 1000) / expected);
      return expected / ((performance.now() - started) / 1000);
    });
    return [
      row({
        name: `SSE fan-out: ${prompts} prompt.queued events (POST /prompt, backend down) to ${SUBSCRIBERS.toLocaleString('en-US')} GET /automa/events subscribers`,
        value: rate.value,
        unit: 'events/s delivered',
        target: 100_000,
      }),
      row({ name: 'SSE fan-out: service CPU per delivered event (prompt intake included)', value: median(cpuPerEvent), unit: 'µs', lowerIsBetter: true }),
    ];
  } finally {
    for (const s of subscribers) s.request.destroy();
    await service.stop();
  }
}

/**
 * `count` acknowledged POST /prompt from 16 concurrent senders (fetch, not autocannon: its
 * `amount` mode ends on its 1 s tick, which would floor every repeat at a second). Logs how long
 * the POSTs took and how busy this process was, so a row limited by the bench side shows it.
 */
export async function postPrompts(service: Service, count: number): Promise<() => void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const body = JSON.stringify({ prompt: simpleGraph(7), client_id: 'bench-events' });
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${service.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (!response.ok) throw new Error(`POST /prompt answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, sender));
  progress(`    ${count} POST /prompt took ${Math.round(performance.now() - started)} ms`);
  return () => {
    const used = process.cpuUsage(cpu);
    progress(`    bench process CPU busy ${Math.round(((used.user + used.system) / 1000 / (performance.now() - started)) * 100)}% (receivers/subscribers, POSTs)`);
  };
}
