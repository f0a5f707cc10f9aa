import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../../src/app.js';
import type { Clock } from '../../src/automation/schedules/index.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createSqliteStore, type Store } from '../../src/store/index.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { postgresUrl, testDatabaseKind } from './postgres.js';
import { serviceLog } from './service-log.js';

export interface TestApp {
  readonly app: App;
  readonly config: Config;
  readonly store: Store;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port> */
  readonly wsUrl: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/** A fresh temp directory, removed by the returned cleanup. */
export function makeTempDir(prefix = 'automa-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Under AUTOMA_TEST_DATABASE=postgres every test app keeps its tables in PostgreSQL, in a schema
 * named after its data dir: a test that restarts on the same data dir finds the same database.
 */
export function postgresSchemaFor(dataDir: string): { url: string; schema: string } {
  return { url: postgresUrl(), schema: `t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}` };
}

function postgresDatabaseFor(dataDir: string): string {
  const { url, schema } = postgresSchemaFor(dataDir);
  return `${url}?schema=${schema}`;
}

/**
 * The store startTestApp would open on `dataDir` (SQLite there, or its PostgreSQL schema), for a
 * test to fill before the app starts on it. The caller closes it.
 */
export async function openStoreFor(dataDir: string): Promise<Store> {
  return testDatabaseKind() === 'postgres' ? createPostgresStore({ url: postgresDatabaseFor(dataDir), maxConnections: 4 }) : createSqliteStore({ dataDir });
}

/**
 * The real app on 127.0.0.1:0 with a real SQLite file in a temp data dir.
 * `argv` takes the service's own flags (e.g. ['--comfyui', fake.url]); the data dir is kept
 * when `dataDir` is given so a test can restart on the same data. `webAppDirs` serves the built
 * web app at `/` (test/web/); without it `/` is the JSON index. `scheduleClock` replaces the
 * schedules' clock (tests move it by hand).
 */
export async function startTestApp(argv: readonly string[] = [], options: { dataDir?: string; webAppDirs?: readonly string[]; scheduleClock?: Clock } = {}): Promise<TestApp> {
  const temp = options.dataDir === undefined ? makeTempDir() : undefined;
  const dataDir = options.dataDir ?? temp?.dir ?? '';
  // Without a --comfyui of the test's own, point at a port nothing listens on (the discard port),
  // so a ComfyUI running on the developer's machine can never answer a test.
  const backend = argv.includes('--comfyui') ? [] : ['--comfyui', 'http://127.0.0.1:9'];
  const database = testDatabaseKind() === 'postgres' && !argv.includes('--database') ? ['--database', postgresDatabaseFor(dataDir)] : [];
  const loaded = loadConfig(['--port', '0', '--data-dir', dataDir, '--log-level', process.env.TEST_LOG_LEVEL ?? 'silent', ...database, ...backend, ...argv], {});
  if (loaded.kind !== 'config') throw new Error(`bad test config: ${JSON.stringify(loaded)}`);
  const { config } = loaded;
  const store = config.database === null ? createSqliteStore({ dataDir }) : await createPostgresStore({ url: config.database, maxConnections: 4 });
  // Quiet unless TEST_LOG_LEVEL says otherwise, but kept: a wait that times out shows them.
  const logger = process.env.TEST_LOG_LEVEL === undefined && !argv.includes('--log-level') ? createLogger('info', { destination: serviceLog }) : createLogger(config.logLevel);
  const app = await buildApp({ config, store, logger, version: '0.0.0-test', webAppDirs: options.webAppDirs ?? [], ...(options.scheduleClock !== undefined && { scheduleClock: options.scheduleClock }) });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  let closed = false;
  return {
    app,
    config,
    store,
    url: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}`,
    dataDir,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.http.close();
      await store.close();
      temp?.remove();
    },
  };
}
