/**
 * Process accounting from /proc (CPU time and resident memory of one pid, all its threads) and
 * CPU pinning with taskset, so the service under test and the load generator do not share a core.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface ProcFigures {
  /** User + system CPU time since the process started, in ms. */
  readonly cpuMs: number;
  readonly rssBytes: number;
}

/**
 * /proc reports CPU times in USER_HZ, which the kernel fixes at 100 for user space on every
 * architecture Node runs on (sysconf(_SC_CLK_TCK) answers the same).
 */
export const USER_HZ = 100;

export function readProc(pid: number): ProcFigures {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return { cpuMs: (cpuTicks * 1000) / USER_HZ, rssBytes: rssKb * 1024 };
}

/** Which CPUs the service gets and which everything else (the bench, its load generator, fakes) gets. */
export interface Pinning {
  readonly enabled: boolean;
  readonly serviceCpus: string;
  readonly benchCpus: string;
  readonly description: string;
}

/** The priority every bench process runs at, when allowed to raise it (root); children inherit it. */
const BENCH_NICE = -10;

/**
 * Raise this process's priority (the service, fakes and nginx it starts inherit it): on a shared
 * box, other sessions' work would otherwise take turns on the service's pinned CPU — the kernel
 * moves floating tasks there because the bench's own pinned tasks make the other CPU look busier —
 * and starve only one side of a comparison. Needs root; otherwise runs at normal priority.
 */
export function raisePriority(): string {
  try {
    os.setPriority(BENCH_NICE);
    return `all bench processes at nice ${BENCH_NICE}`;
  } catch {
    return 'normal priority (raising it needs root)';
  }
}

/**
 * On 2+ cores with taskset: the service (and nginx, the other proxy under test) alone on CPU 0;
 * this process, autocannon running inside it and the fake ComfyUI children on the others.
 * Pins this process's existing threads too (-a), so libuv's pool follows.
 */
export function pinBench(): Pinning {
  const cpus = os.cpus().length;
  const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  if (cpus < 2 || !hasTaskset) {
    return {
      enabled: false,
      serviceCpus: '',
      benchCpus: '',
      description: cpus < 2 ? 'not pinned: only one CPU' : 'not pinned: taskset not found (util-linux)',
    };
  }
  const benchCpus = cpus === 2 ? '1' : `1-${cpus - 1}`;
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', benchCpus, String(process.pid)], { stdio: 'ignore' }).status === 0;
  if (!pinned) return { enabled: false, serviceCpus: '', benchCpus: '', description: 'not pinned: taskset -p failed' };
  return {
    enabled: true,
    serviceCpus: '0',
    benchCpus,
    description:
      `taskset: service under test (and nginx when measured) on CPU 0; the bench process with autocannon ` +
      `(programmatic API, in-process), the WebSocket clients and the fake ComfyUI child process on CPU ${benchCpus}`,
  };
}

/** argv prefix that runs a command on the service's CPUs (empty when not pinning). */
export function servicePrefix(pinning: Pinning): string[] {
  return pinning.enabled ? ['taskset', '-c', pinning.serviceCpus] : [];
}
