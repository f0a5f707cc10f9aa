import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { createSqliteStore, type Store } from './store/index.js';
import { messageOf } from './values.js';


/** Read the package version without I/O at import time. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/**
 * Where the built web app may be: beside the bundle (dist/web next to dist/bin.js and its
 * chunks), or dist/web of the checkout when running src/ through tsx (`npm run dev`).
 */
function webAppDirs(): string[] {
  return [fileURLToPath(new URL('./web/', import.meta.url)), fileURLToPath(new URL('../dist/web/', import.meta.url))];
}

/** Entry point: config → store → app → listen, and a graceful close on SIGINT/SIGTERM. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (argv[0] === 'backup') {
    // Loaded on demand: the service's start-up never pays for the subcommands.
    const { runBackupCommand } = await import('./commands/backup.js');
    process.exitCode = await runBackupCommand(argv.slice(1), env);
    return;
  }
  const loaded = loadConfig(argv, env);
  if (loaded.kind === 'help') {
    process.stdout.write(loaded.text);
    return;
  }
  if (loaded.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (loaded.kind === 'invalid') {
    process.stderr.write(`comfyui-automa: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exitCode = 2;
    return;
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel, { pretty: process.stdout.isTTY === true });
  let store: Store;
  try {
    store = createSqliteStore({ dataDir: config.dataDir });
  } catch (err) {
    // A data dir that is a file, unwritable, or holds something that is not our database: a
    // start-up problem for the user to fix, so a one-line reason rather than a stack trace.
    process.stderr.write(`comfyui-automa: cannot open the database in ${config.dataDir}: ${messageOf(err)}\n`);
    process.exitCode = 1;
    return;
  }
  const app = await buildApp({ config, store, logger, version: packageVersion(), webAppDirs: webAppDirs() });
  app.http.addHook('onClose', async () => store.close());

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests did not finish in time; closing anyway');
      app.http.server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    force.unref();
    app.http
      .close()
      .then(() => {
        logger.info('stopped');
        process.exitCode = 0;
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exitCode = 1;
      })
      .finally(() => clearTimeout(force));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  let address: string;
  try {
    address = await app.http.listen({ host: config.host, port: config.port });
  } catch (err) {
    process.stderr.write(`comfyui-automa: cannot listen on ${config.host}:${config.port}: ${messageOf(err)}\n`);
    await app.http.close(); // closes the store cleanly too
    process.exitCode = 1;
    return;
  }
  logger.info(
    { address, dataDir: config.dataDir, backends: config.backends.map((b) => `${b.name}=${b.url}`), publicDir: config.publicDir },
    'comfyui-automa listening',
  );
}
