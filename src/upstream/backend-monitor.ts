import { request } from 'undici';
import type { BackendConfig } from '../config/index.js';
import type { Logger } from '../log.js';

export interface BackendHealth {
  readonly name: string;
  readonly url: string;
  readonly reachable: boolean;
  readonly lastError: string | null;
  /** ISO time of the last successful probe. */
  readonly lastSeen: string | null;
}

export interface BackendMonitor {
  /** Current view of every backend. Never throws, never waits. */
  states(): readonly BackendHealth[];
  /** Probe every backend now and resolve once all answered or failed. */
  probeAll(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface BackendMonitorOptions {
  readonly backends: readonly BackendConfig[];
  readonly logger: Logger;
  /** Delay between probes of a healthy backend. */
  readonly intervalMs?: number;
  /** Ceiling for the backoff between probes of a failing backend. */
  readonly maxBackoffMs?: number;
  readonly timeoutMs?: number;
}

/**
 * Probes each backend's GET /system_stats: periodically while it answers, with exponential
 * backoff while it does not, so a dead backend costs a request every few seconds at most.
 * A refused connection is a state, never an exception.
 */
export function createBackendMonitor(options: BackendMonitorOptions): BackendMonitor {
  const intervalMs = options.intervalMs ?? 5_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const health = new Map<string, BackendHealth>(
    options.backends.map((b) => [b.name, { name: b.name, url: b.url, reachable: false, lastError: 'not probed yet', lastSeen: null }]),
  );
  const timers = new Map<string, NodeJS.Timeout>();
  const failures = new Map<string, number>();
  let running = false;

  const probe = async (backend: BackendConfig): Promise<void> => {
    const before = health.get(backend.name);
    try {
      const response = await request(`${backend.url}/system_stats`, {
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`GET /system_stats answered ${response.statusCode}`);
      health.set(backend.name, { ...backend, reachable: true, lastError: null, lastSeen: new Date().toISOString() });
      failures.set(backend.name, 0);
      if (before && !before.reachable) options.logger.info({ backend: backend.name }, 'backend reachable');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      health.set(backend.name, { ...backend, reachable: false, lastError: message, lastSeen: before?.lastSeen ?? null });
      failures.set(backend.name, (failures.get(backend.name) ?? 0) + 1);
      if (before?.reachable || before?.lastError === 'not probed yet') {
        options.logger.warn({ backend: backend.name, err: message }, 'backend unreachable');
      }
    }
  };

  const schedule = (backend: BackendConfig): void => {
    if (!running) return;
    const failed = failures.get(backend.name) ?? 0;
    const delay = failed === 0 ? intervalMs : Math.min(maxBackoffMs, 1_000 * 2 ** Math.min(failed - 1, 10));
    const timer = setTimeout(() => void probe(backend).finally(() => schedule(backend)), delay);
    timer.unref();
    timers.set(backend.name, timer);
  };

  return {
    states: () => [...health.values()],
    probeAll: async () => {
      await Promise.all(options.backends.map(probe));
    },
    start: () => {
      if (running) return;
      running = true;
      for (const backend of options.backends) void probe(backend).finally(() => schedule(backend));
    },
    stop: () => {
      running = false;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
