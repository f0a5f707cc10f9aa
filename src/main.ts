import { loadConfig } from './config/index.js';
import { createLogger, prettyDestination } from './log.js';
import { startService } from './service.js';
import { VERSION } from './version.js';

/** Entry point: a subcommand, or config → store → app → listen, and a graceful close on SIGINT/SIGTERM. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  // Subcommands are loaded on demand: the service's start-up never pays for them.
  if (argv[0] === 'backup') {
    const { runBackupCommand } = await import('./commands/backup.js');
    process.exitCode = await runBackupCommand(argv.slice(1), env);
    return;
  }
  if (argv[0] === 'desktop') {
    const { runDesktop } = await import('./desktop/index.js');
    process.exitCode = await runDesktop(argv.slice(1), env);
    return;
  }
  const loaded = loadConfig(argv, env);
  if (loaded.kind === 'help') {
    process.stdout.write(loaded.text);
    return;
  }
  if (loaded.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (loaded.kind === 'invalid') {
    process.stderr.write(`comfyui-automa: invalid configuration:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exitCode = 2;
    return;
  }
  const { config } = loaded;
  const destination = process.stdout.isTTY === true ? await prettyDestination() : undefined;
  const logger = createLogger(config.logLevel, { destination });
  // The handlers go in before the service starts: without one, a SIGTERM that arrives while it
  // starts (or right after the "listening" line) would end the process by the OS default, with no
  // clean close. One that comes before the service is up stops it as soon as it is.
  let signalled: string | null = null;
  let shutdown = (signal: string): void => void (signalled ??= signal);
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const started = await startService(config, logger);
  if (!started.ok) {
    process.stderr.write(`comfyui-automa: ${started.problem}\n`);
    process.exitCode = 1;
    return;
  }
  const { service } = started;
  shutdown = (signal: string): void => {
    service.stop(signal).then(
      () => (process.exitCode = 0),
      (err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        process.exitCode = 1;
      },
    );
  };
  if (signalled !== null) shutdown(signalled);
}
