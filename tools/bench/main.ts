// `npm run bench -- [--users N] [--rate-limits workforce|unlimited|table.json] [--time-scale X]
//                   [--seed S] [--workers K] [--share F] [--baseline] [--skip-ceiling] [--baseline-only]
//                   [--no-encryption] [--until completion|lockout] [--topology dev-server|cluster]
//                   [--worker-env KEY=VALUE]... [--json] [--keep-logs]`
//
// A layoff of N people on one machine: Temporal (the dev server on SQLite in a temp dir, or with
// `--topology cluster` the rehearsal's four services on PostgreSQL with two workers), the Okta emulator
// (Workforce limits, no burst, one Okta minute = 60/X real seconds), the worker(s) with the Okta budget
// scaled to the emulator's time scale, N offboardings started at once through the HR intake (signed
// `POST /v1/offboardings`). Reports lockout and completion against the rate-limit floor (floor.ts), the
// Temporal ceiling (the same run with unlimited limits), calls per person by bucket, 429s, runs, residual
// access, CPU and memory (payloads encrypted as in production, unless `--no-encryption`); with `--baseline`
// the same seed offboarded by a sequential script (baseline.ts). With `--until lockout` the Temporal phases
// stop once the last person is locked out (the runs wait on a one-hour device timer meanwhile) and their open
// runs are terminated: the real-pace lockout (`--time-scale 1`) takes minutes, not hours. Writes
// bench-results/latest.json (docs/architecture.md section 10); exits 1 on a broken run, never on a ratio.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { createOktaClient } from '../../okta/client';
import { buildIntake } from '../../client/intake/server';
import { signV2 } from '../../client/intake/signature';
import { dataConverterFor, generateKeyLine, loadCodecKeys } from '../../codec';
import { connectClient } from '../../runs/temporal';
import { EmulatorAdmin, generateSampleOrg, unlimitedTable, workforceTable } from '@okta-offboarding/okta-emulator';
import type { Org, RateLimitTable, RequestEntry } from '@okta-offboarding/okta-emulator';
import { OKTA_BUCKETS, OffboardingPhase, offboardWorkflowId } from '../../workflows/definitions';
import { Supervisor } from '../supervisor/processes';
import { groupStats, sumStats, type ProcStats } from '../supervisor/procstat';
import type { RunCounts } from '../results';
import type { BaselineResult } from './baseline';
import { runbookFloor, type RunbookFloor } from './floor';
import { FootprintSampler, loadAverage, treeStats } from './footprint';
import { lockPathWaits } from './waits';
import { callFigures, lockoutFigures, lockoutTimes, lockResidualOf, residualOf, statusesOf } from './measure';
import { parseOptions, type Options } from './options';
import type { PhaseResult, Resources } from './phase';
import { brokenRuns, printReport, resultJson, type Report } from './report';
import { ROOT, startEmulatorChild, startStack, startWorkers, TASK_QUEUE, TOKEN, type BenchStack } from './stack';
import { terminateOpenRuns, type Termination } from './terminate';

const HMAC_SECRET = 'bench-hr-secret-0123456789';
/** No Okta call and no run ending for this long: the phase is stuck. */
const NO_PROGRESS_MS = 180_000;

function table(kind: string, timeScale: number): RateLimitTable {
  if (kind === 'workforce') return workforceTable(timeScale);
  if (kind === 'unlimited') return unlimitedTable(timeScale);
  const loaded = JSON.parse(readFileSync(kind, 'utf8')) as RateLimitTable;
  return { ...loaded, timeScale };
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One progress line, rewritten in place on a terminal. */
function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else process.stderr.write(`${line}\n`);
}
function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}

/**
 * The worker's budget: the emulator's per-minute limits (each bucket's and the cumulative one) × time scale, so the
 * server-enforced rates match Okta's scaled limits.
 */
function workerRateLimits(published: RateLimitTable): string {
  const scaled = (perMinute: number | undefined) =>
    Math.round(Math.min(perMinute ?? 1_000_000_000, 1_000_000_000) * published.timeScale);
  const buckets = OKTA_BUCKETS.map(
    (bucket) => `${bucket}=${scaled(published.buckets.find((entry) => entry.name === bucket)?.perMinute)}`,
  );
  return [...buckets, `cumulative=${scaled(published.cumulativePerMinute)}`].join(',');
}

