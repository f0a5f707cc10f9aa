import type { Server, ServerOptions } from 'node:http';
import type { Logger } from '../../log.js';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../../config/index.js';
import { AppError, badRequest, headersTooLarge, requestTimeout } from '../../errors.js';

/** The Fastify constructor options that bound what a client may make the server hold. */
export interface ServerLimitOptions {
  readonly bodyLimit: number;
  readonly keepAliveTimeout: number;
  readonly requestTimeout: number;
  readonly http: ServerOptions;
  readonly clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => void;
}

/**
 * Limits applied by the node server itself, before Fastify sees a request:
 * - the default body limit is --max-upload-size (ComfyUI caps every body with it; the /automa
 *   API gets the lower --max-json-body-size per route, see registerSecurity);
 * - --header-timeout bounds how long headers may take (slow-loris), --request-timeout the whole
 *   request with its body (a client trickling its body). Node checks these timers only every
 *   connectionsCheckingInterval, so that interval follows the shorter one;
 * - --idle-timeout closes keep-alive connections that carry no request.
 * Errors node raises on the raw connection (timeouts, oversized or garbled headers) are answered
 * in the service's JSON error shape instead of Fastify's.
 */
export function serverLimitOptions(config: Config): ServerLimitOptions {
  return {
    bodyLimit: config.maxUploadSizeBytes,
    keepAliveTimeout: config.idleTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.headerTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(config.headerTimeoutMs, config.requestTimeoutMs) / 4))),
    },
    clientErrorHandler: answerClientError,
  };
}

/**
 * --max-connections: past it, node closes a new connection as soon as it is accepted, before
 * reading anything (answering would mean parsing the request: the work the cap sheds).
 */
export function limitConnections(server: Server, maxConnections: number, logger: Logger): void {
  server.maxConnections = maxConnections;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    logger.warn({ maxConnections, remoteAddress: data?.remoteAddress }, 'connection refused: --max-connections reached');
  });
}

function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) return void socket.destroy();
  const appError: AppError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? requestTimeout()
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? headersTooLarge()
        : badRequest('Malformed HTTP request', error.code ?? '');
  const body = JSON.stringify(appError.toBody());
  socket.end(
    `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? 'Error'}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
