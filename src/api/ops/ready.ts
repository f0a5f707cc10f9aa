import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notReady } from '../../errors.js';
import type { Store } from '../../store/index.js';
import type { PoolHealth } from '../pool-health.js';
import { docs, media } from '../../route-docs.js';
import type { Metrics } from './metrics.js';

const ReadySchema = Type.Object({
  status: Type.Literal('ready'),
  store: Type.Object({ ok: Type.Boolean() }),
  backends: Type.Object({ total: Type.Integer(), reachable: Type.Integer() }),
});

/**
 * GET /automa/ready: whether the service can do its work now, for load balancers and
 * orchestrators: the store accepts writes and, when backends are configured, at least one
 * answers its probe. 503 with the reasons otherwise. (Liveness is /automa/health.)
 */
export function registerReadyRoute(http: FastifyInstance, deps: { store: Store; backends: PoolHealth; metrics: Metrics }): void {
  http.get(
    '/automa/ready',
    {
      schema: docs('operations', 'Readiness: store writable and a backend reachable', {
        description: 'For load balancers and orchestrators; liveness is /automa/health.',
        responses: { 200: ReadySchema, 503: 'Not ready: `details` gives the reasons, `extra_info` the store and backend checks' },
      }),
    },
    async () => {
      const storeOk = await deps.store.ping().catch(() => false);
      if (!storeOk) deps.metrics.storeErrors.inc({ operation: 'ping' });
      const states = deps.backends.states();
      const reachable = states.filter((b) => b.reachable).length;
      const reasons: string[] = [];
      if (!storeOk) reasons.push('the store does not accept writes');
      if (states.length > 0 && reachable === 0) {
        reasons.push(`no ComfyUI backend is reachable (${states.map((b) => `${b.name}: ${b.lastError ?? 'down'}`).join(', ')})`);
      }
      const backends = { total: states.length, reachable };
      if (reasons.length > 0) throw notReady(reasons, { store: { ok: storeOk }, backends });
      return { status: 'ready' as const, store: { ok: true }, backends };
    },
  );
}
