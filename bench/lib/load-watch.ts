/**
 * What else the machine was doing: the load average and the busiest other processes, from /proc,
 * before and after the run and over each scenario group (CPU ticks read at the group's start and
 * end, so the attribution costs no extra time). The box is shared, so a ratio is only trusted
 * together with this.
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

export interface GroupLoad extends LoadSample {
  readonly group: string;
  readonly seconds: number;
  /** CPU the processes outside the bench used during the group, in cores (2.0 = both CPUs). */
  readonly other_cpu_cores: number;
}

export interface OtherLoad {
  readonly before: LoadSample | null;
  readonly after: LoadSample | null;
  readonly during: readonly GroupLoad[];
  /** How the bench kept its own processes apart (CPU pinning) and ahead of other load (priority). */
  readonly pinning: string;
}

interface ProcTicks {
  readonly command: string;
  readonly ppid: number;
  readonly ticks: number;
}

export interface TickSnapshot {
  readonly at: bigint;
  readonly procs: ReadonlyMap<number, ProcTicks>;
}

export function snapshot(): TickSnapshot {
  const procs = new Map<number, ProcTicks>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      procs.set(Number(entry), {
        command: stat.slice(stat.indexOf('(') + 1, close),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    } catch {
      // the process ended between readdir and read
    }
  }
  return { at: process.hrtime.bigint(), procs };
}

function commandLine(pid: number, fallback: string): string {
  try {
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return (text || fallback).slice(0, 120);
  } catch {
    return fallback;
  }
}

/** This process and everything it started (services, fakes, nginx), as seen in `snap`. */
function benchPids(snap: TickSnapshot): Set<number> {
  const ours = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, proc] of snap.procs) {
      if (!ours.has(pid) && ours.has(proc.ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  return ours;
}

/** Other processes' CPU between two snapshots (processes of the bench excluded). */
export function between(first: TickSnapshot, second: TickSnapshot): { busiest: BusyProcess[]; cores: number; seconds: number } {
  const seconds = Number(second.at - first.at) / 1e9;
  const ours = new Set([...benchPids(first), ...benchPids(second)]);
  const busy: BusyProcess[] = [];
  let ticks = 0;
  for (const [pid, now] of second.procs) {
    if (ours.has(pid)) continue;
    const delta = now.ticks - (first.procs.get(pid)?.ticks ?? 0);
    if (delta <= 0) continue;
    ticks += delta;
    busy.push({ pid, command: commandLine(pid, now.command), cpu_percent: Math.round((delta / USER_HZ / seconds) * 1000) / 10 });
  }
  busy.sort((a, b) => b.cpu_percent - a.cpu_percent);
  return { busiest: busy.slice(0, 6), cores: Math.round((ticks / USER_HZ / seconds) * 100) / 100, seconds };
}

const loadavg = (): number[] => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);

/** One-second sample of the other load. */
export async function sampleLoad(): Promise<LoadSample> {
  const first = snapshot();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const { busiest } = between(first, snapshot());
  return { at: new Date().toISOString(), loadavg: loadavg(), busiest_other_processes: busiest };
}

/** The other load over a scenario group, from the snapshot taken when it started. */
export function groupLoad(group: string, start: TickSnapshot): GroupLoad {
  const { busiest, cores, seconds } = between(start, snapshot());
  return {
    group,
    at: new Date().toISOString(),
    seconds: Math.round(seconds * 10) / 10,
    loadavg: loadavg(),
    other_cpu_cores: cores,
    busiest_other_processes: busiest.slice(0, 3),
  };
}
