// The worker's memory while the runs are open: its resident set sampled with each progress poll, and the
// number of open runs at the sample that peaked, so a cache setting's cost reads against the runs it held.
// (The kernel's own peak, VmHWM, has no "when"; tools/supervisor/procstat.ts reads it at the end.)
import { loadavg } from 'node:os';
import { proportionalKb, readProcTable } from '../supervisor/procstat';

export interface RssPeak {
  /** Resident set of the process group at the sample, MB. */
  rssMb: number;
  /** Runs open (Running in Temporal) at that sample. */
  openRuns: number;
  /** Time of the sample since the first start request. */
  atMs: number;
}

export interface WorkerFootprint {
  name: string;
  /** Resident set once ready, before the first start request, MB: what the runs add is above it. */
  idleRssMb: number;
  peak: RssPeak;
}

/** Current resident set of a process group (a supervised child and its helpers, e.g. esbuild), MB. */
export function groupRssMb(pgid: number): number {
  let kb = 0;
  for (const entry of readProcTable().values()) if (entry.pgrp === pgid || entry.pid === pgid) kb += entry.rssKb;
  return kb / 1024;
}

/**
 * A process and every descendant by parent pid (PostgreSQL's backends leave the postmaster's process group): CPU
 * seconds, and memory as the sum of proportional set sizes, which counts their shared buffers once.
 */
export function treeStats(pid: number): { cpuS: number; pssMb: number; pids: number[] } {
  const table = readProcTable();
  const childrenOf = new Map<number, number[]>();
  for (const entry of table.values()) childrenOf.set(entry.ppid, [...(childrenOf.get(entry.ppid) ?? []), entry.pid]);
  const pids: number[] = [];
  let cpuS = 0;
  let pssKb = 0;
  const queue = table.has(pid) ? [pid] : [];
  while (queue.length > 0) {
    const next = queue.pop() as number;
    pids.push(next);
    cpuS += table.get(next)?.cpuS ?? 0;
    pssKb += proportionalKb(next);
    queue.push(...(childrenOf.get(next) ?? []));
  }
  return { cpuS, pssMb: pssKb / 1024, pids };
}

export class FootprintSampler {
  private readonly peaks = new Map<string, RssPeak>();
  private readonly idle = new Map<string, number>();
  private total: RssPeak = { rssMb: 0, openRuns: 0, atMs: 0 };

  constructor(private readonly workers: Array<{ name: string; pid: number }>) {
    for (const worker of workers) this.idle.set(worker.name, groupRssMb(worker.pid));
  }

  sample(openRuns: number, atMs: number): void {
    let sum = 0;
    for (const worker of this.workers) {
      const rssMb = groupRssMb(worker.pid);
      sum += rssMb;
      const peak = this.peaks.get(worker.name);
      if (!peak || rssMb > peak.rssMb) this.peaks.set(worker.name, { rssMb, openRuns, atMs });
    }
    if (sum > this.total.rssMb) this.total = { rssMb: sum, openRuns, atMs };
  }

  /** Per worker, and all workers together (their sum peaked at one sample). */
  result(): { workers: WorkerFootprint[]; total: RssPeak } {
    return {
      workers: this.workers.map(({ name }) => ({
        name,
        idleRssMb: this.idle.get(name) ?? 0,
        peak: this.peaks.get(name) ?? { rssMb: 0, openRuns: 0, atMs: 0 },
      })),
      total: this.total,
    };
  }
}

/** The machine's 1, 5 and 15 minute load averages, two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((value) => Number(value.toFixed(2)));
}
