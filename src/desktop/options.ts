import net from 'node:net';
import { envName } from '../config/index.js';

/** The desktop mode's own flag, taken out before the rest goes to the service's loadConfig. */
export interface DesktopArgs {
  readonly browser: string | null;
  readonly serviceArgs: readonly string[];
}

export const DESKTOP_HELP = [
  'Usage: comfyui-automa desktop [--browser <path>] [service options]',
  '',
  'Runs the service on loopback for this user, opens it in an app window and shows a tray icon',
  '(Open, Pause/Resume queue, Open data folder, Quit). A second launch opens a window on the',
  'running one. Without --data-dir the data lives in the platform’s app-data folder; without',
  '--port it listens on 8189, or a free port if that is taken; without --comfyui it uses a',
  'ComfyUI found on 127.0.0.1:8188 or :8000.',
  '',
  `  --browser <path>                A Chromium, Chrome or Edge for the app window (env: ${envName('browser')})`,
  '                                  (default: Edge on Windows, else Chrome/Chromium; the default browser',
  '                                  when none is installed)',
  '',
  'Service options: see comfyui-automa --help.',
  '',
].join('\n');

/** Splits --browser (or AUTOMA_BROWSER) from the service's flags. */
export function parseDesktopArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DesktopArgs | 'help' {
  let browser: string | null = env[envName('browser')] || null;
  const serviceArgs: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--browser' && i + 1 < argv.length) {
      browser = argv[i + 1] as string;
      i += 1;
    } else if (arg.startsWith('--browser=')) browser = arg.slice('--browser='.length);
    else serviceArgs.push(arg);
  }
  return { browser, serviceArgs };
}

/** Whether the user chose a setting, by flag or by its AUTOMA_* variable. */
export function given(flag: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  return argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`)) || (env[envName(flag)] ?? '') !== '';
}

/** `preferred` when nothing listens on it on loopback, else 0 (any free port). */
export function portOrFree(preferred: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(0));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}
