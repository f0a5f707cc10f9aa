import fs from 'node:fs';
import path from 'node:path';

/** What the lock file holds: who runs the desktop mode on this data folder, and where. */
interface LockContent {
  readonly pid: number;
  readonly url?: string;
}

export type Claim =
  | {
      readonly kind: 'claimed';
      /** Tells later launches where the service listens. */
      publish(url: string): void;
      release(): void;
    }
  /** Another process holds the data folder; `url` answers when it is up (null while it starts). */
  | { readonly kind: 'running'; readonly pid: number; readonly url: string | null };

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether our service answers at `url` (the loopback ping of a second launch). */
export async function answersAsService(url: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/automa/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { version?: unknown };
    return typeof body.version === 'string';
  } catch {
    return false;
  }
}

function readLock(file: string): LockContent | null {
  try {
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof content.pid === 'number' ? { pid: content.pid, ...(typeof content.url === 'string' && { url: content.url }) } : null;
  } catch {
    return null;
  }
}

/**
 * One desktop instance per data folder: the lock file is created exclusively. When it exists, the
 * instance it names is asked over loopback whether it is up; a lock whose process is gone (a
 * crash, a power cut) is taken over.
 */
export async function claimInstance(file: string): Promise<Claim> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      return claimed(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder?.url !== undefined && (await answersAsService(holder.url))) return { kind: 'running', pid: holder.pid, url: holder.url };
    if (holder !== null && holder.pid !== process.pid && isAlive(holder.pid)) return { kind: 'running', pid: holder.pid, url: null };
    // A lock left behind (or one being written this instant: the next attempt reads it whole).
    if (holder !== null) fs.rmSync(file, { force: true });
  }
  throw new Error(`cannot take ${file}: another launch keeps creating it`);
}

function claimed(file: string): Claim {
  return {
    kind: 'claimed',
    publish: (url) => {
      // Written aside and renamed over, so a second launch never reads half a file.
      const next = `${file}.${process.pid}`;
      fs.writeFileSync(next, JSON.stringify({ pid: process.pid, url }));
      fs.renameSync(next, file);
    },
    release: () => {
      if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}
