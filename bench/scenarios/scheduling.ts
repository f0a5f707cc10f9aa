/**
 * What scheduling costs the gateway per prompt as backends are added: many instant prompts
 * (a PreviewAny node the fake runs in no time) through 1, 4 and 16 fake backends. The measure
 * is the service's own CPU time per prompt (from /proc), which the fakes — all in one child
 * process on the other CPU — do not muddy; wall-clock throughput is reported beside it.
 */
import { randomUUID } from 'node:crypto';
import { backendsUp, until, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { fire, median, progress } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';

const BACKEND_COUNTS = [1, 4, 16] as const;

async function queueRemaining(service: Service): Promise<number> {
  const body = (await (await fetch(`${service.url}/prompt`)).json()) as { exec_info?: { queue_remaining?: number } };
  return body.exec_info?.queue_remaining ?? -1;
}

/** Submit `count` distinct instant prompts and wait until every one has finished. */
async function runBatch(service: Service, count: number): Promise<{ cpuMs: number; seconds: number }> {
  const tag = randomUUID();
  let serial = 0;
  const cpuBefore = service.figures().cpuMs;
  const started = performance.now();
  const result = await fire({
    url: `${service.url}/prompt`,
    connections: 8,
    amount: count,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    bodyFor: () => JSON.stringify({ prompt: { '1': { class_type: 'PreviewAny', inputs: { source: `${tag} ${serial++}` } } } }),
  });
  if (result.ok !== count) throw new Error(`only ${result.ok} of ${count} prompts were accepted`);
  await until(async () => (await queueRemaining(service)) === 0, `${count} prompts to finish`, 600_000);
  return { cpuMs: service.figures().cpuMs - cpuBefore, seconds: (performance.now() - started) / 1000 };
}

export async function schedulingScenarios(ctx: BenchContext, fakes: FakeProcess): Promise<ScenarioRow[]> {
  const prompts = ctx.size(2000, 150);
  const cpu = new Map<number, number>();
  const rate = new Map<number, number>();
  for (const backends of BACKEND_COUNTS) {
    const args = fakes.fakes.slice(0, backends).flatMap((fake, i) => ['--comfyui', `b${i}=${fake.url}`]);
    const service = await ctx.launcher.start({ label: ctx.profileLabel(`scheduling-${backends}`), args });
    try {
      await backendsUp(service, backends);
      await runBatch(service, ctx.size(100, 30));
      const cpuPerPrompt: number[] = [];
      const perSecond: number[] = [];
      for (let i = 0; i < ctx.repeats; i++) {
        const run = await runBatch(service, prompts);
        cpuPerPrompt.push(run.cpuMs / prompts);
        perSecond.push(prompts / run.seconds);
        await fakes.call({ cmd: 'resetReceived' });
      }
      progress(`  ${backends} backend(s): CPU ms/prompt ${cpuPerPrompt.map((v) => v.toFixed(3)).join(' / ')} · prompts/s ${perSecond.map((v) => Math.round(v)).join(' / ')}`);
      cpu.set(backends, median(cpuPerPrompt));
      rate.set(backends, median(perSecond));
    } finally {
      await service.stop();
    }
  }
  const one = cpu.get(1) ?? null;
  const rows: ScenarioRow[] = [];
  for (const backends of BACKEND_COUNTS) {
    const name = `scheduling ${prompts.toLocaleString('en-US')} instant prompts over ${backends} backend${backends > 1 ? 's' : ''}: service CPU per prompt`;
    rows.push(
      backends === 1
        ? row({ name, value: cpu.get(1) ?? null, unit: 'ms', lowerIsBetter: true })
        : row({ name, value: cpu.get(backends) ?? null, unit: 'ms', baseline: 'the same with 1 backend', baselineValue: one, target: 1.2, lowerIsBetter: true }),
    );
  }
  for (const backends of BACKEND_COUNTS) {
    rows.push(
      row({
        name: `scheduling over ${backends} backend${backends > 1 ? 's' : ''}: prompts finished per second (fakes share one CPU)`,
        value: rate.get(backends) ?? null,
        unit: 'prompts/s',
        ...(backends === 1 ? {} : { baseline: 'the same with 1 backend', baselineValue: rate.get(1) ?? null }),
      }),
    );
  }
  return rows;
}
