// The benchmark's tables, its JSON result (bench-results/latest.json, docs/architecture.md section 10) and the
// check that decides its exit code: a broken run (lost, stuck, failed, parked, not locked out, or access left)
// fails it; a ratio to a floor, the ceiling or the script never does, since those follow the machine's load.
import { cpus } from 'node:os';
import Table from 'cli-table3';
import type { RateLimitTable } from '@okta-offboarding/okta-emulator';
import type { RunbookFloor } from './floor';
import { loadAverage } from './footprint';
import { STICKY_CACHE_ENV, type Options } from './options';
import type { PhaseResult } from './phase';
import { WAIT_KINDS, type LockPathWaits, type WaitKind } from './waits';

export interface Report {
  options: Options;
  /** The emulator's published table of the main phase (Okta's Workforce limits unless --rate-limits). */
  published: RateLimitTable;
  lockFloor: RunbookFloor;
  doneFloor: RunbookFloor;
  /** The main phase: ours, or the baseline with --baseline-only. */
  main: PhaseResult;
  ceiling?: PhaseResult;
  baseline?: PhaseResult;
}

const UNLIMITED = 1e8;
const ms = (value: number) =>
  value >= 60_000 ? `${(value / 60_000).toFixed(2)} min` : `${(value / 1000).toFixed(1)} s`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const mb = (value: number) => `${value.toFixed(0)} MB`;

export function stickyCacheSetting(options: Options): string {
  const value = options.workerEnv[STICKY_CACHE_ENV];
  return value === undefined ? `worker default (${STICKY_CACHE_ENV} not passed)` : `${STICKY_CACHE_ENV}=${value}`;
}

function topologyText(options: Options): string {
  return options.topology === 'cluster'
    ? 'cluster (four Temporal services on PostgreSQL, as the rehearsal)'
    : 'dev-server (Temporal dev server on SQLite)';
}

/** The minimum calls per person the phase's calls compare with: the lock phases' with --until lockout. */
const callFloor = (report: Report) => (report.options.until === 'lockout' ? report.lockFloor : report.doneFloor);

function limitOf(published: RateLimitTable, bucket: string): number | undefined {
  const perMinute = published.buckets.find((entry) => entry.name === bucket)?.perMinute;
  return perMinute !== undefined && perMinute < UNLIMITED ? perMinute : undefined;
}

