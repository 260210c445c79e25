// What one benchmark phase (ours, the Temporal ceiling, the sequential baseline) measured.
import type { Residual, RunCounts } from '../results';
import type { RssPeak, WorkerFootprint } from './footprint';
import type { CallFigures, LockoutFigures } from './measure';
import type { Termination } from './terminate';
import type { LockPathWaits } from './waits';

export type PhaseName = 'ours' | 'ceiling' | 'baseline';

export interface Resources {
  workerCpuS: number;
  workerPeakRssMb: number;
  serverCpuS: number;
  serverPeakRssMb: number;
  /** CPU seconds scaled to 1,000 offboardings (peak RSS is as measured). */
  workerCpuSPer1000: number;
  serverCpuSPer1000: number;
  /** PostgreSQL under the cluster: CPU seconds of its processes, and the peak of their summed PSS (shared buffers once), sampled. */
  database?: { cpuS: number; cpuSPer1000: number; peakRssMb: number };
}

export interface PhaseResult {
  name: PhaseName;
  users: number;
  /** How the phase ended: every run closed or parked, the last person locked out (`--until lockout`), or no progress. */
  stoppedAt: 'completion' | 'lockout' | 'stuck';
  lockout: LockoutFigures;
  /** Absent when the phase stopped at the lockout. */
  completion?: { makespanMs: number };
  /** With `--until lockout`: the calls up to the last lockout; otherwise all of them. */
  calls: CallFigures;
  runs: RunCounts;
  /** With `--until lockout`: people who can still sign in or hold a session, grant or token (lockResidualOf). */
  residual: Residual;
  resources: Resources;
  /** Start requests answered 202, how long all starts took, retries of refused starts. */
  starts: { accepted: number; retries: number; durationMs: number; refusals?: Record<string, number> };
  /** The workers' sampled memory with the runs open at its peak (Temporal phases). */
  footprint?: { workers: WorkerFootprint[]; total: RssPeak };
  /** Where each run's time went from its start to its person's lockout (Temporal phases; tools/bench/waits.ts). */
  waits?: LockPathWaits;
  /** With `--until lockout`: the open runs the benchmark terminated at the stop. */
  terminated?: Termination;
  loadAverage: { before: number[]; after: number[] };
}
