import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import type { PoolHealth } from '../pool-health.js';

export interface HealthRouteDeps {
  readonly store: Store;
  readonly backends: PoolHealth;
  readonly version: string;
  readonly startedAt: number;
}

/** GET /automa/health: liveness plus a summary of the store and the backends. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  app.get('/automa/health', async () => {
    const storeOk = await deps.store.ping().catch(() => false);
    return {
      status: storeOk ? 'ok' : 'degraded',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      store: { ok: storeOk },
      backends: deps.backends.states().map((b) => ({ name: b.name, url: b.url, state: b.state, reachable: b.reachable, last_error: b.lastError })),
    };
  });
}