function figuresTable(report: Report): string {
  const { options, main, ceiling, baseline, lockFloor, doneFloor } = report;
  const lockout = options.until === 'lockout';
  const name = main.name === 'baseline' ? 'baseline' : 'ours';
  const head = ['', `${name} (${options.rateLimits})`, 'floor', `${name}/floor`];
  if (ceiling) head.push('Temporal ceiling (no limits)');
  if (baseline) head.push(`baseline (sequential${lockout ? ', full run' : ''})`, 'ours/baseline');
  const out = new Table({ head, style: { head: [], border: [] } });
  const row = (
    label: string,
    value: (phase: PhaseResult) => string,
    floorCell = '',
    floorRatio = '',
    raw?: (phase: PhaseResult) => number,
  ) => {
    const cells = [label, value(main), floorCell, floorRatio];
    if (ceiling) cells.push(value(ceiling));
    if (baseline) cells.push(value(baseline), raw ? ratio(raw(main), raw(baseline)) : '');
    out.push(cells);
  };
  for (const [label, key] of [
    ['lockout p50', 'p50Ms'],
    ['lockout p95', 'p95Ms'],
    ['lockout p99', 'p99Ms'],
    ['lockout max', 'maxMs'],
  ] as const)
    row(
      label,
      (p) => ms(p.lockout[key]),
      '',
      '',
      (p) => p.lockout[key],
    );
  row(
    'lockout makespan',
    (p) => ms(p.lockout.makespanMs),
    `${ms(lockFloor.floorMs)} (${lockFloor.bottleneck})`,
    ratio(main.lockout.makespanMs, lockFloor.floorMs),
    (p) => p.lockout.makespanMs,
  );
  if (!lockout)
    row(
      'completion makespan',
      (p) => (p.completion ? ms(p.completion.makespanMs) : '-'),
      `${ms(doneFloor.floorMs)} (${doneFloor.bottleneck})`,
      main.completion ? ratio(main.completion.makespanMs, doneFloor.floorMs) : '',
      (p) => p.completion?.makespanMs ?? 0,
    );
  row(
    'later users-bucket calls before the last lockout (of which writes)',
    (p) => `${p.lockout.laterUsersBucketCallsBeforeLastLock} (${p.lockout.laterCallsBeforeLastLock})`,
  );
  row('people not locked out', (p) => String(p.lockout.notLocked));
  const floor = callFloor(report);
  row(
    lockout ? 'Okta calls per person up to the last lockout' : 'Okta calls per person',
    (p) => p.calls.perUser.toFixed(1),
    floor.perUser.toFixed(1),
    ratio(main.calls.perUser, floor.perUser),
    (p) => p.calls.perUser,
  );
  row('429s (share of calls)', (p) => `${p.calls.rateLimited} (${(p.calls.rateLimitedShare * 100).toFixed(2)}%)`);
  if (lockout)
    row('runs open at the stop: terminated (batch + by id), left, time', (p) =>
      p.terminated
        ? `${p.terminated.open}: ${p.terminated.byBatch} + ${p.terminated.byId}, ${p.terminated.left} left, ${ms(p.terminated.durationMs)}`
        : `none: a full run, ${p.runs.completed}/${p.runs.started} people done`,
    );
  else row('runs completed / started', (p) => `${p.runs.completed}/${p.runs.started}`);
  row(
    'failed / needs-attention / stuck / lost',
    (p) => `${p.runs.failed}/${p.runs.needsAttention}/${p.runs.stuck}/${p.runs.lost}`,
  );
  row(lockout ? 'people able to sign in or holding a session, grant or token' : 'people keeping access', (p) =>
    String(p.residual.count),
  );
  row('start requests: retries (why), time to start all', (p) => {
    if (p.name === 'baseline') return '-';
    const why = Object.entries(p.starts.refusals ?? {}).map(([reason, n]) => `${n} ${reason}`);
    return `${p.starts.retries}${why.length ? ` (${why.join(', ')})` : ''}, ${ms(p.starts.durationMs)}`;
  });
  return out.toString();
}

function bucketsTable(report: Report): string {
  const { options, published, main, ceiling, baseline } = report;
  const floor = callFloor(report);
  const head = [
    'bucket',
    'Okta limit/min',
    `${main.name} per person`,
    'peak per Okta min',
    'floor',
    `${main.name}/floor`,
  ];
  if (ceiling) head.push('ceiling per person');
  if (baseline) head.push('script per person', 'script peak per Okta min', 'ours/script');
  const out = new Table({ head, style: { head: [], border: [] } });
  const buckets = [
    ...new Set([
      ...Object.keys(floor.perUserByBucket),
      ...Object.keys(main.calls.byBucket),
      ...Object.keys(baseline?.calls.byBucket ?? {}),
    ]),
  ].sort();
  const perUser = (p: PhaseResult, bucket: string) => p.calls.perUserByBucket[bucket] ?? 0;
  for (const bucket of buckets) {
    const limit = limitOf(published, bucket);
    const min = floor.perUserByBucket[bucket] ?? 0;
    const cells = [
      bucket,
      limit === undefined ? '-' : `${limit}${limit < 1000 ? ' *' : ''}`,
      perUser(main, bucket).toFixed(2),
      String(main.calls.peakPerOktaMinuteByBucket[bucket] ?? 0),
      `${min.toFixed(2)} (${ms(floor.byBucket[bucket]?.ms ?? 0)})`,
      ratio(perUser(main, bucket), min),
    ];
    if (ceiling) cells.push(perUser(ceiling, bucket).toFixed(2));
    if (baseline)
      cells.push(
        perUser(baseline, bucket).toFixed(2),
        String(baseline.calls.peakPerOktaMinuteByBucket[bucket] ?? 0),
        ratio(perUser(main, bucket), perUser(baseline, bucket)),
      );
    out.push(cells);
  }
  const total = [
    'total',
    published.cumulativePerMinute && published.cumulativePerMinute < UNLIMITED
      ? `${published.cumulativePerMinute} (cumulative)`
      : '-',
    main.calls.perUser.toFixed(2),
    '',
    floor.perUser.toFixed(2),
    ratio(main.calls.perUser, floor.perUser),
  ];
  if (ceiling) total.push(ceiling.calls.perUser.toFixed(2));
  if (baseline) total.push(baseline.calls.perUser.toFixed(2), '', ratio(main.calls.perUser, baseline.calls.perUser));
  out.push(total);
  const under = buckets.filter((bucket) => (limitOf(published, bucket) ?? Infinity) < 1000);
  const scope =
    options.until === 'lockout'
      ? 'up to the last lockout (the script: up to its own last lockout, its people one after another)'
      : 'of the whole run';
  return (
    `Okta calls per person by bucket, ${scope}; floor: the runbook's minimum for this seed (${floor.phases} phases) and its time at the limit\n` +
    `${out.toString()}\n` +
    (under.length ? `* under 1,000 calls per minute: ${under.join(', ')}\n` : '')
  );
}

