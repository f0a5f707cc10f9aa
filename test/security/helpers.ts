import http from 'node:http';
import pg from 'pg';
import { postgresSchemaFor } from '../helpers/app.js';
import { testDatabaseKind } from '../helpers/postgres.js';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/log.js';
import { createSqliteStore, DATABASE_FILE, type Store } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';

export interface CustomApp {
  readonly app: App;
  readonly config: Config;
  readonly store: Store;
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Log lines written so far, parsed (only when started with captureLogs). */
  readonly logs: readonly Record<string, unknown>[];
  /** Raw log text so far (only when started with captureLogs). */
  logText(): string;
  close(): Promise<void>;
}

/**
 * Like startTestApp, but lets a test add throwaway routes or WebSocket endpoints before the app
 * listens (`setup`), and capture the log (debug level) to check what reaches it.
 */
export async function startCustomApp(
  argv: readonly string[],
  options: { setup?: (app: App) => void; captureLogs?: boolean } = {},
): Promise<CustomApp> {
  const temp = makeTempDir('automa-sec-');
  const loaded = loadConfig(['--port', '0', '--data-dir', temp.dir, '--log-level', options.captureLogs ? 'debug' : 'silent', ...argv], {});
  if (loaded.kind !== 'config') throw new Error(`bad test config: ${JSON.stringify(loaded)}`);
  const { config } = loaded;
  let logText = '';
  const logger: Logger = options.captureLogs
    ? pino(
        { level: 'debug', redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' } },
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            logText += chunk.toString('utf8');
            callback();
          },
        }),
      )
    : createLogger('silent');
  const store = createSqliteStore({ dataDir: temp.dir });
  const app = await buildApp({ config, store, logger, version: '0.0.0-test' });
  app.http.addHook('onClose', async () => store.close());
  options.setup?.(app);
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.http.server.address() as net.AddressInfo).port;
  let closed = false;
  return {
    app,
    config,
    store,
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir: temp.dir,
    get logs() {
      return logText
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => logText,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.http.close();
      temp.remove();
    },
  };
}

/** Row counts of every table in the app's database, to prove a refused request wrote nothing. */
/** Rows per table of the test app's database (its SQLite file, or its PostgreSQL schema). */
export async function rowCounts(dataDir: string): Promise<Record<string, number>> {
  if (testDatabaseKind() === 'postgres') {
    const { url, schema } = postgresSchemaFor(dataDir);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema]);
      const counts: Record<string, number> = {};
      // Heartbeats and leases change as time passes, not as requests write.
      for (const { name } of tables.rows) {
        if (name === 'automa_gateways' || name === 'automa_backend_leases') continue;
        counts[name] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."${name}"`)).rows[0]?.n);
      }
      return counts;
    } finally {
      await client.end();
    }
  }
  const db = new DatabaseSync(path.join(dataDir, DATABASE_FILE), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as unknown as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, Number(db.prepare(`SELECT count(*) AS n FROM "${name}"`).get()?.n)]));
  } finally {
    db.close();
  }
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request with exactly these headers (fetch would add or refuse some, e.g. Host, Origin). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export type UpgradeResult = { readonly upgraded: true } | ({ readonly upgraded: false } & RawResponse);

/** Attempt a WebSocket handshake; a refusal comes back as the plain HTTP response it was. */
export function tryUpgrade(url: string, headers: Record<string, string> = {}): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve({ upgraded: true });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ upgraded: false, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Send raw bytes on a fresh connection and collect everything until the server closes it. */
export function rawExchange(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(data);
  });
}

/** The parsed JSON error body, asserting the service's error shape. */
export function errorOf(body: string): { type: string; message: string; details: string; extra_info: Record<string, unknown> } {
  const parsed = JSON.parse(body) as { error?: { type: string; message: string; details: string; extra_info: Record<string, unknown> } };
  if (parsed.error === undefined || typeof parsed.error.type !== 'string' || typeof parsed.error.message !== 'string') {
    throw new Error(`not an error body: ${body}`);
  }
  return parsed.error;
}
