// CPU seconds and memory of processes, from /proc (Linux): the benchmark's resource figures and
// the supervisor's per-child usage (scripts/processes.ts) read the same fields the same way.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux x86-64 and arm64

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  /** utime + stime, in seconds. */
  cpuS: number;
  rssKb: number;
}

const PAGE_KB = 4;

function readEntry(pid: number): ProcEntry | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; rest[0] is field 3
    // (state): ppid is field 4, pgrp 5, utime 14, stime 15, rss (pages) 24.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(rest[1]),
      pgrp: Number(rest[2]),
      cpuS: (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS,
      rssKb: Number(rest[21]) * PAGE_KB,
    };
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** Every process on the machine, by pid. */
export function readProcTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (entry) table.set(entry.pid, entry);
  }
  return table;
}

function statusKb(pid: number, file: 'status' | 'smaps_rollup', field: RegExp): number {
  try {
    return Number(field.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The kernel's record of the process's peak RSS (VmHWM). */
export const peakRssKb = (pid: number): number => statusKb(pid, 'status', /VmHWM:\s+(\d+)\s+kB/);

/** Proportional set size: shared pages (e.g. PostgreSQL's buffers) counted once across processes. */
export const proportionalKb = (pid: number): number => statusKb(pid, 'smaps_rollup', /^Pss:\s+(\d+)/m);

export interface ProcStats {
  cpuS: number;
  peakRssMb: number;
  pids: number[];
}

/** The group led by `pgid` (a supervised child runs in its own group): its processes' CPU and peak RSS, summed. */
export function groupStats(pgid: number): ProcStats {
  let cpuS = 0;
  let rssKb = 0;
  const pids: number[] = [];
  for (const entry of readProcTable().values()) {
    if (entry.pgrp !== pgid && entry.pid !== pgid) continue;
    pids.push(entry.pid);
    cpuS += entry.cpuS;
    rssKb += peakRssKb(entry.pid);
  }
  return { cpuS, peakRssMb: rssKb / 1024, pids };
}

/** Several groups together (e.g. several worker processes). */
export function sumStats(stats: ProcStats[]): ProcStats {
  return stats.reduce(
    (sum, s) => ({ cpuS: sum.cpuS + s.cpuS, peakRssMb: sum.peakRssMb + s.peakRssMb, pids: [...sum.pids, ...s.pids] }),
    { cpuS: 0, peakRssMb: 0, pids: [] },
  );
}
