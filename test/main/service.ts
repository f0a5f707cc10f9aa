import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root, where `src/bin.ts` lives. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Environment without AUTOMA_* variables, so the developer's shell cannot change a test. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AUTOMA_')));
}

export interface BinOptions {
  /** A built bin.js to run with node (e.g. the bundle); default: src/bin.ts through tsx. */
  readonly bin?: string;
  /** A single executable to run instead of node (packaging/'s output). */
  readonly executable?: string;
  readonly cwd?: string;
  /** Added to the environment (which has no AUTOMA_* variables of the developer's). */
  readonly env?: NodeJS.ProcessEnv;
  /** A subcommand to put before the flags (`desktop`). */
  readonly subcommand?: string;
}

function spawnBin(args: readonly string[], options: BinOptions = {}): ChildProcess {
  const entry = options.bin === undefined ? ['--import', 'tsx', 'src/bin.ts'] : [options.bin];
  const [command, commandArgs] = options.executable === undefined ? [process.execPath, [...entry, ...args]] : [options.executable, [...args]];
  return spawn(command, commandArgs, {
    cwd: options.cwd ?? ROOT,
    env: { ...cleanEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to completion (for --help and bad flags). */
export function runBin(args: readonly string[], options: BinOptions = {}): Promise<Exit & { stdout: string; stderr: string }> {
  const child = spawnBin(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface Service {
  readonly child: ChildProcess;
  /** http://127.0.0.1:<port>, from the "comfyui-automa listening" log line. */
  readonly url: string;
  readonly port: number;
  /** Resolves when the process has exited (and its pipes closed). */
  readonly exited: Promise<Exit>;
  /** Every log line so far. */
  readonly logs: readonly LogLine[];
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean): Promise<LogLine>;
  stderr(): string;
}

/**
 * Starts `comfyui-automa --port 0 --log-level info …` and resolves once it logs that it listens.
 * The caller registers cleanup: `t.after(() => stopService(service))`.
 */
export async function startService(args: readonly string[], options: BinOptions = {}): Promise<Service> {
  const child = spawnBin([...(options.subcommand === undefined ? [] : [options.subcommand]), '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', ...args], options);
  const logs: LogLine[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  readline.createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const waitForLog = (match: (line: LogLine) => boolean): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ match, resolve });
      void exited.then((exit) => reject(new Error(`service exited (${JSON.stringify(exit)}) first; stderr:\n${stderr}`)));
    });
  };
  const listening = await waitForLog((line) => line.msg === 'comfyui-automa listening');
  const address = new URL(String(listening.address));
  return {
    child,
    url: `http://127.0.0.1:${address.port}`,
    port: Number(address.port),
    exited,
    logs,
    waitForLog,
    stderr: () => stderr,
  };
}

/** Kills the service if it still runs and waits for it to be gone. */
export async function stopService(service: Service, signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(signal);
  return service.exited;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
