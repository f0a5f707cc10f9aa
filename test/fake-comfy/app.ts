/**
 * The fake's HTTP and WebSocket front: origin check first (403 before any route, the WS upgrade
 * included), then the route table; /ws and /api/ws hand sockets to the current life's hub.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { checkOrigin } from '../../src/upstream/protocol/index.js';
import type { FakeContext } from './context.js';
import { empty, readBody, serverError, type Reply } from './http.js';
import { createRouter } from './router.js';
import { infoRoutes } from './routes/info.js';
import { jobCancelRoutes } from './routes/jobs-cancel.js';
import { jobRoutes } from './routes/jobs.js';
import { newerRoutes } from './routes/newer.js';
import { promptRoutes } from './routes/prompt.js';
import { queueRoutes } from './routes/queue.js';
import { uploadRoutes } from './routes/uploads.js';
import { viewRoutes } from './routes/view.js';
import { WEB_ROOT_FILES } from './web-root.js';

const route = createRouter([...infoRoutes, ...promptRoutes, ...queueRoutes, ...jobCancelRoutes, ...jobRoutes, ...uploadRoutes, ...viewRoutes, ...newerRoutes]);

export interface AppOptions {
  readonly enableCorsHeader: boolean;
}

function originVerdict(request: http.IncomingMessage, options: AppOptions): Reply | undefined {
  if (options.enableCorsHeader) return undefined;
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const verdict = checkOrigin({
    method: request.method ?? 'GET',
    host: header('host'),
    origin: header('origin'),
    secFetchSite: header('sec-fetch-site'),
  });
  if (verdict === 'forbid') return empty(403);
  if (verdict === 'preflight') return empty(200);
  return undefined;
}

/** An http.Server serving `fake` (whose life changes across restarts, hence the getter). */
export function createHttpServer(fake: () => FakeContext, options: AppOptions): http.Server {
  const server = http.createServer((request, response) => {
    // Whatever escapes the routes (a malformed URL, a bug here) is still an aiohttp-style 500.
    void Promise.resolve()
      .then(() => handle(fake(), request, options))
      .catch(() => serverError())
      .then((reply) => {
        const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
        if (response.destroyed) return;
        response.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
        response.end(body);
      });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const refused = originVerdict(request, options);
    if (refused?.status === 403 || (url.pathname !== '/ws' && url.pathname !== '/api/ws')) {
      const status = refused?.status === 403 ? '403 Forbidden' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => fake().life.hub.attach(ws, url.searchParams.get('clientId')));
  });
  return server;
}

async function handle(fake: FakeContext, request: http.IncomingMessage, options: AppOptions): Promise<Reply> {
  const url = new URL(request.url ?? '/', 'http://fake');
  const method = request.method ?? 'GET';
  const reply =
    originVerdict(request, options) ??
    (await route(fake, {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: () => readBody(request, fake.maxUploadSize),
    }));
  const file = reply.status === 404 && (method === 'GET' || method === 'HEAD') ? WEB_ROOT_FILES[url.pathname] : undefined;
  const answer: Reply = file ? { status: 200, headers: { 'content-type': file.type }, body: file.body } : reply;
  fake.received.requests.push({ method, path: url.pathname, status: answer.status });
  return answer;
}
