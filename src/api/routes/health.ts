import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.js';
import { docs } from '../../route-docs.js';
import type { PoolHealth } from '../pool-health.js';
import { HealthSchema } from '../schemas/operations.js';

export interface HealthRouteDeps {
  readonly store: Store;
  readonly backends: PoolHealth;
  readonly version: string;
  readonly startedAt: number;
}

/** GET /automa/health: liveness plus a summary of the store and the backends. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  const schema = docs('operations', 'Liveness, with the state of the store and of each backend', {
    description: 'Always 200 while the process serves; readiness is /automa/ready.',
    responses: { 200: HealthSchema },
  });
  app.get('/automa/health', { schema }, async () => {
    const storeOk = await deps.store.ping().catch(() => false);
    const cluster = deps.backends.cluster();
    return {
      status: storeOk ? 'ok' : 'degraded',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      store: { ok: storeOk },
      backends: deps.backends.states().map((b) => ({
        name: b.name,
        url: b.url,
        state: b.state,
        reachable: b.reachable,
        last_error: b.lastError,
        ...(cluster !== null && { gateway: b.gateway }),
      })),
      ...(cluster !== null && {
        cluster: {
          gateway: cluster.gateway,
          gateways: cluster.gateways.map((g) => ({ id: g.id, address: g.address, started_at: new Date(g.startedAt).toISOString(), seen_at: new Date(g.seenAt).toISOString() })),
        },
      }),
    };
  });
}
