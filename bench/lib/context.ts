/** What every scenario gets, and the repeat-and-take-medians discipline they share. */
import { median, progress } from './load.js';
import type { Pinning } from './proc.js';
import type { Service, ServiceLauncher } from './service.js';

export interface BenchContext {
  readonly root: string;
  readonly quick: boolean;
  readonly repeats: number;
  readonly pinning: Pinning;
  readonly launcher: ServiceLauncher;
  /** The full-run figure or the --quick one. */
  size<T>(full: T, quick: T): T;
  /** A unique service label for this run (names its CPU profile under --cpu-prof). */
  profileLabel(label: string): string;
}

export interface Paired {
  /** Median of ours. */
  readonly value: number;
  /** Median of the baseline, measured in the same repeats. */
  readonly baseline: number;
  readonly values: readonly number[];
  readonly baselines: readonly number[];
}

/**
 * Ours and the baseline `repeats` times each, alternating which goes first so a drift of the
 * machine's speed during the run hits both alike; medians of each.
 */
export async function paired(
  label: string,
  repeats: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<Paired> {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < repeats; i++) {
    if (i % 2 === 0) {
      baselines.push(await baseline());
      values.push(await ours());
    } else {
      values.push(await ours());
      baselines.push(await baseline());
    }
  }
  const result = { value: median(values), baseline: median(baselines), values, baselines };
  progress(`  ${label}: ours ${fmtList(values)} · baseline ${fmtList(baselines)}`);
  return result;
}

/** Repeat one measurement; the median and every figure. */
export async function repeated(label: string, repeats: number, run: (index: number) => Promise<number>): Promise<{ value: number; values: readonly number[] }> {
  const values: number[] = [];
  for (let i = 0; i < repeats; i++) values.push(await run(i));
  progress(`  ${label}: ${fmtList(values)}`);
  return { value: median(values), values };
}

/**
 * Run `work` and report the service's CPU time it cost, in ms. Also logs how busy the service
 * was: well under 100% while it is the bottleneck means it was kept waiting (by other load on
 * its CPU, or by I/O).
 */
export async function withCpu<T>(service: Service, work: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = service.figures().cpuMs;
  const started = performance.now();
  const result = await work();
  const cpuMs = service.figures().cpuMs - before;
  progress(`    service CPU busy ${Math.round((cpuMs / (performance.now() - started)) * 100)}%`);
  return { result, cpuMs };
}

const fmtList = (values: readonly number[]): string => values.map((v) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100)).join(' / ');

/** Poll until `test` holds (for state with no event to wait on, such as a backend coming up). */
export async function until(test: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Until the service reports `count` backends up (GET /automa/backends). */
export async function backendsUp(service: Service, count: number): Promise<void> {
  await until(async () => {
    const response = await fetch(`${service.url}/automa/backends`);
    const body = (await response.json()) as { backends?: { state?: string }[] };
    return (body.backends ?? []).filter((b) => b.state === 'up').length >= count;
  }, `${count} backend(s) up`);
}
