/**
 * A private X display (Xvfb) and D-Bus session for the desktop test, a screenshot of the display,
 * and clicks on the tray menu through D-Bus (the appindicator library exports the menu there, as
 * a desktop's panel reads it).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/** Reads the first line a child writes to `stream`. */
function firstLine(child: ChildProcess, stream: NodeJS.ReadableStream, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: stream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
    child.once('error', reject);
  });
}

/** Xvfb on a display it picks itself (-displayfd: it writes the number once it accepts clients). */
export async function startXvfb(): Promise<{ display: string; stop(): void }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = `:${(await firstLine(child, child.stdio[3] as NodeJS.ReadableStream, 'Xvfb')).trim()}`;
  return { display, stop: () => child.kill() };
}

/** A session bus of our own; its address is printed once it listens. */
export async function startSessionBus(): Promise<{ address: string; stop(): void }> {
  const child = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = (await firstLine(child, child.stdout as NodeJS.ReadableStream, 'dbus-daemon')).trim();
  return { address, stop: () => child.kill() };
}

/** The whole display as a PNG (xwd's 32-bit TrueColor dump, converted with sharp). */
export async function screenshot(display: string): Promise<Buffer> {
  const { stdout } = await run('xwd', ['-root', '-silent', '-display', display], { encoding: 'buffer', maxBuffer: 64 * 2 ** 20 });
  const header = (field: number): number => stdout.readUInt32BE(field * 4);
  const [headerSize, width, height, byteOrder, bitsPerPixel, bytesPerLine, colors] = [header(0), header(4), header(5), header(7), header(11), header(12), header(19)];
  if (bitsPerPixel !== 32 || byteOrder !== 0) throw new Error(`unexpected xwd format: ${bitsPerPixel} bpp, byte order ${byteOrder}`);
  const pixels = stdout.subarray(headerSize + colors * 12);
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const from = y * bytesPerLine + x * 4; // B, G, R, unused
      const to = (y * width + x) * 3;
      rgb[to] = pixels[from + 2] as number;
      rgb[to + 1] = pixels[from + 1] as number;
      rgb[to + 2] = pixels[from] as number;
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/**
 * How many distinct colours, black left out, a PNG has in rows `fromRow` and below (a bare Xvfb
 * screen is black; an empty page is one colour; drawn text adds its anti-aliasing shades).
 */
export async function colourCount(png: Buffer, fromRow = 0): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const seen = new Set<number>();
  for (let i = fromRow * info.width * 3; i + 2 < data.length; i += 3) {
    const colour = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
    if (colour !== 0) seen.add(colour);
  }
  return seen.size;
}

const MENU_PATH = '/org/ayatana/NotificationItem/systray/Menu';

/** The tray menu as the desktop's panel sees it, over D-Bus (com.canonical.dbusmenu). */
export class TrayMenu {
  private constructor(
    private readonly bus: string,
    private readonly owner: string,
  ) {}

  private static async gdbus(bus: string, args: readonly string[], timeoutSeconds = 25): Promise<string> {
    const { stdout } = await run('gdbus', ['call', '--address', bus, '--timeout', String(timeoutSeconds), ...args]);
    return stdout;
  }

  /**
   * Finds the tray helper's connection by the program behind each one: asking every peer for the
   * menu instead would wait out D-Bus's timeout on those that never answer (the browser's).
   */
  static async find(bus: string): Promise<TrayMenu> {
    const dbus = ['--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus'];
    const names = await TrayMenu.gdbus(bus, [...dbus, '--method', 'org.freedesktop.DBus.ListNames']);
    for (const name of names.match(/:\d+\.\d+/g) ?? []) {
      const pid = await TrayMenu.gdbus(bus, [...dbus, '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', name]).catch(() => '');
      const program = await fs.promises.readlink(`/proc/${/\d+(?=,?\))/.exec(pid)?.[0] ?? 0}/exe`).catch(() => '');
      if (path.basename(program) !== 'tray_linux_release') continue;
      // It has more than one connection (GTK opens one for accessibility): the menu is on one.
      const menu = new TrayMenu(bus, name);
      if ((await menu.labels(3).catch(() => new Map())).size > 0) return menu;
    }
    throw new Error('no tray helper on the session bus');
  }

  /** Menu item ids by label. */
  async labels(timeoutSeconds?: number): Promise<Map<string, number>> {
    const args = ['--dest', this.owner, '--object-path', MENU_PATH, '--method', 'com.canonical.dbusmenu.GetLayout', '--', '0', '-1', '@as []'];
    const layout = await TrayMenu.gdbus(this.bus, args, timeoutSeconds);
    return new Map([...layout.matchAll(/<\((\d+), \{[^}]*'label': <'([^']*)'>/g)].map((m) => [m[2] as string, Number(m[1])]));
  }

  /** Clicks the item with this label, as the panel does when the user picks it. */
  async click(label: string): Promise<void> {
    const id = (await this.labels()).get(label);
    if (id === undefined) throw new Error(`no menu item ${JSON.stringify(label)} in ${JSON.stringify([...(await this.labels()).keys()])}`);
    await TrayMenu.gdbus(this.bus, ['--dest', this.owner, '--object-path', MENU_PATH, '--method', 'com.canonical.dbusmenu.Event', '--', String(id), 'clicked', '<0>', '0']);
  }
}