function footprintTable(report: Report): string {
  const { options, main, ceiling, baseline } = report;
  const head = ['', main.name];
  if (ceiling) head.push('Temporal ceiling');
  if (baseline) head.push('baseline (the script)');
  const out = new Table({ head, style: { head: [], border: [] } });
  const phases = [main, ceiling, baseline].filter((phase) => phase !== undefined);
  const row = (label: string, value: (phase: PhaseResult) => string) =>
    out.push([label, ...phases.map((phase) => value(phase))]);
  const encryption = options.encryption ? 'encrypted' : 'plaintext';
  row('worker peak RSS (kernel VmHWM, all workers)', (p) => mb(p.resources.workerPeakRssMb));
  row('worker RSS at its sampled peak, runs open then', (p) => {
    if (!p.footprint) return '-';
    const each = p.footprint.workers.map(
      (w) => `${w.name} ${mb(w.peak.rssMb)} at ${w.peak.openRuns} open (idle ${mb(w.idleRssMb)})`,
    );
    const total = p.footprint.total;
    return p.footprint.workers.length > 1
      ? `${each.join('\n')}\ntogether ${mb(total.rssMb)} at ${total.openRuns} open`
      : (each[0] ?? '-');
  });
  row('worker sticky workflow cache', (p) => (p.name === 'baseline' ? '-' : stickyCacheSetting(options)));
  row(`worker CPU s per 1,000 (${encryption})`, (p) => p.resources.workerCpuSPer1000.toFixed(1));
  const server = options.topology === 'cluster' ? 'Temporal (4 services)' : 'Temporal dev server';
  row(`${server} CPU s per 1,000; peak RSS`, (p) =>
    p.name === 'baseline' ? '-' : `${p.resources.serverCpuSPer1000.toFixed(1)}; ${mb(p.resources.serverPeakRssMb)}`,
  );
  if (options.topology === 'cluster')
    row('PostgreSQL CPU s per 1,000; peak memory (PSS of its processes, sampled)', (p) =>
      p.resources.database
        ? `${p.resources.database.cpuSPer1000.toFixed(1)}; ${mb(p.resources.database.peakRssMb)}`
        : '-',
    );
  row(
    'load average before / after (1, 5, 15 min)',
    (p) => `${p.loadAverage.before.join(' ')}\n${p.loadAverage.after.join(' ')}`,
  );
  return `Footprint (CPU from the first start to the stop)\n${out.toString()}\n`;
}

