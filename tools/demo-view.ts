// What the demo shows while runs progress: one run's steps as lines under a live progress line,
// and, for a layoff, a live table of phases, the lockout progress and the Okta calls per bucket.
import Table from 'cli-table3';
import type { WorkflowHandle } from '@temporalio/client';
import { renderProgress } from '../client/render';
import type { EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import type { RequestEntry } from '@okta-offboarding/okta-emulator';
import {
  PHASES,
  statusQuery,
  TERMINAL_PHASES,
  type OffboardingReport,
  type OffboardingStatus,
  type Phase,
  type StepRecord,
} from '../workflows/definitions';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** A terminal region that is redrawn in place on a TTY, and printed only when it changes otherwise. */
export class LiveRegion {
  private lines = 0;
  private last = '';
  private closed = false;
  private readonly tty = process.stdout.isTTY === true;

  private lastKey = '';
  private lastPrinted = 0;

  /**
   * Replaces the region's content. Without a TTY (a log, CI) it prints the content instead, only
   * when `key` changed (default: the text) and at most once per `everyMs`.
   */
  draw(text: string, options: { key?: string; everyMs?: number } = {}): void {
    if (this.closed || text === this.last) return;
    this.last = text;
    if (!this.tty) {
      const key = options.key ?? text;
      if (key === this.lastKey || Date.now() - this.lastPrinted < (options.everyMs ?? 0)) return;
      this.lastKey = key;
      this.lastPrinted = Date.now();
      process.stdout.write(`${text}\n`);
      return;
    }
    const width = process.stdout.columns || 120;
    const clipped = text.split('\n').map((line) => (line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line));
    this.clear();
    process.stdout.write(`${clipped.join('\n')}\n`);
    this.lines = clipped.length;
  }

  /** Prints a permanent line above the region. */
  print(line: string): void {
    if (this.closed) return;
    const region = this.last;
    this.clear();
    process.stdout.write(`${line}\n`);
    if (this.tty && region) {
      this.last = '';
      this.draw(region);
    }
  }

  /** Removes the region (on a TTY), e.g. before the report or when Ctrl-C stops the demo. */
  clear(): void {
    if (this.tty && this.lines > 0) process.stdout.write(`\x1b[${this.lines}A\x1b[0J`);
    this.lines = 0;
  }

  /** Leaves the region's content on screen as ordinary output; later draws and prints are ignored. */
  freeze(): void {
    this.lines = 0;
    this.closed = true;
  }

  /** Removes the region for good: later draws and prints are ignored (the demo is stopping or the run is over). */
  end(): void {
    this.clear();
    this.last = '';
    this.closed = true;
  }
}

async function statusOf(handle: WorkflowHandle): Promise<OffboardingStatus | undefined> {
  try {
    return await handle.query(statusQuery);
  } catch {
    return undefined; // not started by a worker yet, or closed and its worker gone
  }
}

function stepLine(step: StepRecord, since: number): string {
  const at = step.finishedAt ? `+${seconds(Date.parse(step.finishedAt) - since)}` : '';
  const items = step.items.length ? `${step.count}/${step.items.length}` : '';
  const reason = step.reason ? `  ${step.reason}` : '';
  return `  ${at.padStart(7)}  ${step.phase.padEnd(21)} ${step.step.padEnd(24)} ${step.outcome.padEnd(10)} ${items.padEnd(5)}${reason}`;
}

export interface FollowOptions {
  region: LiveRegion;
  /** Printed once when the run starts waiting for its device-wipe timer. */
  onDeviceWait?: (status: OffboardingStatus) => void;
  pollMs?: number;
}

/** Follows one run until it closes: each finished step and phase change as a line, a live progress line below. */
export async function followRun(
  handle: WorkflowHandle,
  since: number,
  options: FollowOptions,
): Promise<OffboardingReport> {
  const { region } = options;
  const result = handle.result() as Promise<OffboardingReport>;
  let closed = false;
  void result.then(
    () => (closed = true),
    () => (closed = true),
  );
  const printed = new Set<number>();
  let phase: Phase | undefined;
  let waitedForDevices = false;
  const show = (status: OffboardingStatus): void => {
    status.steps.forEach((step, index) => {
      if (step.finishedAt && !printed.has(index)) {
        printed.add(index);
        region.print(stepLine(step, since));
      }
    });
    if (status.phase !== phase) {
      phase = status.phase;
      if (status.phase === 'awaiting-device-wipe' && !waitedForDevices) {
        waitedForDevices = true;
        options.onDeviceWait?.(status);
      }
    }
    region.draw(`${renderProgress(status)}  (${seconds(Date.now() - since)})`, { key: renderProgress(status) });
  };
  while (!closed) {
    const status = await statusOf(handle);
    if (status) show(status);
    await Promise.race([sleep(options.pollMs ?? 300), result.catch(() => undefined)]);
  }
  const last = await statusOf(handle);
  if (last) show(last);
  region.end();
  return result;
}

/** One person of a layoff. */
export interface LayoffRun {
  login: string;
  userId: string;
  handle: WorkflowHandle;
  status?: OffboardingStatus;
  /** When the locking phase finished (ms since epoch). */
  lockedAt?: number;
  report?: OffboardingReport;
  error?: string;
}

const LOCK_DONE_PHASES: Phase[] = PHASES.slice(PHASES.indexOf('snapshot'));
const SHOWN_PHASES: Phase[] = PHASES.filter((phase) => phase !== 'scheduled');
/** Shown only when a run is in them. */
const OPTIONAL_PHASES: Phase[] = ['needs-attention', 'cancelled', 'rehired', 'failed', 'awaiting-deletion'];
const PHASE_LABEL: Partial<Record<Phase, string>> = {
  'awaiting-device-wipe': 'device wait',
  'wiping-devices': 'devices',
  deactivating: 'deactivate',
};

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function bar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The layoff's live view: runs per phase, lockout progress, Okta calls per bucket and 429s. */
export function renderLayoff(
  runs: LayoffRun[],
  started: number,
  requests: RequestEntry[],
  limits: Map<string, number>,
  timeScale = 1,
): string {
  const byPhase = new Map<Phase, number>();
  for (const run of runs) {
    const phase: Phase = run.error
      ? 'failed'
      : run.report
        ? run.report.outcome === 'dry-run'
          ? 'completed'
          : run.report.outcome
        : (run.status?.phase ?? 'scheduled');
    byPhase.set(phase, (byPhase.get(phase) ?? 0) + 1);
  }
  const shown = SHOWN_PHASES.filter((phase) => (byPhase.get(phase) ?? 0) > 0 || !OPTIONAL_PHASES.includes(phase));
  const phases = new Table({
    head: ['phase', ...shown.map((phase) => PHASE_LABEL[phase] ?? phase)],
    style: { compact: true, head: [], border: [] },
  });
  phases.push(['runs', ...shown.map((phase) => byPhase.get(phase) ?? 0)]);
  const lockTimes = runs.flatMap((run) => (run.lockedAt ? [run.lockedAt - started] : []));
  const calls = new Map<string, { total: number; limited: number }>();
  for (const entry of requests) {
    const bucket = calls.get(entry.bucket) ?? { total: 0, limited: 0 };
    bucket.total += 1;
    if (entry.rateLimited) bucket.limited += 1;
    calls.set(entry.bucket, bucket);
  }
  const buckets = [...calls].sort((a, b) => b[1].total - a[1].total).slice(0, 8);
  const okta = new Table({
    head: ['Okta bucket', ...buckets.map(([bucket]) => bucket)],
    style: { compact: true, head: [], border: [] },
  });
  okta.push(
    ['calls', ...buckets.map(([, count]) => count.total)],
    ['429s', ...buckets.map(([, count]) => count.limited)],
    [
      timeScale === 1 ? 'limit/min' : `limit/${Math.round((60 / timeScale) * 10) / 10}s`,
      ...buckets.map(([bucket]) => limits.get(bucket) ?? ''),
    ],
  );
  const done = runs.filter((run) => run.report || run.error).length;
  return [
    `Locked out ${String(lockTimes.length).padStart(4)}/${runs.length} ${bar(lockTimes.length, runs.length)}` +
      (lockTimes.length
        ? `  p50 ${seconds(percentile(lockTimes, 50))}  p95 ${seconds(percentile(lockTimes, 95))}  last ${seconds(Math.max(...lockTimes))}`
        : ''),
    `Finished   ${String(done).padStart(4)}/${runs.length} ${bar(done, runs.length)}  ${seconds(Date.now() - started)} elapsed`,
    phases.toString(),
    okta.toString(),
  ].join('\n');
}

/** Polls every open run's status (a few at a time) until all are closed, redrawing the layoff view. */
export async function followLayoff(
  runs: LayoffRun[],
  started: number,
  admin: EmulatorAdmin,
  region: LiveRegion,
): Promise<void> {
  const since = new Date(started - 1000).toISOString();
  const rateLimits = await admin.rateLimits().catch(() => undefined);
  const limits = new Map(
    (rateLimits?.buckets ?? []).map((bucket) => [bucket.name, bucket.perMinute] as [string, number]),
  );
  for (const run of runs) {
    (run.handle.result() as Promise<OffboardingReport>).then(
      (report) => (run.report = report),
      (error: unknown) => (run.error = error instanceof Error ? error.message : String(error)),
    );
  }
  let requests: RequestEntry[] = [];
  let lastRequestPoll = 0;
  for (;;) {
    const open = runs.filter(
      (run) => !run.report && !run.error && !(run.status && TERMINAL_PHASES.includes(run.status.phase)),
    );
    for (let i = 0; i < open.length; i += 10) {
      await Promise.all(
        open.slice(i, i + 10).map(async (run) => {
          const status = await statusOf(run.handle);
          if (!status) return;
          run.status = status;
          if (!run.lockedAt && LOCK_DONE_PHASES.includes(status.phase)) {
            const lockSteps = status.steps.filter((step) => step.phase === 'locking' && step.finishedAt);
            run.lockedAt = Math.max(...lockSteps.map((step) => Date.parse(step.finishedAt as string)), started);
          }
        }),
      );
    }
    if (Date.now() - lastRequestPoll > 2000) {
      requests = await admin.requests(since).catch(() => requests);
      lastRequestPoll = Date.now();
    }
    region.draw(renderLayoff(runs, started, requests, limits, rateLimits?.timeScale), { everyMs: 10_000 });
    if (runs.every((run) => run.report || run.error)) break;
    await sleep(1000);
  }
  requests = await admin.requests(since).catch(() => requests);
  region.draw(renderLayoff(runs, started, requests, limits, rateLimits?.timeScale));
  region.freeze();
}

/** The layoff's end: one line per person. */
export function renderLayoffSummary(runs: LayoffRun[], started: number): string {
  const table = new Table({
    head: ['user', 'Okta id', 'outcome', 'locked out after', 'finished after', 'residue'],
    style: { compact: true, head: [], border: [] },
  });
  for (const run of runs) {
    const finished = run.report ? Date.parse(run.report.finishedAt) - started : undefined;
    table.push([
      run.login,
      run.userId,
      run.report?.outcome ?? `error: ${run.error ?? '?'}`,
      run.lockedAt ? seconds(run.lockedAt - started) : '',
      finished !== undefined ? seconds(finished) : '',
      run.report
        ? run.report.residue.length
          ? run.report.residue.map((item) => `${item.kind} ${item.id}`).join(', ')
          : 'none'
        : '',
    ]);
  }
  return table.toString();
}
