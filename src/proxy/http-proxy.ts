import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { AppError, backendTimeout, backendUnavailable, badRequest, bodyTooLarge } from '../errors.js';
import type { Logger } from '../log.js';
import { upstreamConnector } from '../upstream/index.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { BodyLimitExceeded, ClientAborted, relayRequestBody } from './request-body.js';

/** What the proxy needs of a logger: pino's, or a Fastify request's child. */
export type ProxyLog = Pick<Logger, 'warn' | 'debug'>;

export interface HttpProxyOptions {
  /** Base URL of the upstream, e.g. http://127.0.0.1:8188 (a path prefix is kept). */
  readonly target: string;
  /** Name used in logs and error bodies; defaults to the target's host. */
  readonly name?: string;
  /** Largest request body forwarded; larger ones get a 413 from us. */
  readonly maxBodyBytes: number;
  readonly connectTimeoutMs: number;
  /** How long the upstream may take to start answering once the request is sent. */
  readonly headersTimeoutMs: number;
  /** Longest silence between two chunks of a response body (never counted while the client is slow). */
  readonly bodyTimeoutMs?: number;
  readonly log: ProxyLog;
  /** Told of every upstream failure (for metrics): refused/unreachable, timeout, or reset mid-response. */
  readonly onUpstreamError?: UpstreamErrorReporter;
}

export type UpstreamErrorReporter = (backend: string, kind: 'unavailable' | 'timeout' | 'reset') => void;

export interface ExchangeOptions {
  /** Logger for this request (e.g. one carrying its request id). */
  readonly log?: ProxyLog;
  /** Flat [name, value, …] headers (lowercase names) added to the response; they replace upstream headers of the same name. */
  readonly responseHeaders?: readonly string[];
}

/** Forwards one request to the upstream and streams the answer back. Never throws. */
export type HttpProxyHandler = (req: IncomingMessage, res: ServerResponse, upstreamPath: string, options?: ExchangeOptions) => void;

export type HttpProxy = HttpProxyHandler & {
  /** Drop the upstream connections (in-flight exchanges fail). */
  close(): Promise<void>;
};

/** What Node accepts in a reason phrase (its own check for header values). */
const REASON_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

interface ProxyShared {
  readonly pool: Pool;
  readonly name: string;
  readonly basePath: string;
  readonly origin: string;
  readonly options: HttpProxyOptions;
}

/**
 * A reverse proxy to one upstream over a keep-alive undici pool, independent of Fastify.
 * Bodies stream both ways with backpressure and are never buffered whole; failures become
 * 413/502/504 JSON replies before the response started, and an aborted connection after.
 */
export function createHttpProxy(options: HttpProxyOptions): HttpProxy {
  const url = new URL(options.target);
  const pool = new Pool(url.origin, {
    pipelining: 1,
    connect: upstreamConnector({ timeout: options.connectTimeoutMs }),
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs ?? 300_000,
  });
  const shared: ProxyShared = {
    pool,
    name: options.name ?? url.host,
    basePath: url.pathname.replace(/\/+$/, ''),
    origin: url.origin,
    options,
  };
  const handler: HttpProxyHandler = (req, res, upstreamPath, exchangeOptions) => {
    new Exchange(shared, req, res, exchangeOptions).start(upstreamPath);
  };
  return Object.assign(handler, { close: () => pool.destroy() });
}