function waitsTable(report: Report): string {
  const phases = [report.main, report.ceiling].filter((phase) => phase?.waits !== undefined) as PhaseResult[];
  if (!phases.length) return '';
  const head = [''];
  const whole = (phase: PhaseResult) => phase.waits?.wholeRunMeanMs;
  for (const phase of phases)
    head.push(
      `${phase.name === 'ceiling' ? 'Temporal ceiling' : phase.name}: mean`,
      'last tenth',
      ...(whole(phase) ? ['whole run (start to close)'] : []),
    );
  const out = new Table({ head, style: { head: [], border: [] } });
  const cell = (value: number, total: number) => `${ms(value)} (${total ? ((value / total) * 100).toFixed(0) : 0}%)`;
  const sum = (row: Record<WaitKind, number>) => WAIT_KINDS.reduce((total, kind) => total + row[kind], 0);
  for (const kind of WAIT_KINDS)
    out.push([
      kind,
      ...phases.flatMap((phase) => {
        const waits = phase.waits as LockPathWaits;
        const wholeRun = whole(phase);
        return [
          cell(waits.meanMs[kind], sum(waits.meanMs)),
          cell(waits.lastTenthMeanMs[kind], sum(waits.lastTenthMeanMs)),
          ...(wholeRun ? [cell(wholeRun[kind], sum(wholeRun))] : []),
        ];
      }),
    ]);
  out.push([
    'start to lockout (whole run: to close)',
    ...phases.flatMap((phase) => {
      const waits = phase.waits as LockPathWaits;
      const wholeRun = whole(phase);
      return [ms(sum(waits.meanMs)), ms(sum(waits.lastTenthMeanMs)), ...(wholeRun ? [ms(sum(wholeRun))] : [])];
    }),
  ]);
  const unread = phases.map((phase) => phase.waits?.unread ?? 0).reduce((a, b) => a + b, 0);
  return (
    `Where a run's time went from its start to its person's lockout (from ${phases.map((p) => p.waits?.runs).join(' and ')} histories${unread ? `; ${unread} unread` : ''})\n` +
    `${out.toString()}\n`
  );
}

export function printReport(report: Report, write: (text: string) => void): void {
  const { options, main, ceiling, lockFloor, doneFloor } = report;
  const env = Object.entries(options.workerEnv).map(([key, value]) => `${key}=${value}`);
  const scale = `time scale ${options.timeScale} (one Okta minute = ${(60 / options.timeScale).toFixed(0)} s)`;
  write(
    main.name === 'baseline'
      ? `\nThe sequential script alone (no Temporal) offboarding ${main.users} people: ${options.rateLimits} limits, ${scale}, seed ${options.seed}\n`
      : `\nLayoff of ${main.users} people ${options.until === 'lockout' ? 'until the last lockout' : 'to completion'}: ` +
          `${options.rateLimits} limits, ${scale}, topology ${topologyText(options)}, ${options.workers} worker(s), seed ${options.seed}, ` +
          `payloads ${options.encryption ? 'encrypted (AES-256-GCM)' : 'plaintext (--no-encryption)'}` +
          `${env.length ? `, worker env ${env.join(' ')}` : ''}\n`,
  );
  write(`${figuresTable(report)}\n`);
  write(bucketsTable(report));
  write(footprintTable(report));
  write(waitsTable(report));
  // The lock-out against its rate-limit floor is the figure a layoff is judged by: printed, never a
  // pass or fail, since it follows the machine's load.
  write(
    `Lockout: the last of ${main.users} people was locked out ${ms(main.lockout.makespanMs)} after the first start, ` +
      `${ratio(main.lockout.makespanMs, lockFloor.floorMs)} the rate-limit floor of ${ms(lockFloor.floorMs)} (${lockFloor.bottleneck}); ` +
      `429s: ${main.calls.rateLimited} of ${main.calls.total} calls (${(main.calls.rateLimitedShare * 100).toFixed(2)}%).\n`,
  );
  if (ceiling?.completion) {
    const machineBound = ceiling.completion.makespanMs > doneFloor.floorMs;
    write(
      machineBound
        ? `The Temporal ceiling (${ms(ceiling.completion.makespanMs)} with no rate limits) is above the completion floor (${ms(doneFloor.floorMs)}): this machine, not Okta, bounds the result.\n`
        : `The Temporal ceiling (${ms(ceiling.completion.makespanMs)} with no rate limits) is below the completion floor (${ms(doneFloor.floorMs)}): Okta's limits bound the result.\n`,
    );
  }
  if (ceiling && ceiling.lockout.makespanMs > lockFloor.floorMs)
    write(
      `Lockout: the ceiling's lockout makespan (${ms(ceiling.lockout.makespanMs)}) is above its floor (${ms(lockFloor.floorMs)}): the machine bounds the lockout.\n`,
    );
  write(
    `Load average now: ${loadAverage().join(' ')} on ${cpus().length} cores (other processes share the machine: figures are noisy).\n`,
  );
}

