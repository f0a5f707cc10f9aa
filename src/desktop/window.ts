import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface WindowOptions {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --browser: a Chromium-family browser to use instead of looking for one. */
  readonly browser: string | null;
  /** The app window's own profile folder. */
  readonly profileDir: string;
}

/** How a window was opened: in an app window of `browser`, or in the default browser. */
export type OpenedWindow = { readonly kind: 'app'; readonly browser: string; readonly pid: number | undefined } | { readonly kind: 'default-browser' };

/** Chromium-family browsers that take --app, where each platform installs them. */
function candidates(platform: NodeJS.Platform, env: WindowOptions['env']): string[] {
  if (platform === 'win32') {
    const roots = [env['ProgramFiles(x86)'], env.ProgramFiles, env.LOCALAPPDATA].filter((root): root is string => root !== undefined);
    // Edge first: every Windows 10 and 11 has it.
    return [
      ...roots.map((root) => path.win32.join(root, 'Microsoft', 'Edge', 'Application', 'msedge.exe')),
      ...roots.map((root) => path.win32.join(root, 'Google', 'Chrome', 'Application', 'chrome.exe')),
    ];
  }
  if (platform === 'darwin') {
    return ['Google Chrome', 'Chromium', 'Microsoft Edge'].map((app) => `/Applications/${app}.app/Contents/MacOS/${app}`);
  }
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable'];
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  return names.flatMap((name) => dirs.map((dir) => path.join(dir, name)));
}

/** The browser to open app windows with: --browser, else the first installed candidate, else null. */
export function findBrowser(options: Pick<WindowOptions, 'platform' | 'env' | 'browser'>): string | null {
  if (options.browser !== null) return options.browser;
  return candidates(options.platform, options.env).find((file) => fs.existsSync(file)) ?? null;
}

/** The arguments of an app window: no tabs or address bar, and a profile of its own. */
export function appWindowArgs(url: string, profileDir: string, runsAsRoot: boolean): string[] {
  return [
    `--app=${url}`,
    `--user-data-dir=${profileDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    // Chromium refuses to start as root without it (a container, a root desktop session).
    ...(runsAsRoot ? ['--no-sandbox'] : []),
  ];
}

/** Starts a program that outlives us and whose output we do not read. */
function launch(command: string, args: readonly string[]): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsHide: false });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid);
    });
  });
}

/** Opens `target` (a URL or a folder) with what the desktop uses for it. */
export async function openWithDesktop(target: string, platform: NodeJS.Platform): Promise<void> {
  if (platform === 'win32') await launch('explorer.exe', [target]);
  else if (platform === 'darwin') await launch('open', [target]);
  else await launch('xdg-open', [target]);
}

/** Opens `url` in an app window, or in the default browser when no suitable browser is installed. */
export async function openWindow(url: string, options: WindowOptions): Promise<OpenedWindow> {
  const browser = findBrowser(options);
  if (browser !== null) {
    const pid = await launch(browser, appWindowArgs(url, options.profileDir, process.getuid?.() === 0));
    return { kind: 'app', browser, pid };
  }
  await openWithDesktop(url, options.platform);
  return { kind: 'default-browser' };
}