/** Starts every offboarding at once through the HR route, signed like HR signs it; retries refused starts like HR would. */
async function startThroughIntake(
  intakeUrl: string,
  userIds: string[],
  startedAt: Map<string, number>,
): Promise<{ accepted: number; retries: number; refusals: Record<string, number> }> {
  let retries = 0;
  let accepted = 0;
  // Why starts were refused and retried: the intake's status and error code (`0` when the connection failed).
  const refusals: Record<string, number> = {};
  await Promise.all(
    userIds.map(async (userId, index) => {
      const body = JSON.stringify({ user: userId, eventId: `bench-${index}-${userId}`, reason: 'Benchmark layoff' });
      for (let attempt = 0; ; attempt++) {
        const t = Math.floor(Date.now() / 1000);
        const signature = signV2(HMAC_SECRET, t, {
          method: 'POST',
          pathWithQuery: '/v1/offboardings',
          contentType: 'application/json',
          rawBody: body,
        });
        if (attempt === 0) startedAt.set(userId, Date.now());
        const response = await fetch(`${intakeUrl}/v1/offboardings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'offboard-signature': `t=${t},v2=${signature}` },
          body,
        }).catch((error: unknown) => ({ status: 0, text: async () => String(error) }));
        if (response.status === 202) {
          accepted++;
          return;
        }
        if (attempt >= 20)
          throw new Error(
            `start of ${userId} refused ${attempt + 1} times: ${response.status} ${await response.text()}`,
          );
        retries++;
        const code = await response
          .text()
          .then((text) => (JSON.parse(text) as { error?: string }).error ?? '')
          .catch(() => '');
        const why = `${response.status}${code ? ` ${code}` : ''}`;
        refusals[why] = (refusals[why] ?? 0) + 1;
        await sleep(500 + Math.random() * 1000);
      }
    }),
  );
  return { accepted, retries, refusals };
}

async function countRuns(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

const userOfRun = (execution: WorkflowExecutionInfo) => execution.workflowId.replace(/^offboard-/, '');

/**
 * Runs, by outcome, from Temporal: status and the OffboardingPhase search attribute. A running run is parked
 * (needs-attention), stuck when `stuck` says so, or else open (counted in neither; a lockout stop ends them).
 */
async function runCounts(
  client: Client,
  started: number,
  stuck: (execution: WorkflowExecutionInfo) => boolean,
): Promise<{ counts: RunCounts; lastCloseMs: number }> {
  const counts: RunCounts = {
    started,
    completed: 0,
    cancelled: 0,
    rehired: 0,
    failed: 0,
    needsAttention: 0,
    stuck: 0,
    lost: 0,
  };
  let lastCloseMs = 0;
  let seen = 0;
  for await (const execution of client.workflow.list({ query: 'WorkflowType = "offboardUser"' })) {
    seen++;
    const phase = execution.typedSearchAttributes.get(OffboardingPhase);
    if (execution.closeTime) lastCloseMs = Math.max(lastCloseMs, execution.closeTime.getTime());
    switch (execution.status.name) {
      case 'COMPLETED':
        if (phase === 'completed') counts.completed++;
        else if (phase === 'cancelled') counts.cancelled++;
        else if (phase === 'rehired') counts.rehired++;
        else counts.failed++;
        break;
      case 'RUNNING':
        if (phase === 'needs-attention') counts.needsAttention++;
        else if (stuck(execution)) counts.stuck++;
        break;
      case 'CANCELLED':
        counts.cancelled++;
        break;
      default:
        counts.failed++;
    }
  }
  counts.lost = Math.max(0, started - seen);
  return { counts, lastCloseMs };
}

/** The emulator's request log, read in slices so progress can show 429s and lockouts as they happen. */
class LogReader {
  readonly entries: RequestEntry[] = [];
  private seenAtLast = 0;
  rateLimited = 0;

  constructor(private readonly admin: EmulatorAdmin) {}

  async poll(): Promise<void> {
    const last = this.entries.at(-1)?.at;
    const fresh = await this.admin.requests(last);
    // `since` is inclusive: skip the entries of the last timestamp already read.
    const skip = last ? this.seenAtLast : 0;
    const added = fresh.slice(skip);
    for (const entry of added) {
      this.entries.push(entry);
      if (entry.rateLimited) this.rateLimited++;
    }
    const newest = this.entries.at(-1)?.at;
    if (newest) {
      let count = 0;
      for (let i = this.entries.length - 1; i >= 0 && this.entries[i]?.at === newest; i--) count++;
      this.seenAtLast = count;
    }
  }
}

function resources(
  workerCpuS: number,
  worker: ProcStats,
  serverCpuS: number,
  server: ProcStats,
  per1000: number,
  database?: { cpuS: number; peakRssMb: number },
): Resources {
  return {
    workerCpuS,
    workerPeakRssMb: worker.peakRssMb,
    serverCpuS,
    serverPeakRssMb: server.peakRssMb,
    workerCpuSPer1000: workerCpuS * per1000,
    serverCpuSPer1000: serverCpuS * per1000,
    ...(database ? { database: { ...database, cpuSPer1000: database.cpuS * per1000 } } : {}),
  };
}

/** CPU and peak memory of the Temporal server's processes, and CPU and memory now of PostgreSQL (cluster). */
function serverStats(stack: BenchStack): { server: ProcStats; database?: { cpuS: number; pssMb: number } } {
  const database = stack.databasePid();
  return {
    server: sumStats(stack.serverPids().map((pid) => groupStats(pid))),
    database: database === undefined ? undefined : treeStats(database),
  };
}

async function runOurs(
  dir: string,
  name: 'ours' | 'ceiling',
  options: Options,
  org: Org,
  userIds: string[],
  floor: RunbookFloor,
): Promise<PhaseResult> {
  const untilLockout = options.until === 'lockout';
  const limits = name === 'ceiling' ? 'unlimited' : options.rateLimits;
  const loadBefore = loadAverage();
  const stack = await startStack(dir, name, options.topology, limits, options.timeScale, {
    log: (line) => process.stderr.write(`[${name}] ${line}`),
    beforeStop: endProgress,
  });
  // An empty OFFBOARD_CODEC_KEYS_FILE overrides one the shell may export: the figure is without the codec.
  const keysFile = options.encryption ? join(dir, `codec-keys-${name}`) : '';
  if (keysFile) writeFileSync(keysFile, `${generateKeyLine('bench')}\n`, { mode: 0o600 });
  let client: Client | undefined;
  try {
    client = await connectClient({
      connection: { address: stack.address },
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      uiUrl: '',
      dataConverter: dataConverterFor(loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: keysFile })),
    });
    await stack.admin.seed(org);
    const published = await stack.admin.rateLimits();
    const env: Record<string, string> = {
      OFFBOARD_OKTA_RATE_LIMITS: workerRateLimits(published),
      // A planned layoff raises the blast-radius threshold to its size (docs/operations.md): every run still asks.
      OFFBOARD_APPROVAL_THRESHOLD: String(userIds.length),
      OFFBOARD_CODEC_KEYS_FILE: keysFile,
      // Stopping at the lockout: every run that is through its lock waits on this timer until the stop.
      OFFBOARD_DEVICE_WIPE_DELAY: untilLockout ? '1h' : '0s',
    };
    if (options.share) env.OFFBOARD_OKTA_RATE_SHARE = options.share;
    if (name === 'ceiling') env.OFFBOARD_OKTA_CONCURRENCY = OKTA_BUCKETS.map((bucket) => `${bucket}=32`).join(',');
    const workers = await startWorkers(stack, { dir, phaseDir: join(dir, name) }, options.workers, {
      ...env,
      ...options.workerEnv,
    });
    const intake = await buildIntake({
      config: {
        hmacSecrets: [{ name: 'bench-hr', secret: HMAC_SECRET }],
        timeZone: 'UTC',
        bodyLimit: 65_536,
        temporal: { taskQueue: TASK_QUEUE },
      },
      temporal: client,
      okta: createOktaClient({ orgUrl: stack.emulatorUrl, auth: { kind: 'api-token', token: TOKEN } }),
    });
    const intakeUrl = await intake.listen({ port: 0, host: '127.0.0.1' });
    await stack.admin.clearRequests();
    const before = serverStats(stack);
    const workersBefore = sumStats(workers.map((worker) => groupStats(worker.pid)));
    const sampler = new FootprintSampler(workers);
    const statuses = statusesOf(org, userIds);

    const startedAt = new Map<string, number>();
    const t0 = Date.now();
    const reader = new LogReader(stack.admin);
    let startsDone = false;
    const starts = startThroughIntake(intakeUrl, userIds, startedAt).finally(() => (startsDone = true));
    const startsDurationMs = starts.then(() => Date.now() - t0);

    // Stuck: nothing moved (no run ended, no Okta call) for 3 minutes, or ten times the floor passed.
    const deadline = t0 + 10 * floor.floorMs + 600_000;
    let ended = 0;
    let stuck = false;
    let lastProgressAt = Date.now();
    let lastSeen = '';
    let databasePeakMb = 0;
    for (;;) {
      await sleep(2_000);
      await reader.poll().catch(() => undefined);
      const count = (query: string, fallback: number) => countRuns(client as Client, query).catch(() => fallback);
      ended = await count('WorkflowType = "offboardUser" AND ExecutionStatus != "Running"', ended);
      const attention = await count(
        'WorkflowType = "offboardUser" AND ExecutionStatus = "Running" AND OffboardingPhase = "needs-attention"',
        0,
      );
      const open = await count('WorkflowType = "offboardUser" AND ExecutionStatus = "Running"', 0);
      sampler.sample(open, Date.now() - t0);
      const databasePid = stack.databasePid();
      if (databasePid !== undefined) databasePeakMb = Math.max(databasePeakMb, treeStats(databasePid).pssMb);
      const locked = lockoutTimes(reader.entries, statuses).size;
      progress(
        `[${name}] ${seconds(Date.now() - t0)}: locked out ${locked}/${userIds.length}, runs open ${open}, ended ${ended}${attention ? `, needs-attention ${attention}` : ''}, Okta calls ${reader.entries.length}, 429s ${reader.rateLimited}${startsDone ? '' : ', starting...'}`,
      );
      if (startsDone && untilLockout && locked >= userIds.length) break;
      if (startsDone && ended + attention >= userIds.length) break;
      const seen = `${ended}/${reader.entries.length}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgressAt = Date.now();
      }
      if (Date.now() > deadline || Date.now() - lastProgressAt > NO_PROGRESS_MS) {
        stuck = true;
        break;
      }
    }
    const stoppedMs = Date.now();
    endProgress();
    const startResult = await starts;
    const after = serverStats(stack);
    const workersAfter = sumStats(workers.map((worker) => groupStats(worker.pid)));
    await reader.poll();
    const log = (await stack.admin.requests()).filter((entry) => Date.parse(entry.at) >= t0 - 1000);
    writeFileSync(join(dir, name, 'okta-requests.json'), JSON.stringify({ t0, startedAt: [...startedAt], log }));
    const lockout = lockoutFigures(log, startedAt, t0, statuses);
    const lockedAt = lockoutTimes(log, statuses);
    // Stopped at the lockout, a run still open is waiting (fine) unless its person was never locked out.
    const { counts, lastCloseMs } = await runCounts(client, userIds.length, (execution) =>
      untilLockout ? !lockedAt.has(userOfRun(execution)) : stuck,
    );
    const waits = await lockPathWaits(client, lockedAt, offboardWorkflowId, (done, total) =>
      progress(`[${name}] reading the runs' histories for their lock paths: ${done}/${total}`),
    );
    endProgress();
    let terminated: Termination | undefined;
    if (untilLockout) {
      terminated = await terminateOpenRuns(client, TASK_QUEUE, 'benchmark stopped at the last lockout', (done, total) =>
        progress(`[${name}] terminating the open runs: ${done}/${total}`),
      );
      endProgress();
    }
    const state = await stack.admin.state();
    await intake.close();
    const per1000 = 1000 / userIds.length;
    const database =
      after.database && before.database
        ? { cpuS: after.database.cpuS - before.database.cpuS, peakRssMb: databasePeakMb }
        : undefined;
    return {
      name,
      users: userIds.length,
      stoppedAt: stuck ? 'stuck' : untilLockout ? 'lockout' : 'completion',
      lockout,
      completion: untilLockout ? undefined : { makespanMs: (lastCloseMs || stoppedMs) - t0 },
      calls: callFigures(
        untilLockout ? log.filter((entry) => Date.parse(entry.at) <= t0 + lockout.makespanMs) : log,
        userIds.length,
        60_000 / options.timeScale,
      ),
      runs: counts,
      residual: untilLockout ? lockResidualOf(state, userIds) : residualOf(state, userIds),
      resources: resources(
        workersAfter.cpuS - workersBefore.cpuS,
        workersAfter,
        after.server.cpuS - before.server.cpuS,
        after.server,
        per1000,
        database,
      ),
      starts: {
        accepted: startResult.accepted,
        retries: startResult.retries,
        refusals: startResult.refusals,
        durationMs: await startsDurationMs,
      },
      footprint: sampler.result(),
      waits,
      terminated,
      loadAverage: { before: loadBefore, after: loadAverage() },
    };
  } finally {
    await client?.connection.close().catch(() => undefined);
    await stack.stop();
  }
}

async function runBaselinePhase(dir: string, options: Options, org: Org, userIds: string[]): Promise<PhaseResult> {
  const loadBefore = loadAverage();
  const supervisor = new Supervisor({ logDir: join(dir, 'baseline', 'logs'), graceMs: 5_000, log: () => undefined });
  supervisor.stopOnSignals(endProgress);
  try {
    const { url, admin } = await startEmulatorChild(supervisor, options.rateLimits, options.timeScale);
    await admin.seed(org);
    await admin.clearRequests();
    const usersFile = join(dir, 'baseline', 'users.txt');
    const resultFile = join(dir, 'baseline', 'result.json');
    writeFileSync(usersFile, userIds.join('\n'));
    const t0 = Date.now();
    const script = await supervisor.start({
      name: 'baseline',
      command: process.execPath,
      args: ['--import', 'tsx', join(__dirname, 'baseline.ts'), url, TOKEN, usersFile, resultFile],
      cwd: ROOT,
    });
    const reader = new LogReader(admin);
    let done = false;
    let lastStats = groupStats(script.pid);
    void script.exited.then(() => (done = true));
    while (!done) {
      await sleep(2_000);
      if (!done) lastStats = groupStats(script.pid);
      await reader.poll().catch(() => undefined);
      const people = new Set(
        reader.entries
          .filter((entry) => /\/lifecycle\/deactivate$/.test(entry.path) && entry.path.startsWith('/api/v1/users/'))
          .map((entry) => entry.path),
      ).size;
      progress(
        `[baseline] ${seconds(Date.now() - t0)}: people deactivated ${people}/${userIds.length}, Okta calls ${reader.entries.length}, 429s ${reader.rateLimited}`,
      );
    }
    endProgress();
    const exit = await script.exited;
    if (exit.code !== 0) throw new Error(`the baseline script exited with ${exit.code} (log: ${script.logFile})`);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as BaselineResult;
    const log = await admin.requests();
    writeFileSync(
      join(dir, 'baseline', 'okta-requests.json'),
      JSON.stringify({ t0: Date.parse(result.startedAt), log }),
    );
    const state = await admin.state();
    const startAt = Date.parse(result.startedAt);
    const startedAt = new Map(userIds.map((id) => [id, startAt]));
    const lockout = lockoutFigures(log, startedAt, startAt, statusesOf(org, userIds));
    const untilLockout = options.until === 'lockout';
    const failed = result.failed.length;
    const per1000 = 1000 / userIds.length;
    return {
      name: 'baseline',
      users: userIds.length,
      stoppedAt: 'completion',
      lockout,
      completion: { makespanMs: Date.parse(result.finishedAt) - startAt },
      // Beside a lockout-only run: what the script spent before its own last lockout.
      calls: callFigures(
        untilLockout ? log.filter((entry) => Date.parse(entry.at) <= startAt + lockout.makespanMs) : log,
        userIds.length,
        60_000 / options.timeScale,
      ),
      runs: {
        started: userIds.length,
        completed: userIds.length - failed,
        cancelled: 0,
        rehired: 0,
        failed,
        needsAttention: 0,
        stuck: 0,
        lost: 0,
      },
      residual: untilLockout ? lockResidualOf(state, userIds) : residualOf(state, userIds),
      resources: resources(lastStats.cpuS, lastStats, 0, { cpuS: 0, peakRssMb: 0, pids: [] }, per1000),
      starts: { accepted: userIds.length, retries: 0, durationMs: 0 },
      loadAverage: { before: loadBefore, after: loadAverage() },
    };
  } finally {
    await supervisor.stopAll();
  }
}

async function main(): Promise<number> {
  const options = parseOptions();
  const dir = mkdtempSync(join(tmpdir(), 'offboard-bench-'));
  const org = generateSampleOrg({ users: options.users, seed: options.seed });
  const userIds = org.users.slice(0, options.users).map((user) => user.id as string);
  const published = table(options.rateLimits, options.timeScale);
  const lockFloor = runbookFloor(org, published, 'lockout', { userIds });
  const doneFloor = runbookFloor(org, published, 'completion', { userIds });
  // With --json the tables go to stderr and stdout holds the JSON alone.
  const write = (text: string) => void (options.json ? process.stderr : process.stdout).write(text);
  process.stderr.write(
    `Floors for ${options.users} people: lockout ${seconds(lockFloor.floorMs)} (${lockFloor.bottleneck}), completion ${seconds(doneFloor.floorMs)} (${doneFloor.bottleneck}); ` +
      `topology ${options.topology}, until ${options.until}; temp dir ${dir}\n`,
  );
  try {
    // Each phase is also written alone as it ends (bench-results/phase-<name>.json), so a long run that is stopped keeps what it measured.
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const keep = <T extends PhaseResult | undefined>(phase: T): T => {
      if (phase)
        writeFileSync(
          join(ROOT, 'bench-results', `phase-${phase.name}.json`),
          `${JSON.stringify({ options, floors: { lockoutMs: lockFloor.floorMs, completionMs: doneFloor.floorMs }, ...phase }, null, 2)}\n`,
        );
      return phase;
    };
    // The baseline first: it is short, and the Temporal phases can be long on a slow machine.
    const baseline = keep(
      options.baseline || options.baselineOnly ? await runBaselinePhase(dir, options, org, userIds) : undefined,
    );
    if (options.baselineOnly && baseline) {
      printReport({ options, published, lockFloor, doneFloor, main: baseline }, write);
      write('Wrote bench-results/phase-baseline.json\n');
      rmSync(dir, { recursive: true, force: true });
      return 0;
    }
    const floor = options.until === 'lockout' ? lockFloor : doneFloor;
    const ours = keep(await runOurs(dir, 'ours', options, org, userIds, floor));
    const ceiling = keep(
      options.ceiling && options.rateLimits !== 'unlimited'
        ? await runOurs(dir, 'ceiling', options, org, userIds, floor)
        : undefined,
    );
    const report: Report = { options, published, lockFloor, doneFloor, main: ours, ceiling, baseline };
    printReport(report, write);
    const results = resultJson(report);
    writeFileSync(join(ROOT, 'bench-results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    write('Wrote bench-results/latest.json\n');
    if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    // A broken run fails the benchmark; its figures, whatever they are, never do.
    const broken = [ours, ceiling].flatMap((phase) =>
      phase ? brokenRuns(phase).map((problem) => `${phase.name}: ${problem}`) : [],
    );
    if (broken.length) {
      process.stderr.write(`BROKEN RUNS: ${broken.join('; ')}. Logs kept in ${dir}\n`);
      return 1;
    }
    if (options.keepLogs) process.stderr.write(`Logs and Okta request logs kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    return 0;
  } catch (error) {
    process.stderr.write(`\nLogs kept in ${dir}\n`);
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    endProgress();
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
