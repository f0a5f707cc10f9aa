/**
 * npm run bench [-- --quick] [--only a,b] [--service dist|tsx] [--cpu-prof]
 *
 * Measures the service against baselines taken in the same run on this machine, each scenario
 * repeated 3×, and prints a table of medians with their ratios; writes bench/results/<time>.json.
 * The service runs as its own process pinned to CPU 0; this process (autocannon, WebSocket
 * clients) and the fake ComfyUI child run on the other CPU(s). See README.md, "Performance".
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backendsUp, type BenchContext } from './lib/context.js';
import { startFakes, type FakeProcess } from './lib/fakes.js';
import { progress } from './lib/load.js';
import { groupLoad, sampleLoad, snapshot, type GroupLoad } from './lib/load-watch.js';
import { pinBench, raisePriority } from './lib/proc.js';
import { markdownTable, writeResults, type ScenarioRow } from './lib/report.js';
import { createServiceLauncher, type Service, type ServiceMode } from './lib/service.js';
import { clusterScenarios } from './scenarios/cluster.js';
import { enqueueScenarios, latencyScenarios } from './scenarios/enqueue.js';
import { eventsScenarios } from './scenarios/events.js';
import { fanoutScenarios } from './scenarios/fanout.js';
import { BENCH_EMBEDDINGS, proxyHttpScenarios } from './scenarios/proxy-http.js';
import { readRouteScenarios, sampleHistoryEntry, seedServiceHistory } from './scenarios/read-routes.js';
import { schedulingScenarios } from './scenarios/scheduling.js';
import { startupScenarios } from './scenarios/startup.js';
import { storeScenarios } from './scenarios/store.js';
import { sweepScenarios } from './scenarios/sweeps.js';
import { wsRelayScenarios } from './scenarios/ws-relay.js';

const GROUPS = ['store', 'startup', 'proxy', 'relay', 'read', 'latency', 'fanout', 'enqueue', 'scheduling', 'sweeps', 'events', 'cluster'] as const;
type Group = (typeof GROUPS)[number];
const MAIN_FAKE_GROUPS: readonly Group[] = ['startup', 'proxy', 'relay', 'read', 'latency', 'fanout'];

interface Args {
  readonly quick: boolean;
  readonly only: ReadonlySet<Group>;
  readonly mode: ServiceMode;
  readonly cpuProf: boolean;
}

function parse(argv: readonly string[]): Args {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      service: { type: 'string', default: 'dist' },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const only = values.only === undefined ? [...GROUPS] : values.only.split(',').map((g) => g.trim());
  const unknown = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) throw new Error(`--only: unknown group(s) ${unknown.join(', ')}; known: ${GROUPS.join(', ')}`);
  if (values.service !== 'dist' && values.service !== 'tsx') throw new Error('--service: dist or tsx');
  return { quick: values.quick, only: new Set(only as Group[]), mode: values.service, cpuProf: values['cpu-prof'] };
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const started = new Date();
  const stamp = started.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const priority = raisePriority();
  const pinning = pinBench();
  progress(`bench ${args.quick ? '--quick' : '(full)'}: ${pinning.description}; ${priority}`);
  const before = await sampleLoad();
  progress(`other load before: loadavg ${before.loadavg.join(' ')}; busiest: ${before.busiest_other_processes.map((p) => `${p.command.slice(0, 40)} ${p.cpu_percent}%`).join(', ') || 'none'}`);
  const resultsDir = path.join(root, 'bench', 'results');
  const launcher = createServiceLauncher({ root, mode: args.mode, pinning, cpuProfDir: args.cpuProf ? resultsDir : null });
  const ctx: BenchContext = {
    root,
    quick: args.quick,
    repeats: 3,
    pinning,
    launcher,
    size: (full, quick) => (args.quick ? quick : full),
    profileLabel: (label) => `${stamp}-${label}`,
  };

  const rows: ScenarioRow[] = [];
  const during: GroupLoad[] = [];
  let failures = 0;
  const group = async (name: Group, run: () => Promise<ScenarioRow[]>): Promise<void> => {
    if (!args.only.has(name)) return;
    const start = snapshot();
    progress('');
    progress(`[${name}]`);
    try {
      rows.push(...(await run()));
    } catch (error) {
      failures += 1;
      progress(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    const load = groupLoad(name, start);
    during.push(load);
    const busiest = load.busiest_other_processes.map((p) => `${p.command.slice(0, 32)} ${p.cpu_percent}%`).join(', ');
    progress(`  (${load.seconds} s; other processes used ${load.other_cpu_cores} CPUs${busiest ? `: ${busiest}` : ''})`);
  };

  await group('store', () => storeScenarios(ctx));

  if (MAIN_FAKE_GROUPS.some((g) => args.only.has(g))) {
    const fake = await startFakes(root, { count: 1, embeddings: BENCH_EMBEDDINGS, maxUploadSize: 8 * 1024 * 1024, unknownNodeDelayMs: 0 });
    let service: Service | null = null;
    let seededDir: string | null = null;
    try {
      await group('startup', () => startupScenarios(ctx, fake));
      const historyItems = ctx.size(100_000, 20_000);
      if (args.only.has('read')) {
        progress('');
        progress(`seeding ${historyItems.toLocaleString('en-US')} history entries into the service's store…`);
        seededDir = await seedServiceHistory(await sampleHistoryEntry(fake), historyItems);
      }
      service = await launcher.start({
        label: ctx.profileLabel('gateway'),
        args: ['--comfyui', fake.fakes[0]?.url ?? '', '--max-upload-size', '2048', '--max-ws-clients', '5000'],
        ...(seededDir !== null ? { dataDir: seededDir } : {}),
      });
      await backendsUp(service, 1);
      const gateway = service;
      await group('proxy', () => proxyHttpScenarios(ctx, fake, gateway));
      await group('relay', () => wsRelayScenarios(ctx, fake, gateway));
      await group('read', () => readRouteScenarios(ctx, fake, gateway, historyItems));
      await group('latency', () => latencyScenarios(ctx, fake, gateway));
      await group('fanout', () => fanoutScenarios(ctx, fake));
    } finally {
      await service?.stop();
      if (seededDir !== null) fs.rmSync(seededDir, { recursive: true, force: true });
      await fake.stop();
    }
  }

  await group('enqueue', () => enqueueScenarios(ctx));
  await group('scheduling', async () => {
    const fakes: FakeProcess = await startFakes(root, { count: 16, unknownNodeDelayMs: 0 });
    try {
      return await schedulingScenarios(ctx, fakes);
    } finally {
      await fakes.stop();
    }
  });

  await group('sweeps', async () => {
    const fakes: FakeProcess = await startFakes(root, { count: 1, unknownNodeDelayMs: 0 });
    try {
      return await sweepScenarios(ctx, fakes);
    } finally {
      await fakes.stop();
    }
  });

  await group('events', () => eventsScenarios(ctx));
  await group('cluster', () => clusterScenarios(ctx));

  const after = await sampleLoad();
  const file = writeResults(resultsDir, rows, { before, after, during, pinning: `${pinning.description}; ${priority}` }, started);
  process.stdout.write(`\n${markdownTable(rows)}\n\n`);
  progress(`other load after: loadavg ${after.loadavg.join(' ')}`);
  progress(`results: ${path.relative(root, file)} (${((Date.now() - started.getTime()) / 1000).toFixed(0)} s)`);
  if (args.cpuProf) progress(`CPU profiles: ${path.relative(root, resultsDir)}/${stamp}-*.cpuprofile (summarise: npx tsx bench/profile-summary.ts <file>)`);
  if (failures > 0) process.exitCode = 1;
}

// Ctrl-C or a kill: exit normally so the children are killed on the way out (killOnExit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((error: unknown) => {
  progress(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
