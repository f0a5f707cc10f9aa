import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, in a registry of their own (never prom-client's global one:
 * tests build many apps in one process). Parts that own a number update its handle; the HTTP,
 * WebSocket, backend and error metrics are fed by api/ops, the queue ones by the queue's wiring.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Requests answered, by method, route pattern (not raw URL) and status. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Open WebSocket connections (set at scrape time from the upgrade guard's count). */
  readonly wsClients: Gauge;
  /** 1 when a backend answers its probe, 0 otherwise (set at scrape time). */
  readonly backendUp: Gauge<'backend'>;
  /** 1 for the gateway driving each backend (several gateways on one database). */
  readonly backendGateway: Gauge<'backend' | 'gateway'>;
  /** Failed calls to a ComfyUI backend, by backend and kind (unavailable, timeout, ...). */
  readonly upstreamErrors: Counter<'backend' | 'kind'>;
  /** Store operations that failed. */
  readonly storeErrors: Counter<'operation'>;
  /** Prompts waiting for a backend. */
  readonly queuePending: Gauge;
  /** Prompts running on a backend. */
  readonly queueRunning: Gauge;
  /** Prompts that ended, by outcome (success, error, interrupted, cancelled). */
  readonly promptsFinished: Counter<'outcome'>;
  /** Seconds from a prompt's start on a backend to its end, by outcome. */
  readonly promptDuration: Histogram<'outcome'>;
  /** Where the queue gauges read their values at scrape time (the queue is built after the metrics). */
  setQueueSource(source: () => { pending: number; running: number }): void;
}

export interface MetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag, GC); one set per process is enough. */
  readonly processMetrics?: boolean;
}

/** A fresh registry holding every metric of the service. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  let queueSource: (() => { pending: number; running: number }) | null = null;
  return {
    setQueueSource: (source) => {
      queueSource = source;
    },
    registry,
    httpRequests: new Counter({
      name: 'automa_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'automa_http_request_duration_seconds',
      help: 'Time from request to the end of its response',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    wsClients: new Gauge({ name: 'automa_ws_clients', help: 'Open WebSocket connections', registers }),
    backendUp: new Gauge({
      name: 'automa_backend_up',
      help: '1 when the ComfyUI backend answers its health probe',
      labelNames: ['backend'] as const,
      registers,
    }),
    backendGateway: new Gauge({
      name: 'automa_backend_gateway',
      help: '1 for the gateway that drives the backend (with --database shared by several gateways)',
      labelNames: ['backend', 'gateway'] as const,
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'automa_upstream_errors_total',
      help: 'Failed calls to ComfyUI backends, by backend and kind',
      labelNames: ['backend', 'kind'] as const,
      registers,
    }),
    storeErrors: new Counter({
      name: 'automa_store_errors_total',
      help: 'Failed store operations',
      labelNames: ['operation'] as const,
      registers,
    }),
    queuePending: new Gauge({
      name: 'automa_queue_pending',
      help: 'Prompts waiting for a backend (ours or prefetched by one)',
      registers,
      collect() {
        if (queueSource) this.set(queueSource().pending);
      },
    }),
    queueRunning: new Gauge({
      name: 'automa_queue_running',
      help: 'Prompts running on a backend',
      registers,
      collect() {
        if (queueSource) this.set(queueSource().running);
      },
    }),
    promptsFinished: new Counter({
      name: 'automa_prompts_finished_total',
      help: 'Prompts that ended, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    promptDuration: new Histogram({
      name: 'automa_prompt_duration_seconds',
      help: 'Run time of prompts on a backend, by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
  };
}

/** A callback for code outside Fastify's error path (the proxies) to count its upstream failures. */
export function upstreamErrorCounter(metrics: Metrics): (backend: string, kind: string) => void {
  return (backend, kind) => metrics.upstreamErrors.inc({ backend, kind });
}
