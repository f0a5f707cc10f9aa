/**
 * Start-up: time from spawning the service to its "listening" log line, and its resident memory
 * once it has settled with one backend connected (object_info fetched and cached).
 */
import { backendsUp, repeated, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { median } from '../lib/load.js';
import { row, type ScenarioRow } from '../lib/report.js';

export async function startupScenarios(ctx: BenchContext, fake: FakeProcess): Promise<ScenarioRow[]> {
  const rss: number[] = [];
  const mode = ctx.launcher.mode === 'dist' ? 'node dist/bin.js' : 'node --import tsx src/bin.ts';
  // One unmeasured start warms the disk cache for the modules (the quick run skips it).
  if (!ctx.quick) await (await ctx.launcher.start({ label: ctx.profileLabel('startup-warm'), args: ['--comfyui', fake.fakes[0]?.url ?? ''] })).stop();
  const startup = await repeated('exec → listening, ms', ctx.repeats, async (i) => {
    const service = await ctx.launcher.start({ label: ctx.profileLabel(`startup-${i}`), args: ['--comfyui', fake.fakes[0]?.url ?? ''] });
    try {
      await backendsUp(service, 1);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      rss.push(service.figures().rssBytes / (1024 * 1024));
      return service.startupMs;
    } finally {
      await service.stop();
    }
  });
  return [
    row({ name: `time from exec to listening (${mode})`, value: startup.value, unit: 'ms', target: 500, lowerIsBetter: true }),
    row({ name: 'idle RSS after start (1 backend connected)', value: median(rss), unit: 'MB', target: 80, lowerIsBetter: true }),
  ];
}
