/**
 * Workflow-app sweeps: how fast a 10,000-cell sweep is acknowledged and moved into the durable
 * queue, and what a 100-cell contact sheet with 256-px thumbnails costs in time and memory.
 */
import { repeated, until, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { median, progress } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';

/** Nodes the fake simulates (no models needed): a coloured image, saved. */
const WORKFLOW = {
  '1': { class_type: 'EmptyImage', inputs: { width: 512, height: 512, batch_size: 1, color: 0 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'bench-sweep' } },
};
const INPUTS = [
  { name: 'color', node: '1', input: 'color' },
  { name: 'height', node: '1', input: 'height' },
];

async function post<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

async function importApp(service: Service): Promise<string> {
  const created = await post<{ id: string }>(`${service.url}/automa/apps`, { name: 'bench', workflow: WORKFLOW, inputs: INPUTS });
  if (created.status !== 201) throw new Error(`import failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

const remaining = async (service: Service): Promise<number> =>
  ((await (await fetch(`${service.url}/prompt`)).json()) as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining;

export async function sweepScenarios(ctx: BenchContext, fake: FakeProcess): Promise<ScenarioRow[]> {
  const backend = fake.fakes[0]?.url ?? '';
  const cells = 10_000;
  const acks: number[] = [];
  const rates: number[] = [];
  // Every prompt blocks on the backend, so the queue only grows: queue_remaining counts what was enqueued.
  await fake.call({ cmd: 'stall', classType: 'SaveImage', on: true });
  try {
    await repeated(`${cells}-cell sweep enqueue, runs/s`, ctx.repeats, async () => {
      const service = await ctx.launcher.start({ label: ctx.profileLabel('sweep-enqueue'), args: ['--comfyui', backend] });
      try {
        await until(async () => (await fetch(`${service.url}/automa/backends`).then((r) => r.json() as Promise<{ backends: { node_classes: number }[] }>)).backends.some((b) => b.node_classes > 0), 'backend node classes');
        const app = await importApp(service);
        const colors = Array.from({ length: cells / 100 }, (_, i) => i);
        const heights = Array.from({ length: 100 }, (_, i) => 64 + i);
        const started = performance.now();
        const created = await post<{ count: number }>(`${service.url}/automa/apps/${app}/sweeps`, { axes: [{ input: 'color', values: colors }, { input: 'height', values: heights }] });
        const acked = performance.now() - started;
        if (created.status !== 201 || created.body.count !== cells) throw new Error(`sweep failed: ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
        await until(async () => (await remaining(service)) >= cells, `${cells} runs enqueued`, 60_000);
        const rate = cells / ((performance.now() - started) / 1000);
        acks.push(acked);
        rates.push(rate);
        progress(`    acknowledged in ${Math.round(acked)} ms, all enqueued at ${Math.round(rate)} runs/s`);
        return rate;
      } finally {
        await service.stop();
      }
    });
  } finally {
    await fake.call({ cmd: 'stall', classType: 'SaveImage', on: false });
  }
  return [
    row({ name: `POST sweep of ${cells} runs: 201 acknowledged after`, value: median(acks), unit: 'ms', target: 2000, lowerIsBetter: true }),
    row({ name: `${cells}-run sweep enqueued into the durable queue (POST → last run queued)`, value: median(rates), unit: 'runs/s', target: 2000 }),
    ...(await sheetScenario(ctx, backend)),
  ];
}

async function sheetScenario(ctx: BenchContext, backend: string): Promise<ScenarioRow[]> {
  const service = await ctx.launcher.start({ label: ctx.profileLabel('sweep-sheet'), args: ['--comfyui', backend] });
  try {
    await until(async () => (await fetch(`${service.url}/automa/backends`).then((r) => r.json() as Promise<{ backends: { node_classes: number }[] }>)).backends.some((b) => b.node_classes > 0), 'backend node classes');
    const app = await importApp(service);
    const tens = Array.from({ length: 10 }, (_, i) => i);
    const created = await post<{ id: string }>(`${service.url}/automa/apps/${app}/sweeps`, {
      axes: [{ input: 'color', values: tens.map((i) => i * 0x151515) }, { input: 'height', values: tens.map((i) => 384 + 16 * i) }],
    });
    if (created.status !== 201) throw new Error(`sweep failed: ${created.status}`);
    await until(
      async () => ((await (await fetch(`${service.url}/automa/sweeps/${created.body.id}`)).json()) as { counts: { succeeded: number } }).counts.succeeded === 100,
      '100 cells done',
      120_000,
    );
    const url = `${service.url}/automa/sweeps/${created.body.id}/sheet.png?thumb=256`;
    const growth: number[] = [];
    const times = await repeated('100-cell contact sheet, 256-px thumbs, ms', ctx.repeats, async () => {
      const before = service.figures().rssBytes;
      const started = performance.now();
      const response = await fetch(url);
      const bytes = Buffer.from(await response.arrayBuffer());
      const ms = performance.now() - started;
      if (response.status !== 200 || bytes.length < 1000) throw new Error(`sheet failed: ${response.status}`);
      growth.push((service.figures().rssBytes - before) / (1024 * 1024));
      return ms;
    });
    return [
      row({ name: '100-cell contact sheet (10×10, 256-px thumbs of 512-px PNGs)', value: times.value, unit: 'ms', target: 1500, lowerIsBetter: true }),
      row({ name: '100-cell contact sheet: service RSS growth, worst of the runs', value: Math.max(...growth), unit: 'MB', target: 100, lowerIsBetter: true }),
    ];
  } finally {
    await service.stop();
  }
}
