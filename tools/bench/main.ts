// `npm run bench -- [--users N] [--rate-limits workforce|unlimited|table.json] [--time-scale X]
//                   [--seed S] [--workers K] [--share F] [--baseline] [--skip-ceiling] [--baseline-only]
//                   [--no-encryption]`
//
// A layoff of N people on one machine: the Temporal dev server (SQLite in a temp dir, headless),
// the Okta emulator (Workforce limits, no burst, one Okta minute = 60/X real seconds), the worker(s)
// with the Okta budget scaled to the emulator's time scale, N offboardings started at once through
// the HR intake (signed `POST /v1/offboardings`). Reports lockout and completion against the
// rate-limit floor (floor.ts), the Temporal ceiling (the same run with unlimited limits), calls per
// person by bucket, 429s, runs, residual access, CPU and memory (payloads encrypted as in production, unless
// `--no-encryption`: the two worker CPU figures give the codec's cost); with `--baseline` the same seed
// offboarded by a sequential script (baseline.ts). Writes bench-results/latest.json (docs/architecture.md section 10).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, homedir, loadavg as osLoadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import Table from 'cli-table3';
import { createOktaClient } from '../../okta/client';
import { buildIntake } from '../../client/intake/server';
import { signV2 } from '../../client/intake/signature';
import { dataConverterFor, generateKeyLine, loadCodecKeys } from '../../codec';
import { connectClient } from '../../runs/temporal';
import { EMULATOR_CLI, EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { unlimitedTable, workforceTable } from '@okta-offboarding/okta-emulator';
import { generateSampleOrg } from '@okta-offboarding/okta-emulator';
import type { Org, RateLimitTable, RequestEntry } from '@okta-offboarding/okta-emulator';
import { OKTA_BUCKETS, OffboardingPhase } from '../../workflows/definitions';
import { startDevServer } from '../dev-server';
import { Supervisor, type SupervisedChild } from '../supervisor/processes';
import type { BaselineResult } from './baseline';
import { runbookFloor, type RunbookFloor } from './floor';
import type { Residual, RunCounts } from '../results';
import { callFigures, lockoutFigures, residualOf, type CallFigures, type LockoutFigures } from './measure';
import { groupStats, sumStats, type ProcStats } from '../supervisor/procstat';

const ROOT = resolve(__dirname, '..', '..');
const TOKEN = 'bench-token';
const HMAC_SECRET = 'bench-hr-secret-0123456789';
const TASK_QUEUE = 'bench-offboarding';

interface Options {
  users: number;
  rateLimits: string;
  timeScale: number;
  seed: number;
  workers: number;
  baseline: boolean;
  ceiling: boolean;
  /** Only the sequential baseline (writes bench-results/phase-baseline.json, not latest.json). */
  baselineOnly: boolean;
  /** OFFBOARD_OKTA_RATE_SHARE for the worker; the worker's default (0.9) when absent. */
  share?: string;
  /** The AES-GCM payload codec on the worker and the intake's client, as in production (`--no-encryption`: off). */
  encryption: boolean;
}

interface Resources {
  workerCpuS: number;
  workerPeakRssMb: number;
  serverCpuS: number;
  serverPeakRssMb: number;
  /** CPU seconds scaled to 1,000 offboardings (peak RSS is as measured). */
  workerCpuSPer1000: number;
  serverCpuSPer1000: number;
}

interface PhaseResult {
  name: 'ours' | 'ceiling' | 'baseline';
  users: number;
  lockout: LockoutFigures;
  completion: { makespanMs: number };
  calls: CallFigures;
  runs: RunCounts;
  residual: Residual;
  resources: Resources;
  /** Start requests answered 202, how long all starts took, retries of refused starts. */
  starts: { accepted: number; retries: number; durationMs: number };
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '1000' },
      'rate-limits': { type: 'string', default: 'workforce' },
      'time-scale': { type: 'string', default: '6' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: '1' },
      baseline: { type: 'boolean', default: false },
      'skip-ceiling': { type: 'boolean', default: false },
      'baseline-only': { type: 'boolean', default: false },
      share: { type: 'string' },
      'no-encryption': { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const users = Number(values.users);
  const timeScale = Number(values['time-scale']);
  const workers = Number(values.workers);
  if (!Number.isInteger(users) || users < 1) throw new Error('--users must be a positive integer');
  if (!(timeScale > 0 && timeScale <= 6))
    throw new Error(
      '--time-scale must be above 0 and at most 6 (one Okta minute >= 10 s keeps X-Rate-Limit-Reset precise)',
    );
  if (!Number.isInteger(workers) || workers < 1 || workers > 4) throw new Error('--workers must be 1 to 4');
  return {
    users,
    rateLimits: values['rate-limits'] as string,
    timeScale,
    seed: Number(values.seed),
    workers,
    baseline: values.baseline as boolean,
    ceiling: !values['skip-ceiling'],
    baselineOnly: values['baseline-only'] as boolean,
    share: values.share,
    encryption: !values['no-encryption'],
  };
}

function table(kind: string, timeScale: number): RateLimitTable {
  if (kind === 'workforce') return workforceTable(timeScale);
  if (kind === 'unlimited') return unlimitedTable(timeScale);
  const loaded = JSON.parse(readFileSync(kind, 'utf8')) as RateLimitTable;
  return { ...loaded, timeScale };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function cliPath(): string {
  return (
    process.env.TEMPORAL_CLI_PATH || join(homedir(), '.cache', 'okta-offboarding', 'temporal-cli', 'v1.5.1', 'temporal')
  );
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

interface Stack {
  supervisor: Supervisor;
  server: SupervisedChild;
  address: string;
  emulatorUrl: string;
  admin: EmulatorAdmin;
}

async function startStack(dir: string, name: string, rateLimits: string, timeScale: number): Promise<Stack> {
  const supervisor = new Supervisor({ logDir: join(dir, name, 'logs'), graceMs: 5_000, log: () => undefined });
  supervisor.stopOnSignals(endProgress);
  const port = await freePort();
  const server = await startDevServer(supervisor, {
    cliPath: cliPath(),
    port,
    uiPort: false,
    dbFile: join(dir, name, 'temporal.sqlite'),
    name: 'temporal',
  });
  const emulator = await supervisor.start({
    name: 'okta-emulator',
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      EMULATOR_CLI,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--rate-limits',
      rateLimits,
      '--time-scale',
      String(timeScale),
      '--token',
      TOKEN,
    ],
    cwd: ROOT,
    ready: { line: /listening on (http:\/\/\S+)/ },
  });
  const emulatorUrl = emulator.readyMatch?.[1] as string;
  return {
    supervisor,
    server: server.child,
    address: server.address,
    emulatorUrl,
    admin: new EmulatorAdmin(emulatorUrl),
  };
}

async function startWorkers(stack: Stack, count: number, env: Record<string, string>): Promise<SupervisedChild[]> {
  const workers: SupervisedChild[] = [];
  for (let i = 0; i < count; i++) {
    workers.push(
      await stack.supervisor.start({
        name: `worker-${i + 1}`,
        command: process.execPath,
        args: ['--import', 'tsx', join(ROOT, 'worker', 'main.ts')],
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: stack.address,
          TEMPORAL_NAMESPACE: 'default',
          OFFBOARD_TASK_QUEUE: TASK_QUEUE,
          OKTA_ORG_URL: stack.emulatorUrl,
          OKTA_API_TOKEN: TOKEN,
          OFFBOARD_DEVICE_WIPE_DELAY: '0s',
          OFFBOARD_PROTECTED_GROUPS: 'Super Admins',
          OFFBOARD_LOG_LEVEL: 'INFO',
          ...env,
        },
        ready: { line: /Offboarding worker started|worker started/i, timeoutMs: 120_000 },
      }),
    );
  }
  return workers;
}

/** Starts every offboarding at once through the HR route, signed like HR signs it; retries refused starts like HR would. */
async function startThroughIntake(
  intakeUrl: string,
  userIds: string[],
  startedAt: Map<string, number>,
): Promise<{ accepted: number; retries: number }> {
  let retries = 0;
  let accepted = 0;
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
        await sleep(500 + Math.random() * 1000);
      }
    }),
  );
  return { accepted, retries };
}