export function resultJson(report: Report) {
  const { options, main, lockFloor, doneFloor, ceiling, baseline } = report;
  const floor = callFloor(report);
  const shape = (phase: PhaseResult) => ({
    users: phase.users,
    timeScale: options.timeScale,
    stoppedAt: phase.stoppedAt,
    lockout: { ...phase.lockout, floorMs: lockFloor.floorMs, ratio: phase.lockout.makespanMs / lockFloor.floorMs },
    ...(phase.completion
      ? {
          completion: {
            makespanMs: phase.completion.makespanMs,
            floorMs: doneFloor.floorMs,
            ratio: phase.completion.makespanMs / doneFloor.floorMs,
          },
        }
      : {}),
    calls: {
      upTo: options.until === 'lockout' ? 'last-lockout' : 'end',
      ...phase.calls,
      minimumPerUser: floor.perUser,
      minimumPerUserByBucket: floor.perUserByBucket,
    },
    runs: phase.runs,
    residual: phase.residual,
    resources: phase.resources,
    footprint: phase.footprint,
    waits: phase.waits,
    terminated: phase.terminated,
    starts: phase.starts,
    loadAverage: phase.loadAverage,
  });
  return {
    ...shape(main),
    until: options.until,
    topology: options.topology,
    rateLimits: options.rateLimits,
    publishedLimitsPerMinute: Object.fromEntries(
      [...new Set(report.published.buckets.map((bucket) => bucket.name))].map((name) => [
        name,
        limitOf(report.published, name) ?? null,
      ]),
    ),
    seed: options.seed,
    workers: options.workers,
    workerEnv: options.workerEnv,
    stickyCache: stickyCacheSetting(options),
    encryption: options.encryption ? 'aes-256-gcm' : 'off',
    floors: {
      lockout: { floorMs: lockFloor.floorMs, bottleneck: lockFloor.bottleneck, byBucket: lockFloor.byBucket },
      completion: { floorMs: doneFloor.floorMs, bottleneck: doneFloor.bottleneck, byBucket: doneFloor.byBucket },
    },
    temporalCeiling: ceiling ? shape(ceiling) : undefined,
    ...(baseline
      ? {
          baseline: shape(baseline),
          oursOverBaseline: {
            lockoutMakespan: main.lockout.makespanMs / baseline.lockout.makespanMs,
            lockoutP50: main.lockout.p50Ms / Math.max(baseline.lockout.p50Ms, 1),
            ...(main.completion && baseline.completion
              ? { completionMakespan: main.completion.makespanMs / baseline.completion.makespanMs }
              : {}),
            callsPerPerson: main.calls.perUser / Math.max(baseline.calls.perUser, 1e-9),
            callsPerPersonByBucket: Object.fromEntries(
              Object.entries(main.calls.perUserByBucket).map(([bucket, calls]) => [
                bucket,
                baseline.calls.perUserByBucket[bucket]
                  ? calls / (baseline.calls.perUserByBucket[bucket] as number)
                  : null,
              ]),
            ),
          },
        }
      : {}),
    machine: { cpus: cpus().length, loadAverage: loadAverage() },
    finishedAt: new Date().toISOString(),
  };
}

/** Why a Temporal phase's runs are broken (empty: they are not). Ratios and times never count. */
export function brokenRuns(phase: PhaseResult): string[] {
  const problems: string[] = [];
  const { runs } = phase;
  if (phase.starts.accepted < phase.users) problems.push(`${phase.users - phase.starts.accepted} starts not accepted`);
  if (runs.lost) problems.push(`${runs.lost} runs lost`);
  if (runs.stuck) problems.push(`${runs.stuck} runs stuck`);
  if (runs.failed) problems.push(`${runs.failed} runs failed`);
  if (runs.needsAttention) problems.push(`${runs.needsAttention} runs in needs-attention`);
  if (phase.lockout.notLocked) problems.push(`${phase.lockout.notLocked} people not locked out`);
  if (phase.residual.count) problems.push(`${phase.residual.count} people keep access`);
  if (phase.terminated?.left) problems.push(`${phase.terminated.left} runs still open after the termination`);
  return problems;
}