/** One proxied request: the undici dispatch handler for its upstream side. */
class Exchange implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | null = null;
  private clientGone = false;
  private settled = false;
  private readonly log: ProxyLog;
  private readonly extraHeaders: readonly string[] | undefined;
  private path = '';

  constructor(
    private readonly shared: ProxyShared,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    options: ExchangeOptions | undefined,
  ) {
    this.log = options?.log ?? shared.options.log;
    this.extraHeaders = options?.responseHeaders;
  }

  start(upstreamPath: string): void {
    const { req, res, shared } = this;
    this.path = shared.basePath + upstreamPath;
    const limit = shared.options.maxBodyBytes;
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > limit) return this.fail(bodyTooLarge(limit), 'debug');
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    res.once('close', this.onClientClose);
    shared.pool.dispatch(
      {
        path: this.path,
        method: req.method ?? 'GET',
        headers: upstreamRequestHeaders(req, { upstreamOrigin: shared.origin }),
        body: hasBody ? relayRequestBody(req, limit) : null,
      },
      this,
    );
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.clientGone) abort(new ClientAborted());
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true;
    const headers = downstreamResponseHeaders(rawHeaders, this.extraHeaders);
    if (this.extraHeaders !== undefined) headers.push(...this.extraHeaders);
    // An upstream header Node refuses to write (bad characters) throws here; undici then
    // aborts the exchange and onError answers 502, as for any other garbage from upstream.
    // A reason phrase Node would refuse is dropped instead: clients ignore it anyway.
    if (statusText === '' || !REASON_RE.test(statusText)) this.res.writeHead(statusCode, headers);
    else this.res.writeHead(statusCode, statusText, headers);
    // No body can follow: done now, so an upstream that announced one anyway (a Content-Length
    // on a 204, which undici then reports as a length mismatch) cannot cut a complete answer.
    if (statusCode === 204 || statusCode === 304) return this.onComplete(), true;
    this.res.on('drain', resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onComplete(): void {
    this.settled = true;
    this.res.end();
  }

  onError(err: Error): void {
    // undici calls this outside its own try/catch: whatever happens here must not escape.
    try {
      this.handleError(err);
    } catch (unexpected) {
      this.log.warn({ err: unexpected, path: this.path }, 'proxy: failed to report an upstream error; aborting the client connection');
      this.res.destroy();
    }
  }

  private handleError(err: Error): void {
    if (this.settled) return;
    if (this.clientGone || err instanceof ClientAborted) {
      this.settled = true;
      this.log.debug({ path: this.path, reason: err.message }, 'proxy: client went away');
      return;
    }
    if (this.res.headersSent) {
      this.settled = true;
      this.log.warn({ backend: this.shared.name, path: this.path, cause: describe(err) }, 'proxy: upstream failed mid-response; aborting the client connection');
      this.shared.options.onUpstreamError?.(this.shared.name, 'reset');
      this.res.destroy();
      return;
    }
    const appError = this.toAppError(err);
    if (appError.status === 502) this.shared.options.onUpstreamError?.(this.shared.name, 'unavailable');
    if (appError.status === 504) this.shared.options.onUpstreamError?.(this.shared.name, 'timeout');
    this.fail(appError, appError.status >= 500 ? 'warn' : 'debug');
  }

  private readonly onClientClose = (): void => {
    if (this.settled) return;
    this.clientGone = true;
    this.abortUpstream?.(new ClientAborted());
  };

  private toAppError(err: Error): AppError {
    const { name, options } = this.shared;
    if (err instanceof BodyLimitExceeded) return bodyTooLarge(err.limitBytes);
    const code = (err as { code?: unknown }).code;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return backendTimeout(name, `no connection within ${options.connectTimeoutMs} ms`);
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return backendTimeout(name, `no response headers within ${options.headersTimeoutMs} ms`);
    if (code === 'UND_ERR_INVALID_ARG') return badRequest('Request cannot be forwarded to ComfyUI', err.message);
    return backendUnavailable(name, describe(err));
  }

  /** Answer with our own JSON error; only possible while the response has not started. */
  private fail(error: AppError, level: 'warn' | 'debug'): void {
    this.settled = true;
    this.log[level]({ backend: this.shared.name, path: this.path, status: error.status, cause: error.details }, `proxy: ${error.message}`);
    const { req, res } = this;
    if (res.headersSent || res.destroyed) return void res.destroy();
    const body = JSON.stringify(error.toBody());
    const headers = [...(this.extraHeaders ?? []), 'content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body))];
    // An unread request body would otherwise be drained in full to keep the connection alive.
    if (!req.complete) headers.push('connection', 'close');
    // The standard reason phrase, replacing any the upstream's headers may have set already.
    res.writeHead(error.status, STATUS_CODES[error.status] ?? 'Error', headers);
    res.end(body);
  }
}

/** `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8188`, also for Node's AggregateError (happy eyeballs). */
function describe(err: Error): string {
  const code = (err as { code?: unknown }).code;
  const inner = err instanceof AggregateError ? (err.errors[0] as Error | undefined) : undefined;
  const message = err.message !== '' ? err.message : (inner?.message ?? err.name);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
