/**
 * The load generator: autocannon's programmatic API, run inside the bench process (which is
 * pinned away from the service's CPU), bounded by time or by request count.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds; ignored when `amount` is given. */
  readonly seconds?: number;
  /** Stop after this many requests instead of after a time. */
  readonly amount?: number;
  readonly method?: 'GET' | 'POST';
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Builds each request's body (e.g. a unique prompt). */
  readonly bodyFor?: () => string;
}

export interface LoadResult {
  /** 2xx responses per second. */
  readonly rps: number;
  /** Response bytes (headers and body) read per second. */
  readonly readBytesPerSec: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
}

export async function fire(options: LoadOptions): Promise<LoadResult> {
  const bodyFor = options.bodyFor;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds ?? 3 }),
    method: options.method ?? 'GET',
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
    ...(bodyFor !== undefined
      ? {
          requests: [
            {
              method: options.method ?? 'POST',
              setupRequest: (request: autocannon.Request) => ({ ...request, body: bodyFor() }),
            },
          ],
        }
      : {}),
    timeout: 30,
  });
  const failed = result.errors + result.non2xx + result.timeouts;
  if (failed > 0) {
    progress(`  ! ${options.url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx of ${result.requests.total}`);
  }
  const seconds = result.duration;
  return {
    rps: result['2xx'] / seconds,
    readBytesPerSec: result.throughput.total / seconds,
    ok: result['2xx'],
    failed,
    seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Progress lines go to stderr (stdout carries only the table), stamped with seconds since start. */
export function progress(line: string): void {
  const stamp = `${(performance.now() / 1000).toFixed(1)}s`.padStart(7);
  process.stderr.write(line.trim() === '' ? '\n' : `${stamp} ${line}\n`);
}
