/**
 * The service under test as its own child process (so its CPU time and RSS are its own), on a
 * temp data dir, pinned to the service CPU. By default it runs the bundle that `npm start` runs,
 * built by scripts/build.mjs into .tmp/bench-build; `--service tsx` runs src/ through tsx.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { readProc, servicePrefix, type Pinning, type ProcFigures } from './proc.js';

export type ServiceMode = 'dist' | 'tsx';

export interface ServiceOptions {
  /** Names the CPU profile (with --cpu-prof) and the error messages. */
  readonly label: string;
  /** Service flags beyond --host/--port/--data-dir/--log-level. */
  readonly args: readonly string[];
  /** Use (and keep) this data dir, e.g. one seeded beforehand; default a fresh temp dir. */
  readonly dataDir?: string;
  /** taskset CPU list for this process instead of the service CPU (e.g. '0-1': float over all). */
  readonly cpus?: string;
}

export interface Service {
  readonly pid: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** ws://127.0.0.1:<port> */
  readonly wsUrl: string;
  readonly dataDir: string;
  /** From spawning the process to its "listening" log line. */
  readonly startupMs: number;
  figures(): ProcFigures;
  stop(): Promise<void>;
}

export interface ServiceLauncher {
  readonly mode: ServiceMode;
  start(options: ServiceOptions): Promise<Service>;
}

export interface LauncherOptions {
  readonly root: string;
  readonly mode: ServiceMode;
  readonly pinning: Pinning;
  /** Where --cpu-prof writes one profile per service process; null: no profiling. */
  readonly cpuProfDir: string | null;
}

/** Build src/ with the project's build script (what `npm run build` ships) into .tmp/bench-build/dist. */
function buildDist(root: string): string {
  const out = path.join(root, '.tmp', 'bench-build');
  const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), path.join(out, 'dist')], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build.mjs failed (${built.status ?? built.signal}):\n${built.stdout}${built.stderr}`);
  // main.ts reads ../package.json for its version.
  fs.copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json'));
  return path.join(out, 'dist', 'bin.js');
}

export function createServiceLauncher(options: LauncherOptions): ServiceLauncher {
  const { root, mode, pinning, cpuProfDir } = options;
  const entry = mode === 'dist' ? buildDist(root) : path.join(root, 'src', 'bin.ts');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AUTOMA_')));
  return {
    mode,
    start: async (service) => {
      const ownsDir = service.dataDir === undefined;
      const dataDir = service.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `automa-bench-${service.label}-`));
      const nodeArgs = [
        ...(cpuProfDir === null ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `${service.label}.cpuprofile`]),
        ...(mode === 'tsx' ? ['--import', 'tsx'] : []),
        entry,
        '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'info',
        ...service.args,
      ];
      const prefix = service.cpus !== undefined && pinning.enabled ? ['taskset', '-c', service.cpus] : servicePrefix(pinning);
      const command = [...prefix, process.execPath, ...nodeArgs];
      const started = performance.now();
      const child = spawn(command[0] ?? process.execPath, command.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      killOnExit(child, () => ownsDir && fs.rmSync(dataDir, { recursive: true, force: true }));
      const address = await waitForListening(child, service.label);
      const startupMs = performance.now() - started;
      const url = address.replace('http://localhost', 'http://127.0.0.1');
      const pid = child.pid ?? 0;
      return {
        pid,
        url,
        wsUrl: url.replace(/^http/, 'ws'),
        dataDir,
        startupMs,
        figures: () => readProc(pid),
        stop: async () => {
          await stopChild(child);
          if (ownsDir) fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** Resolves with the address from the service's "listening" log line; keeps draining its output. */
function waitForListening(child: ChildProcess, label: string): Promise<string> {
  const tail: string[] = [];
  const keep = (line: string): void => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no "listening" line within 60 s:\n${tail.join('\n')}`)), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited before listening (${code ?? signal}):\n${tail.join('\n')}`));
    });
    if (child.stderr) readline.createInterface({ input: child.stderr }).on('line', keep);
    if (!child.stdout) return;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      let record: { msg?: unknown; address?: unknown };
      try {
        record = JSON.parse(line) as { msg?: unknown; address?: unknown };
      } catch {
        return;
      }
      if (record.msg === 'comfyui-automa listening' && typeof record.address === 'string') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(record.address);
      }
    });
  });
}

/**
 * Kill `child` if the bench exits first (a failure, Ctrl-C) and run `cleanup` (remove its temp
 * dir): no service or nginx outlives the run. Removed again once the child has exited.
 */
export function killOnExit(child: ChildProcess, cleanup: () => void = () => undefined): void {
  const kill = (): void => {
    child.kill('SIGKILL');
    cleanup();
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}

/** SIGTERM (the service closes gracefully and writes its CPU profile), SIGKILL after 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
