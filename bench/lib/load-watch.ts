/**
 * What else the machine was doing: the load average and the busiest other processes, sampled
 * over one second from /proc before and after the run. The box is shared, so a ratio is only
 * trusted together with this.
 */
import fs from 'node:fs';
import { USER_HZ } from './proc.js';

export interface BusyProcess {
  readonly pid: number;
  readonly command: string;
  /** Share of one core over the sample, in percent. */
  readonly cpu_percent: number;
}

export interface LoadSample {
  readonly at: string;
  /** /proc/loadavg: 1, 5 and 15 minutes. */
  readonly loadavg: readonly number[];
  readonly busiest_other_processes: readonly BusyProcess[];
}

export interface OtherLoad {
  readonly before: LoadSample | null;
  readonly after: LoadSample | null;
  /** How the bench kept its own processes apart (CPU pinning). */
  readonly pinning: string;
}

interface Ticks {
  readonly command: string;
  readonly ticks: number;
}

function readAllTicks(): Map<number, Ticks> {
  const out = new Map<number, Ticks>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      out.set(Number(entry), { command: stat.slice(open + 1, close), ticks });
    } catch {
      // the process ended between readdir and read
    }
  }
  return out;
}

function commandLine(pid: number, fallback: string): string {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return (text || fallback).slice(0, 120);
  } catch {
    return fallback;
  }
}

/** One-second sample; `exclude` are pids of the bench itself. */
export async function sampleLoad(exclude: ReadonlySet<number>): Promise<LoadSample> {
  const first = readAllTicks();
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const second = readAllTicks();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const hz = USER_HZ;
  const busy: BusyProcess[] = [];
  for (const [pid, now] of second) {
    if (exclude.has(pid)) continue;
    const before = first.get(pid);
    const delta = now.ticks - (before?.ticks ?? now.ticks);
    if (delta <= 0) continue;
    busy.push({ pid, command: commandLine(pid, now.command), cpu_percent: Math.round((delta / hz / seconds) * 1000) / 10 });
  }
  busy.sort((a, b) => b.cpu_percent - a.cpu_percent);
  const loadavg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  return { at: new Date().toISOString(), loadavg, busiest_other_processes: busy.slice(0, 6) };
}
