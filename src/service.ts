import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { buildApp, type App } from './app.js';
import type { Config } from './config/index.js';
import type { Logger } from './log.js';
import { fileURLToPath } from 'node:url';
import { setGlobalDispatcher } from 'undici';
import { createSqliteStore, type Store } from './store/index.js';
import { createUpstreamAgent } from './upstream/index.js';
import { messageOf } from './values.js';
import { VERSION } from './version.js';

export interface RunningService {
  readonly app: App;
  /** Where it listens, e.g. http://127.0.0.1:8189 */
  readonly address: string;
  /**
   * Stops taking requests, lets in-flight ones finish (at most --shutdown-timeout, then closes
   * them), stops the queue and closes the database. Called twice, the second call waits for the first.
   */
  stop(reason: string): Promise<void>;
}

export type StartResult = { readonly ok: true; readonly service: RunningService } | { readonly ok: false; readonly problem: string };

/**
 * Where the built web app may be: beside the bundle (dist/web next to dist/bin.js and its
 * chunks; the single executable points import.meta.url at its extracted copy), or dist/web of
 * the checkout when running src/ through tsx (`npm run dev`).
 */
function webAppDirs(): string[] {
  return [fileURLToPath(new URL('./web/', import.meta.url)), fileURLToPath(new URL('../dist/web/', import.meta.url))];
}

/**
 * Store → app → listen. A start-up problem for the user to fix (a data dir that cannot hold the
 * database, a port in use) comes back as a one-line reason rather than a stack trace.
 */
export async function startService(config: Config, logger: Logger): Promise<StartResult> {
  let store: Store;
  try {
    store = await openStore(config);
  } catch (err) {
    const where = config.database === null ? `in ${config.dataDir}` : `at ${redactPassword(config.database)}`;
    return { ok: false, problem: `cannot open the database ${where}: ${messageOf(err)}` };
  }
  // undici's request() without a dispatcher of its own (file transfers to and from backends)
  // connects like the backend pools do.
  setGlobalDispatcher(createUpstreamAgent());
  let app: App;
  try {
    app = await buildApp({ config, store, logger, version: VERSION, webAppDirs: webAppDirs() });
  } catch (err) {
    // Nothing owns the store yet: close it here, or a PostgreSQL pool would keep the process alive.
    await store.close();
    throw err;
  }
  const unused = trackUnusedConnections(app.http.server);

  let address: string;
  try {
    address = await app.http.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.http.close();
    await store.close();
    return { ok: false, problem: `cannot listen on ${config.host}:${config.port}: ${messageOf(err)}` };
  }
  logger.info(
    {
      address,
      dataDir: config.dataDir,
      ...(config.database !== null && { database: redactPassword(config.database), gateway: config.gatewayId }),
      backends: config.backends.map((b) => `${b.name}=${b.url}`), publicDir: config.publicDir },
    'comfyui-automa listening',
  );

  let stopping: Promise<void> | null = null;
  const stop = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ reason: why }, 'shutting down');
      const force = setTimeout(() => {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; closing anyway');
        app.http.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      force.unref();
      try {
        const closed = app.http.close();
        unused.destroy();
        await closed;
        // Last: the queue's own shutdown (onClose) still writes, e.g. handing backend leases over.
        await store.close();
        logger.info('stopped');
      } finally {
        clearTimeout(force);
      }
    })());
  return { ok: true, service: { app, address, stop } };
}

/** The SQLite file in the data dir, or PostgreSQL (loaded only then: a desktop start never pays for pg). */
async function openStore(config: Config): Promise<Store> {
  if (config.database === null) return createSqliteStore({ dataDir: config.dataDir });
  const { createPostgresStore } = await import('./store/postgres/store.js');
  return createPostgresStore({ url: config.database });
}

/** A database URL fit for a log line or an error message. */
function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the --database URL';
  }
}

/**
 * Connections that have not sent a request yet. Browsers open one or two ahead of need
 * (preconnect); node's close() leaves them open as if a request were coming, so a shutdown with
 * a browser window on the service waited for --shutdown-timeout. They carry nothing: destroying
 * them at shutdown loses nothing.
 */
function trackUnusedConnections(server: Server): { destroy(): void } {
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  const used = (request: IncomingMessage): void => void unused.delete(request.socket);
  server.on('request', used);
  server.on('upgrade', used);
  return {
    destroy: () => {
      for (const socket of unused) socket.destroy();
      unused.clear();
    },
  };
}