async function countRuns(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

/** Runs, by outcome, from Temporal: status and the OffboardingPhase search attribute. */
async function runCounts(
  client: Client,
  started: number,
  stuck: boolean,
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
        else if (stuck) counts.stuck++;
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

/** The emulator's request log, read in slices so progress can show 429s as they happen. */
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

async function runOurs(
  dir: string,
  name: 'ours' | 'ceiling',
  options: Options,
  org: Org,
  userIds: string[],
  floor: RunbookFloor,
): Promise<PhaseResult> {
  const limits = name === 'ceiling' ? 'unlimited' : options.rateLimits;
  const stack = await startStack(dir, name, limits, options.timeScale);
  // An empty OFFBOARD_CODEC_KEYS_FILE overrides one the shell may export: the figure is without the codec.
  const keysFile = options.encryption ? join(dir, 'codec-keys') : '';
  if (keysFile) writeFileSync(keysFile, `${generateKeyLine('bench')}\n`, { mode: 0o600 });
  const client = await connectClient({
    connection: { address: stack.address },
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    uiUrl: '',
    dataConverter: dataConverterFor(loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: keysFile })),
  });
  try {
    await stack.admin.seed(org);
    const published = await stack.admin.rateLimits();
    const env: Record<string, string> = {
      OFFBOARD_OKTA_RATE_LIMITS: workerRateLimits(published),
      // A planned layoff raises the blast-radius threshold to its size (docs/operations.md): every run still asks.
      OFFBOARD_APPROVAL_THRESHOLD: String(userIds.length),
      OFFBOARD_CODEC_KEYS_FILE: keysFile,
    };
    if (options.share) env.OFFBOARD_OKTA_RATE_SHARE = options.share;
    if (name === 'ceiling') env.OFFBOARD_OKTA_CONCURRENCY = OKTA_BUCKETS.map((bucket) => `${bucket}=32`).join(',');
    const workers = await startWorkers(stack, options.workers, env);
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
    const serverBefore = groupStats(stack.server.pid);
    const workersBefore = sumStats(workers.map((worker) => groupStats(worker.pid)));

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
    for (;;) {
      await sleep(2_000);
      await reader.poll().catch(() => undefined);
      ended = await countRuns(client, 'WorkflowType = "offboardUser" AND ExecutionStatus != "Running"').catch(
        () => ended,
      );
      const attention = await countRuns(
        client,
        'WorkflowType = "offboardUser" AND ExecutionStatus = "Running" AND OffboardingPhase = "needs-attention"',
      ).catch(() => 0);
      progress(
        `[${name}] ${seconds(Date.now() - t0)}: runs ended ${ended}/${userIds.length}${attention ? `, needs-attention ${attention}` : ''}, Okta calls ${reader.entries.length}, 429s ${reader.rateLimited}${startsDone ? '' : ', starting...'}`,
      );
      if (startsDone && ended + attention >= userIds.length) break;
      const seen = `${ended}/${reader.entries.length}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgressAt = Date.now();
      }
      if (Date.now() > deadline || Date.now() - lastProgressAt > 180_000) {
        stuck = true;
        break;
      }
    }
    endProgress();
    const startResult = await starts;
    const serverAfter = groupStats(stack.server.pid);
    const workersAfter = sumStats(workers.map((worker) => groupStats(worker.pid)));
    await reader.poll();
    const log = (await stack.admin.requests()).filter((entry) => Date.parse(entry.at) >= t0 - 1000);
    const { counts, lastCloseMs } = await runCounts(client, userIds.length, stuck);
    const state = await stack.admin.state();
    await intake.close();
    const per1000 = 1000 / userIds.length;
    const workerCpuS = workersAfter.cpuS - workersBefore.cpuS;
    const serverCpuS = serverAfter.cpuS - serverBefore.cpuS;
    return {
      name,
      users: userIds.length,
      lockout: lockoutFigures(log, startedAt, t0),
      completion: { makespanMs: (lastCloseMs || Date.now()) - t0 },
      calls: callFigures(log, userIds.length, 60_000 / options.timeScale),
      runs: counts,
      residual: residualOf(state, userIds),
      resources: resources(workerCpuS, workersAfter, serverCpuS, serverAfter, per1000),
      starts: { accepted: startResult.accepted, retries: startResult.retries, durationMs: await startsDurationMs },
    };
  } finally {
    await client.connection.close().catch(() => undefined);
    await stack.supervisor.stopAll();
  }
}

function resources(
  workerCpuS: number,
  worker: ProcStats,
  serverCpuS: number,
  server: ProcStats,
  per1000: number,
): Resources {
  return {
    workerCpuS,
    workerPeakRssMb: worker.peakRssMb,
    serverCpuS,
    serverPeakRssMb: server.peakRssMb,
    workerCpuSPer1000: workerCpuS * per1000,
    serverCpuSPer1000: serverCpuS * per1000,
  };
}

async function runBaselinePhase(dir: string, options: Options, org: Org, userIds: string[]): Promise<PhaseResult> {
  const supervisor = new Supervisor({ logDir: join(dir, 'baseline', 'logs'), graceMs: 5_000, log: () => undefined });
  supervisor.stopOnSignals(endProgress);
  try {
    const emulator = await supervisor.start({
      name: 'okta-emulator',
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        EMULATOR_CLI,
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--rate-limits',
        options.rateLimits,
        '--time-scale',
        String(options.timeScale),
        '--token',
        TOKEN,
      ],
      cwd: ROOT,
      ready: { line: /listening on (http:\/\/\S+)/ },
    });
    const url = emulator.readyMatch?.[1] as string;
    const admin = new EmulatorAdmin(url);
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
    const state = await admin.state();
    const startAt = Date.parse(result.startedAt);
    const startedAt = new Map(userIds.map((id) => [id, startAt]));
    const failed = result.failed.length;
    const per1000 = 1000 / userIds.length;
    return {
      name: 'baseline',
      users: userIds.length,
      lockout: lockoutFigures(log, startedAt, startAt),
      completion: { makespanMs: Date.parse(result.finishedAt) - startAt },
      calls: callFigures(log, userIds.length, 60_000 / options.timeScale),
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
      residual: residualOf(state, userIds),
      resources: resources(lastStats.cpuS, lastStats, 0, { cpuS: 0, peakRssMb: 0, pids: [] }, per1000),
      starts: { accepted: userIds.length, retries: 0, durationMs: 0 },
    };
  } finally {
    await supervisor.stopAll();
  }
}

// ---- report ----------------------------------------------------------------------------------

const ms = (value: number) =>
  value >= 60_000 ? `${(value / 60_000).toFixed(2)} min` : `${(value / 1000).toFixed(1)} s`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');

function resultJson(
  options: Options,
  ours: PhaseResult,
  lockFloor: RunbookFloor,
  doneFloor: RunbookFloor,
  ceiling?: PhaseResult,
  baseline?: PhaseResult,
) {
  const shape = (phase: PhaseResult) => ({
    users: phase.users,
    timeScale: options.timeScale,
    lockout: { ...phase.lockout, floorMs: lockFloor.floorMs, ratio: phase.lockout.makespanMs / lockFloor.floorMs },
    completion: {
      makespanMs: phase.completion.makespanMs,
      floorMs: doneFloor.floorMs,
      ratio: phase.completion.makespanMs / doneFloor.floorMs,
    },
    calls: { ...phase.calls, minimumPerUser: doneFloor.perUser, minimumPerUserByBucket: doneFloor.perUserByBucket },
    runs: phase.runs,
    residual: phase.residual,
    resources: phase.resources,
    starts: phase.starts,
  });
  return {
    ...shape(ours),
    rateLimits: options.rateLimits,
    seed: options.seed,
    workers: options.workers,
    encryption: options.encryption ? 'aes-256-gcm' : 'off',
    floors: {
      lockout: { floorMs: lockFloor.floorMs, bottleneck: lockFloor.bottleneck, byBucket: lockFloor.byBucket },
      completion: { floorMs: doneFloor.floorMs, bottleneck: doneFloor.bottleneck, byBucket: doneFloor.byBucket },
    },
    temporalCeiling: ceiling
      ? {
          makespanMs: ceiling.completion.makespanMs,
          lockoutMakespanMs: ceiling.lockout.makespanMs,
          runs: ceiling.runs,
          resources: ceiling.resources,
          calls: ceiling.calls,
        }
      : undefined,
    ...(baseline
      ? {
          baseline: shape(baseline),
          oursOverBaseline: {
            lockoutMakespan: ours.lockout.makespanMs / baseline.lockout.makespanMs,
            lockoutP50: ours.lockout.p50Ms / Math.max(baseline.lockout.p50Ms, 1),
            completionMakespan: ours.completion.makespanMs / baseline.completion.makespanMs,
          },
        }
      : {}),
    machine: { cpus: cpus().length, loadAverage: loadavg() },
    finishedAt: new Date().toISOString(),
  };
}

function loadavg(): number[] {
  return osLoadavg().map((value) => Number(value.toFixed(2)));
}

function printTable(
  options: Options,
  published: RateLimitTable,
  ours: PhaseResult,
  lockFloor: RunbookFloor,
  doneFloor: RunbookFloor,
  ceiling?: PhaseResult,
  baseline?: PhaseResult,
): void {
  const main = ours.name === 'baseline' ? 'baseline' : 'ours';
  const head = ['', `${main} (${options.rateLimits})`, 'floor', `${main}/floor`];
  if (ceiling) head.push('Temporal ceiling');
  if (baseline) head.push('baseline (sequential)', 'ours/baseline');
  const out = new Table({ head, style: { head: [], border: [] } });
  const row = (
    label: string,
    value: (phase: PhaseResult) => string,
    floorCell = '',
    floorRatio = '',
    raw?: (phase: PhaseResult) => number,
  ) => {
    const cells = [label, value(ours), floorCell, floorRatio];
    if (ceiling) cells.push(value(ceiling));
    if (baseline) cells.push(value(baseline), raw ? ratio(raw(ours), raw(baseline)) : '');
    out.push(cells);
  };
  row(
    'lockout p50',
    (p) => ms(p.lockout.p50Ms),
    '',
    '',
    (p) => p.lockout.p50Ms,
  );
  row(
    'lockout p95',
    (p) => ms(p.lockout.p95Ms),
    '',
    '',
    (p) => p.lockout.p95Ms,
  );
  row(
    'lockout p99',
    (p) => ms(p.lockout.p99Ms),
    '',
    '',
    (p) => p.lockout.p99Ms,
  );
  row(
    'lockout max',
    (p) => ms(p.lockout.maxMs),
    '',
    '',
    (p) => p.lockout.maxMs,
  );
  row(
    'lockout makespan',
    (p) => ms(p.lockout.makespanMs),
    `${ms(lockFloor.floorMs)} (${lockFloor.bottleneck})`,
    ratio(ours.lockout.makespanMs, lockFloor.floorMs),
    (p) => p.lockout.makespanMs,
  );
  row(
    'completion makespan',
    (p) => ms(p.completion.makespanMs),
    `${ms(doneFloor.floorMs)} (${doneFloor.bottleneck})`,
    ratio(ours.completion.makespanMs, doneFloor.floorMs),
    (p) => p.completion.makespanMs,
  );
  row('later users-bucket writes before last lockout', (p) => String(p.lockout.laterCallsBeforeLastLock));
  row('people not locked out', (p) => String(p.lockout.notLocked));
  row(
    'Okta calls per person',
    (p) => p.calls.perUser.toFixed(1),
    doneFloor.perUser.toFixed(1),
    ratio(ours.calls.perUser, doneFloor.perUser),
    (p) => p.calls.perUser,
  );
  const buckets = [
    ...new Set([
      ...Object.keys(doneFloor.perUserByBucket),
      ...Object.keys(ours.calls.byBucket),
      ...Object.keys(baseline?.calls.byBucket ?? {}),
    ]),
  ].sort();
  for (const bucket of buckets) {
    const min = doneFloor.perUserByBucket[bucket] ?? 0;
    const limit = published.buckets.find((entry) => entry.name === bucket)?.perMinute;
    const peak = (p: PhaseResult) =>
      p.name === 'ceiling'
        ? ''
        : `, peak ${p.calls.peakPerOktaMinuteByBucket[bucket] ?? 0}/${limit && limit < 1e8 ? limit : '-'} per min`;
    row(
      `  ${bucket}`,
      (p) => `${(p.calls.perUserByBucket[bucket] ?? 0).toFixed(2)}${peak(p)}`,
      `${min.toFixed(2)} (${ms(doneFloor.byBucket[bucket]?.ms ?? 0)})`,
      ratio(ours.calls.perUserByBucket[bucket] ?? 0, min),
    );
  }
  row('429s (share of calls)', (p) => `${p.calls.rateLimited} (${(p.calls.rateLimitedShare * 100).toFixed(2)}%)`);
  row('runs completed / started', (p) => `${p.runs.completed}/${p.runs.started}`);
  row(
    'failed / needs-attention / stuck / lost',
    (p) => `${p.runs.failed}/${p.runs.needsAttention}/${p.runs.stuck}/${p.runs.lost}`,
  );
  row('people keeping access', (p) => String(p.residual.count));
  row(
    `worker CPU s per 1,000 (${options.encryption ? 'encrypted' : 'plaintext'})`,
    (p) => p.resources.workerCpuSPer1000.toFixed(1),
    '',
    '',
    (p) => p.resources.workerCpuSPer1000,
  );
  row('worker peak RSS MB', (p) => p.resources.workerPeakRssMb.toFixed(0));
  row('Temporal server CPU s per 1,000', (p) => p.resources.serverCpuSPer1000.toFixed(1));
  row('Temporal server peak RSS MB', (p) => p.resources.serverPeakRssMb.toFixed(0));
  row('start requests: retries, time to start all', (p) =>
    p.name === 'baseline' ? '-' : `${p.starts.retries}, ${ms(p.starts.durationMs)}`,
  );
  process.stdout.write(
    `\nLayoff of ${ours.users} people, ${options.rateLimits} limits, time scale ${options.timeScale} (one Okta minute = ${(60 / options.timeScale).toFixed(0)} s), ${options.workers} worker(s), seed ${options.seed}, payloads ${options.encryption ? 'encrypted (AES-256-GCM)' : 'plaintext (--no-encryption)'}\n`,
  );
  process.stdout.write(`${out.toString()}\n`);
  // The lock-out against its rate-limit floor is the figure a layoff is judged by: printed, never a
  // pass or fail, since it follows the machine's load.
  process.stdout.write(
    `Lockout: the last of ${ours.users} people was locked out ${ms(ours.lockout.makespanMs)} after the first start, ` +
      `${ratio(ours.lockout.makespanMs, lockFloor.floorMs)} the rate-limit floor of ${ms(lockFloor.floorMs)} (${lockFloor.bottleneck}); ` +
      `429s: ${ours.calls.rateLimited} of ${ours.calls.total} calls (${(ours.calls.rateLimitedShare * 100).toFixed(2)}%).\n`,
  );
  if (ceiling) {
    const machineBound = ceiling.completion.makespanMs > doneFloor.floorMs;
    process.stdout.write(
      machineBound
        ? `The Temporal ceiling (${ms(ceiling.completion.makespanMs)} with no rate limits) is above the completion floor (${ms(doneFloor.floorMs)}): this machine, not Okta, bounds the result.\n`
        : `The Temporal ceiling (${ms(ceiling.completion.makespanMs)} with no rate limits) is below the completion floor (${ms(doneFloor.floorMs)}): Okta's limits bound the result.\n`,
    );
    if (ceiling.lockout.makespanMs > lockFloor.floorMs) {
      process.stdout.write(
        `Lockout: the ceiling's lockout makespan (${ms(ceiling.lockout.makespanMs)}) is above its floor (${ms(lockFloor.floorMs)}): the machine bounds the lockout.\n`,
      );
    }
  }
  process.stdout.write(
    `Load average now: ${loadavg().join(' ')} on ${cpus().length} cores (other processes share the machine: figures are noisy).\n`,
  );
}

