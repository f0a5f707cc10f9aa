import type { FastifyInstance } from 'fastify';
import { isAppError } from '../../errors.js';
import type { Store } from '../../store/index.js';
import type { PoolHealth } from '../pool-health.js';
import { docs, media } from '../../route-docs.js';
import type { WsClientLimit } from '../security/index.js';
import { registerCompression } from './compression.js';
import type { Metrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { registerReadyRoute } from './ready.js';

/** The service's Prometheus metrics: typed handles over one registry per app. */
export { createMetrics, upstreamErrorCounter, type Metrics, type MetricsOptions } from './metrics.js';

export interface OpsDeps {
  readonly metrics: Metrics;
  readonly store: Store;
  readonly backends: PoolHealth;
  readonly wsClients: WsClientLimit;
  readonly version: string;
  readonly keysEnabled: boolean;
  /** --max-json-body-size, for the docs page's error replies. */
  readonly jsonBodyBytes: number;
}

/**
 * Count every request by route pattern, status and duration. Register before anything that may
 * answer early (origin check, API keys) so refused requests are counted too. Listens on the raw
 * response's close, so hijacked replies (the proxy) and aborted ones count as well.
 */
export function registerRequestMetrics(http: FastifyInstance, metrics: Metrics): void {
  http.addHook('onRequest', (request, reply, done) => {
    const started = process.hrtime.bigint();
    reply.raw.once('close', () => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.raw.writableFinished ? String(reply.raw.statusCode) : 'aborted',
      };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    done();
  });
  // Errors thrown as AppErrors are counted here; code that handles an upstream or store failure
  // without throwing counts it on metrics.upstreamErrors / metrics.storeErrors itself.
  http.addHook('onError', async (_request, _reply, error) => {
    if (!isAppError(error)) return;
    if (error.code === 'STORE_FAILURE') metrics.storeErrors.inc({ operation: 'request' });
    if (error.code === 'BACKEND_UNAVAILABLE' || error.code === 'BACKEND_TIMEOUT') {
      const backend = typeof error.extra.backend === 'string' ? error.extra.backend : 'unknown';
      metrics.upstreamErrors.inc({ backend, kind: error.code === 'BACKEND_TIMEOUT' ? 'timeout' : 'unavailable' });
    }
  });
}

/**
 * Compression, the OpenAPI document and docs page, GET /automa/ready and GET /metrics.
 * Call before the API's routes are added (compression and OpenAPI see routes added afterwards).
 */
export async function registerOps(http: FastifyInstance, deps: OpsDeps): Promise<void> {
  registerCompression(http);
  registerOpenApi(http, { version: deps.version, keysEnabled: deps.keysEnabled, jsonBodyBytes: deps.jsonBodyBytes });
  registerReadyRoute(http, deps);
  http.get('/metrics', { schema: docs('operations', 'Prometheus metrics', { responses: { 200: media('text/plain', 'Prometheus text exposition format') } }) }, async (_request, reply) => {
    deps.metrics.wsClients.set(deps.wsClients.count());
    deps.metrics.backendGateway.reset();
    for (const backend of deps.backends.states()) {
      deps.metrics.backendUp.set({ backend: backend.name }, backend.reachable ? 1 : 0);
      if (backend.gateway !== null) deps.metrics.backendGateway.set({ backend: backend.name, gateway: backend.gateway }, 1);
    }
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
