// CPU seconds and peak RSS of a process group, from /proc (Linux): utime+stime of /proc/<pid>/stat
// and VmHWM of /proc/<pid>/status, summed over the group's live processes.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux x86-64 and arm64

export interface ProcStats {
  cpuS: number;
  peakRssMb: number;
  pids: number[];
}

function readStat(pid: number): { pgrp: number; cpuS: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    const pgrp = Number(rest[2]);
    const cpuS = (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
    return { pgrp, cpuS };
  } catch {
    return undefined;
  }
}

function peakRssKb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The group led by `pgid` (a supervised child runs in its own group): its processes' CPU and peak RSS, summed. */
export function groupStats(pgid: number): ProcStats {
  let cpuS = 0;
  let rssKb = 0;
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { cpuS: 0, peakRssMb: 0, pids };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (!stat || (stat.pgrp !== pgid && pid !== pgid)) continue;
    pids.push(pid);
    cpuS += stat.cpuS;
    rssKb += peakRssKb(pid);
  }
  return { cpuS, peakRssMb: rssKb / 1024, pids };
}

/** Several groups together (e.g. several worker processes). */
export function sumStats(stats: ProcStats[]): ProcStats {
  return stats.reduce((sum, s) => ({ cpuS: sum.cpuS + s.cpuS, peakRssMb: sum.peakRssMb + s.peakRssMb, pids: [...sum.pids, ...s.pids] }), { cpuS: 0, peakRssMb: 0, pids: [] });
}