async function main(): Promise<void> {
  const options = parseOptions();
  const dir = mkdtempSync(join(tmpdir(), 'offboard-bench-'));
  const org = generateSampleOrg({ users: options.users, seed: options.seed });
  const userIds = org.users.slice(0, options.users).map((user) => user.id as string);
  const published = table(options.rateLimits, options.timeScale);
  const lockFloor = runbookFloor(org, published, 'lockout', { userIds });
  const doneFloor = runbookFloor(org, published, 'completion', { userIds });
  process.stderr.write(
    `Floors for ${options.users} people: lockout ${ms(lockFloor.floorMs)} (${lockFloor.bottleneck}), completion ${ms(doneFloor.floorMs)} (${doneFloor.bottleneck}); temp dir ${dir}\n`,
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
      printTable(options, published, baseline, lockFloor, doneFloor);
      process.stdout.write('Wrote bench-results/phase-baseline.json\n');
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    const ours = keep(await runOurs(dir, 'ours', options, org, userIds, doneFloor));
    const ceiling = keep(
      options.ceiling && options.rateLimits !== 'unlimited'
        ? await runOurs(dir, 'ceiling', options, org, userIds, doneFloor)
        : undefined,
    );
    printTable(options, published, ours, lockFloor, doneFloor, ceiling, baseline);
    const results = resultJson(options, ours, lockFloor, doneFloor, ceiling, baseline);
    writeFileSync(join(ROOT, 'bench-results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write('Wrote bench-results/latest.json\n');
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    process.stderr.write(`\nLogs kept in ${dir}\n`);
    throw error;
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    endProgress();
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
