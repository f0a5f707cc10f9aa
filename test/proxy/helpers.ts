/**
 * Small purpose-built upstreams and a raw HTTP client for the proxy tests: the cases the fake
 * ComfyUI does not stage (resets, garbage, hangs) and exact header control (fetch drops
 * Connection and friends before they reach the wire).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 running `handler`; close() cuts open connections. */
export async function startUpstream(handler: http.RequestListener): Promise<Upstream> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TCP server that answers every connection with `onConnection` (garbage, half headers, silence). */
export async function startRawUpstream(onConnection: (socket: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What an echoing upstream saw of one request. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly headers: http.IncomingHttpHeaders;
  readonly bytes: number;
  readonly sha256: string;
}

/** Reads the whole body as it streams, hashing it (never buffering it). */
export function digestBody(req: http.IncomingMessage): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    req.on('error', reject);
  });
}

/** An upstream answering every request with a JSON description of what it received. */
export async function startEchoUpstream(): Promise<Upstream & { readonly seen: Seen[] }> {
  const seen: Seen[] = [];
  const upstream = await startUpstream((req, res) => {
    digestBody(req).then(
      ({ bytes, sha256 }) => {
        const entry: Seen = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, bytes, sha256 };
        seen.push(entry);
        const body = JSON.stringify(entry);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => res.destroy(),
    );
  });
  return Object.assign(upstream, { seen });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
  /** False when the connection ended before the message did (content-length short, no last chunk). */
  readonly complete: boolean;
}

export interface RawRequestOptions {
  readonly method?: string;
  /** Flat [name, value, …] list, sent exactly as given. */
  readonly headers?: readonly string[];
  readonly body?: Buffer | string;
}

/** One request over a fresh connection with exactly the given headers; resolves even if the response is cut. */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Given as a list, headers are written as is: Node adds no Host of its own.
    const given = options.headers ?? [];
    const headers = headerNames(given).includes('host') ? [...given] : ['Host', new URL(url).host, ...given];
    const req = http.request(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks), complete: res.complete }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Header names of a raw list, lowercased. */
export function headerNames(rawHeaders: readonly string[]): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
}

/** Wait for one emission of `event` (resolves with its first argument). */
export function once<T = unknown>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (value: T) => resolve(value)));
}
