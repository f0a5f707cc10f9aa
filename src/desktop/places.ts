import path from 'node:path';

/**
 * The platform's folder for an application's data: %APPDATA%\comfyui-automa on Windows,
 * ~/Library/Application Support/comfyui-automa on macOS, $XDG_DATA_HOME/comfyui-automa
 * (~/.local/share/comfyui-automa) elsewhere.
 */
export function appDataDir(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'comfyui-automa');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'comfyui-automa');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'comfyui-automa');
}

/** Files the desktop mode keeps in the data folder, beside the database. */
export function desktopFiles(dataDir: string): { lock: string; log: string; browserProfile: string } {
  return {
    lock: path.join(dataDir, 'desktop.lock'),
    log: path.join(dataDir, 'logs', 'comfyui-automa.log'),
    // The app window's own browser profile: it never touches the user's browser profile, and
    // a second window on it joins the running browser instead of starting another.
    browserProfile: path.join(dataDir, 'browser-profile'),
  };
}
