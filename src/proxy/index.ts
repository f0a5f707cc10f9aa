import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { createHttpProxy, type HttpProxyOptions, type UpstreamErrorReporter } from './http-proxy.js';
import { isProxyPath, registerProxyRoutes, upstreamPathOf } from './routes.js';
import { createWsProxy, type WsProxyOptions } from './ws-proxy.js';

/** The streaming HTTP reverse proxy core, usable without Fastify. */
export { createHttpProxy, type HttpProxy, type HttpProxyHandler, type HttpProxyOptions, type ExchangeOptions, type UpstreamErrorReporter } from './http-proxy.js';
/** The WebSocket relay core. */
export { createWsProxy, type WsProxy, type WsProxyOptions } from './ws-proxy.js';
/** `/comfyui/x?y` → `/x?y`, and the predicate for paths under `/comfyui`. */
export { upstreamPathOf, isProxyPath, PROXY_PREFIX, PROXIED_RESPONSES, WILDCARD_PARAMS, handOver, registerHandOverRoutes } from './routes.js';

export interface ComfyProxy {
  /** True for upgrade paths the proxy serves (`/comfyui` and below). */
  readonly matches: (pathname: string) => boolean;
  /** Upgrade listener for those paths: relays the WebSocket to the same path on the backend. */
  readonly handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * Mount the transparent proxy to the default backend (the first `--comfyui`): every HTTP method
 * under /comfyui/*, and WebSocket upgrades once the caller routes them to `handleUpgrade`.
 * Closing the Fastify instance closes the relayed WebSockets (1001) and the upstream pool.
 */
export function registerComfyProxy(
  app: FastifyInstance,
  deps: { readonly config: Config; readonly logger: Logger; readonly onUpstreamError?: UpstreamErrorReporter },
): ComfyProxy | null {
  const { config, logger } = deps;
  const backend = config.backends[0];
  if (backend === undefined) return null;
  const http = createHttpProxy(httpProxyOptions(config, backend, logger, deps.onUpstreamError));
  const ws = createWsProxy(wsProxyOptions(config, backend, logger));
  registerProxyRoutes(app, { proxy: http });
  app.addHook('preClose', async () => ws.close());
  app.addHook('onClose', async () => http.close());
  return {
    matches: isProxyPath,
    handleUpgrade: (req, socket, head) => ws.handleUpgrade(req, socket, head, upstreamPathOf(req.url ?? '/comfyui')),
  };
}

/** Proxy settings for one backend, from the service's config. */
export function httpProxyOptions(
  config: Config,
  backend: { name: string; url: string },
  log: Logger,
  onUpstreamError?: UpstreamErrorReporter,
): HttpProxyOptions {
  return {
    target: backend.url,
    name: backend.name,
    maxBodyBytes: config.maxUploadSizeBytes,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    headersTimeoutMs: config.upstreamHeadersTimeoutMs,
    log,
    ...(onUpstreamError && { onUpstreamError }),
  };
}

/** WebSocket relay settings for one backend; its handshake may take connect + headers timeout. */
export function wsProxyOptions(config: Config, backend: { name: string; url: string }, log: Logger): WsProxyOptions {
  return {
    target: backend.url,
    name: backend.name,
    maxBufferBytes: config.wsMaxBufferBytes,
    pingIntervalMs: config.wsPingIntervalMs,
    connectTimeoutMs: config.upstreamConnectTimeoutMs + config.upstreamHeadersTimeoutMs,
    log,
  };
}
