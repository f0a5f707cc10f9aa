import os from 'node:os';
import { loadConfig, type Config } from '../config/index.js';
import { createLogger, fileAndStdout, type Logger } from '../log.js';
import { startService, type RunningService } from '../service.js';
import { VERSION } from '../version.js';
import { claimInstance } from './instance.js';
import { findLocalComfy, LOCAL_COMFY_CANDIDATES } from './local-comfy.js';
import { DESKTOP_HELP, given, parseDesktopArgs, portOrFree } from './options.js';
import { appDataDir, desktopFiles } from './places.js';
import { startTray, type Tray } from './tray.js';
import { openWithDesktop, openWindow } from './window.js';

const DESKTOP_PORT = 8189;
const STATUS_EVERY_MS = 2_000;

/** The service's flags for the desktop: the user's, plus the app-data folder, a port and a local ComfyUI when not given. */
async function desktopServiceArgs(argv: readonly string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<{ args: string[]; foundComfy: boolean }> {
  const args = [...argv];
  if (!given('data-dir', argv, env)) args.push('--data-dir', dataDir);
  if (!given('port', argv, env)) args.push('--port', String(await portOrFree(DESKTOP_PORT)));
  if (given('comfyui', argv, env)) return { args, foundComfy: true };
  const local = await findLocalComfy();
  // None answers: the service waits for ComfyUI at its default address, and the tray says so.
  args.push('--comfyui', local ?? LOCAL_COMFY_CANDIDATES[0]);
  return { args, foundComfy: local !== null };
}

/** The tray's first line: whether ComfyUI can be reached, from the pool's own view. */
function statusLine(service: RunningService, paused: boolean): string {
  const states = service.app.backends.states();
  const up = states.filter((backend) => backend.reachable);
  const comfy =
    up.length > 0
      ? `ComfyUI connected (${up.map((b) => new URL(b.url).host).join(', ')})`
      : `No ComfyUI reachable at ${states.map((b) => new URL(b.url).host).join(', ')}`;
  return `${comfy}${paused ? ' · queue paused' : ''}`;
}

/**
 * `comfyui-automa desktop`: one instance per data folder, the service on loopback, an app window
 * and a tray icon. Resolves with the exit code once the user quits (tray, Ctrl+C, logout).
 */
export async function runDesktop(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseDesktopArgs(argv, env);
  if (parsed === 'help') {
    process.stdout.write(DESKTOP_HELP);
    return 0;
  }
  const defaultDataDir = appDataDir(process.platform, env, os.homedir());
  const early = loadConfig([...parsed.serviceArgs, ...(given('data-dir', parsed.serviceArgs, env) ? [] : ['--data-dir', defaultDataDir])], env);
  if (early.kind !== 'config') {
    // Help, version and bad flags read as they do without `desktop`.
    const { main } = await import('../main.js');
    await main(parsed.serviceArgs, env);
    return Number(process.exitCode ?? 0);
  }
  const files = desktopFiles(early.config.dataDir);
  const windowOptions = { platform: process.platform, env, browser: parsed.browser, profileDir: files.browserProfile };

  const claim = await claimInstance(files.lock);
  if (claim.kind === 'running') {
    if (claim.url === null) {
      process.stderr.write(`comfyui-automa: already starting (process ${claim.pid}) for ${early.config.dataDir}\n`);
      return 1;
    }
    await openWindow(claim.url, windowOptions);
    process.stdout.write(`comfyui-automa is already running at ${claim.url}; opened a window on it\n`);
    return 0;
  }

  const { args, foundComfy } = await desktopServiceArgs(parsed.serviceArgs, env, defaultDataDir);
  const loaded = loadConfig(args, env);
  if (loaded.kind !== 'config') throw new Error(`desktop flags rejected: ${JSON.stringify(loaded)}`);
  const config: Config = loaded.config;
  const logger = createLogger(config.logLevel, { destination: fileAndStdout(files.log) });
  const started = await startService(config, logger);
  if (!started.ok) {
    claim.release();
    process.stderr.write(`comfyui-automa: ${started.problem}\n`);
    return 1;
  }
  const { service } = started;
  // Fastify's address: http://127.0.0.1:<port>, the port the OS gave when it was 0.
  const url = service.address;
  claim.publish(url);
  if (!foundComfy) logger.warn({ tried: LOCAL_COMFY_CANDIDATES }, 'no ComfyUI found on this machine: start ComfyUI, or pass --comfyui <url>');
  return runUntilQuit({ service, logger, url, dataDir: config.dataDir, windowOptions, release: claim.release });
}

/** Ends a browser we started, unless it is gone already (a second launch's hands over and exits). */
function closeBrowser(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // ESRCH: already gone.
  }
}

interface Running {
  readonly service: RunningService;
  readonly logger: Logger;
  readonly url: string;
  readonly dataDir: string;
  readonly windowOptions: Parameters<typeof openWindow>[1];
  readonly release: () => void;
}

/** Window, tray and status until Quit; then the service stops cleanly and the lock is released. */
async function runUntilQuit({ service, logger, url, dataDir, windowOptions, release }: Running): Promise<number> {
  const { gateway } = service.app;
  let tray: Tray | null = null;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  // Browsers we started: Quit closes their windows too (the profile is ours, nothing else is in it).
  const browsers = new Set<number>();
  const openAppWindow = (): void => {
    openWindow(url, windowOptions).then(
      (opened) => {
        if (opened.kind === 'app' && opened.pid !== undefined) browsers.add(opened.pid);
        logger.info({ url, ...opened }, 'window opened');
      },
      (err: unknown) => logger.error({ err, url }, 'could not open a window'),
    );
  };
  const refresh = (): void => tray?.setStatus(statusLine(service, gateway.paused()));
  const statusTimer = setInterval(refresh, STATUS_EVERY_MS);
  statusTimer.unref();

  let quitting = false;
  const quit = (why: string): void => {
    if (quitting) return;
    quitting = true;
    clearInterval(statusTimer);
    void (async () => {
      let code = 0;
      await tray?.close().catch((err: unknown) => logger.warn({ err }, 'tray did not close'));
      for (const pid of browsers) closeBrowser(pid);
      await service.stop(why).catch((err: unknown) => {
        logger.error({ err }, 'error while shutting down');
        code = 1;
      });
      release();
      finish(code);
    })();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => quit(signal));

  try {
    tray = await startTray(`comfyui-automa ${VERSION}`, {
      open: openAppWindow,
      togglePause: () => {
        gateway.setPaused(!gateway.paused());
        tray?.setPaused(gateway.paused());
        refresh();
      },
      openDataFolder: () => {
        openWithDesktop(dataDir, process.platform).catch((err: unknown) => logger.error({ err }, 'could not open the data folder'));
      },
      quit: () => quit('quit from the tray'),
    });
    refresh();
    logger.info('tray ready');
  } catch (err) {
    // No tray library (a bare window manager, a server): the window and Ctrl+C still work.
    logger.warn({ err }, 'no tray icon');
  }
  if (!quitting) openAppWindow();
  return done;
}
