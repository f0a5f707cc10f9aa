import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type SysTrayModule from 'systray2';
import type { ClickEvent, MenuItem } from 'systray2';
import { ICON_ICO_BASE64, ICON_PNG_BASE64 } from './icon.js';

export interface TrayActions {
  open(): void;
  togglePause(): void;
  openDataFolder(): void;
  quit(): void;
}

export interface Tray {
  /** The first menu line: what the service is doing (ComfyUI reachable or not). */
  setStatus(text: string): void;
  setPaused(paused: boolean): void;
  close(): Promise<void>;
}

const HELPERS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'tray_linux_release',
  win32: 'tray_windows_release.exe',
  darwin: 'tray_darwin_release',
};

/**
 * systray2's helper program for this platform. npm's tarball drops its exec bit, and systray2's
 * own chmod('+x') is not a mode node accepts, so it is set here (the single executable writes its
 * copy executable already).
 */
function prepareHelper(): void {
  const name = HELPERS[process.platform];
  if (name === undefined) throw new Error(`no tray helper for ${process.platform}`);
  const helper = path.join(path.dirname(createRequire(import.meta.url).resolve('systray2/package.json')), 'traybin', name);
  if (process.platform === 'win32') return;
  try {
    fs.accessSync(helper, fs.constants.X_OK);
  } catch {
    fs.chmodSync(helper, 0o755);
  }
}

const READY_TIMEOUT_MS = 15_000;

const item = (title: string, tooltip: string, enabled = true): MenuItem => ({ title, tooltip, enabled, checked: false });

/**
 * The tray icon and its menu (status, Open, Pause/Resume queue, Open data folder, Quit).
 * Resolves once the helper reports ready; rejects when it cannot start (no tray library).
 */
export async function startTray(title: string, actions: TrayActions): Promise<Tray> {
  prepareHelper();
  // systray2 is CommonJS with `exports.default`: node's ESM loader makes module.exports the
  // default (the class is its .default), tsx and esbuild's interop hand over the class itself.
  const imported: unknown = (await import('systray2')).default;
  const SysTray = (typeof imported === 'function' ? imported : (imported as { default: unknown }).default) as typeof SysTrayModule.default;
  const status = item(title, 'comfyui-automa', false);
  const open = item('Open', 'Open the app window');
  const pause = item('Pause queue', 'Stop handing prompts to ComfyUI (running ones finish)');
  const dataFolder = item('Open data folder', 'The database, files and logs');
  const quit = item('Quit', 'Stop the service and quit');
  const tray = new SysTray({
    menu: {
      icon: process.platform === 'win32' ? ICON_ICO_BASE64 : ICON_PNG_BASE64,
      title: '',
      tooltip: title,
      items: [status, SysTray.separator, open, pause, dataFolder, SysTray.separator, quit],
    },
    copyDir: false,
  });
  // systray2 exposes the helper process only once it started it, so a helper that dies at start
  // (no appindicator library) or never answers is noticed by its silence.
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the tray helper did not report ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([tray.ready(), silent]);
  } catch (err) {
    await tray.kill(false).catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const byTitle = new Map<MenuItem, () => void>([
    [open, actions.open],
    [pause, actions.togglePause],
    [dataFolder, actions.openDataFolder],
    [quit, actions.quit],
  ]);
  await tray.onClick((event: ClickEvent) => byTitle.get(event.item)?.());
  const update = (changed: MenuItem): void => void tray.sendAction({ type: 'update-item', item: changed });
  return {
    setStatus: (text) => {
      if (status.title === text) return;
      status.title = text;
      update(status);
    },
    setPaused: (paused) => {
      pause.title = paused ? 'Resume queue' : 'Pause queue';
      update(pause);
    },
    close: () => tray.kill(false),
  };
}
