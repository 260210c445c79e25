// The five chaos scenarios of issue 10. Each injects its faults at random moments while a load of
// offboardings runs, then checks every run and every person's final Okta state (check.ts).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { offboardWorkflowId } from '../../workflows/definitions';
import { generateSampleOrg } from '@okta-offboarding/okta-emulator';
import { checkAll, collectRuns, expectedOutcome } from './check';
import { fuzzIntake } from './fuzz';
import {
  between,
  pick,
  runLoad,
  signatureHeader,
  sleep,
  type IntakeCall,
  type LoadContext,
  type ScenarioResult,
} from './load';
import { HR_SECRET, type ClusterControl, type TemporalService, type WorkerPool } from './stack';

export const SCENARIOS = [
  'worker-crashes',
  'cluster-faults',
  'okta-trouble',
  'concurrent-steering',
  'intake-fuzzing',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioEnv {
  client: Client;
  admin: EmulatorAdmin;
  taskQueue: string;
  timeScale: number;
  intake: IntakeCall;
  workers: WorkerPool;
  cluster?: ClusterControl;
  /** The intake's pid, to prove it rode out the faults without a restart. */
  intakePid?: () => number | undefined;
  log: (line: string) => void;
  /** Scales waits for small test runs (1 = the full scenario). */
  settleTimeoutMs: number;
}

async function until(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(100);
}

/** Every run must end `completed`; anything else fails the scenario. */
function requireAllCompleted(result: ScenarioResult): ScenarioResult {
  const notCompleted = result.runs.started - result.runs.completed;
  if (notCompleted > 0 || result.runs.completed === 0) {
    result.problems.push(`${notCompleted} of ${result.runs.started} runs did not complete`);
    result.passed = false;
  }
  return result;
}

/** What every scenario's load is sent to and logged by. */
function loadTarget(env: ScenarioEnv) {
  return {
    client: env.client,
    admin: env.admin,
    taskQueue: env.taskQueue,
    intake: env.intake,
    settleTimeoutMs: env.settleTimeoutMs,
    log: env.log,
  };
}

/** 1. SIGKILL a worker at random moments (at least `kills` times), restart it, and run two workers for part of it. */
export async function workerCrashes(env: ScenarioEnv, users: number, kills = 5): Promise<ScenarioResult> {
  if (env.workers.running().includes('worker-2')) await env.workers.stop('worker-2');
  if (!env.workers.running().includes('worker-1')) await env.workers.start('worker-1');
  const result = await runLoad({
    name: 'worker-crashes',
    users,
    ...loadTarget(env),
    spreadMs: Math.max(10_000, users * 150),
    deviceWipeDelay: '3s',
    inject: async ({ accepted, submitted, faults }: LoadContext) => {
      let done = false;
      void submitted.then(() => (done = true));
      await until(() => accepted.size > 0);
      // Restarts run in the background, so kills keep landing at random moments (sometimes on
      // both workers at once) while a killed worker is still coming back.
      const restarts = new Map<string, Promise<void>>();
      let n = 0;
      while ((n < kills || !done) && n < kills + 20) {
        await sleep(between(500, 3000));
        const candidates = env.workers.running().filter((name) => !restarts.has(name));
        if (candidates.length === 0) {
          await Promise.race(restarts.values());
          continue;
        }
        const target = pick(candidates);
        await env.workers.kill(target);
        faults.count('worker SIGKILL');
        n += 1;
        env.log(`  SIGKILL ${target} (${n}), ${accepted.size} runs accepted so far\n`);
        restarts.set(
          target,
          sleep(between(200, 2500))
            .then(() => env.workers.start(target))
            .then(() => {
              faults.count('worker restart');
              restarts.delete(target);
            }),
        );
        if (n === 2 && !env.workers.running().includes('worker-2') && !restarts.has('worker-2')) {
          restarts.set(
            'worker-2',
            env.workers.start('worker-2').then(() => {
              faults.count('second worker added');
              restarts.delete('worker-2');
            }),
          );
        }
      }
      await Promise.all(restarts.values());
    },
  });
  result.notes.push(`worker kills: ${env.workers.kills.join(', ')}`);
  return requireAllCompleted(result);
}

/** 2. kill -9 and restart history, matching and frontend in turn, then stop PostgreSQL for 30 s. */
export async function clusterFaults(env: ScenarioEnv, users: number, postgresDownMs = 30_000): Promise<ScenarioResult> {
  const cluster = env.cluster;
  if (!cluster) throw new Error('cluster-faults needs the production topology (four Temporal services on PostgreSQL)');
  for (const name of ['worker-1', 'worker-2']) if (!env.workers.running().includes(name)) await env.workers.start(name);
  const pidsBefore = new Map(['worker-1', 'worker-2'].map((name) => [name, env.workers.pid(name)]));
  const intakeBefore = env.intakePid?.();
  const result = await runLoad({
    name: 'cluster-faults',
    users,
    ...loadTarget(env),
    spreadMs: Math.max(45_000, users * 300),
    deviceWipeDelay: '5s',
    sendDeadlineMs: 300_000,
    inject: async ({ accepted, faults }: LoadContext) => {
      await until(() => accepted.size > 0);
      for (const service of ['history', 'matching', 'frontend'] as TemporalService[]) {
        await sleep(between(1500, 5000));
        const began = Date.now();
        await cluster.killService(service);
        faults.count(`kill -9 ${service}`);
        await sleep(between(500, 3000));
        await cluster.startService(service);
        env.log(
          `  temporal ${service}: kill -9, back after ${((Date.now() - began) / 1000).toFixed(1)}s (${accepted.size} accepted)\n`,
        );
      }
      await sleep(between(1500, 4000));
      await cluster.stopPostgres();
      faults.count('PostgreSQL stopped (30 s)');
      env.log(`  PostgreSQL stopped (${accepted.size} accepted)\n`);
      await sleep(postgresDownMs);
      await cluster.startPostgres();
      env.log('  PostgreSQL started again\n');
    },
  });
  for (const [name, pid] of pidsBefore) {
    if (env.workers.pid(name) !== pid)
      result.problems.push(
        `${name} did not ride out the cluster faults (pid ${pid} -> ${env.workers.pid(name) ?? 'none'})`,
      );
  }
  if (env.intakePid && env.intakePid() !== intakeBefore)
    result.problems.push('the intake did not ride out the cluster faults');
  if (result.problems.length) result.passed = false;
  return requireAllCompleted(result);
}

/** 3. 10% 500s, 5% connection resets, 2 s latency spikes, 429 bursts with long resets, Okta down for 2 (scaled) minutes. */
export async function oktaTrouble(env: ScenarioEnv, users: number): Promise<ScenarioResult> {
  for (const name of ['worker-1', 'worker-2']) if (!env.workers.running().includes(name)) await env.workers.start(name);
  const downMs = Math.round(120_000 / env.timeScale);
  const result = await runLoad({
    name: 'okta-trouble',
    users,
    ...loadTarget(env),
    spreadMs: Math.max(10_000, users * 150),
    deviceWipeDelay: '3s',
    inject: async ({ accepted, faults, submitted }: LoadContext) => {
      await faults.add('500 (10%)', {
        route: '/api/v1/*',
        status: 500,
        errorCode: 'E0000009',
        errorSummary: 'Internal Server Error',
        probability: 0.1,
      });
      await faults.add('connection reset (5%)', { route: '/api/v1/*', connectionReset: true, probability: 0.05 });
      await faults.add('2 s latency spike (3%)', { route: '/api/v1/*', latencyMs: 2000, probability: 0.03 });
      await until(() => accepted.size > 0);
      for (let burst = 0; burst < 2; burst++) {
        await sleep(between(1000, 4000));
        // 60 Okta seconds to the reset: 60/timeScale real seconds.
        await faults.add('429 burst (60 s reset)', {
          route: '/api/v1/*',
          status: 429,
          errorCode: 'E0000047',
          resetAfterS: 60,
          forMs: 3000,
        });
        env.log(`  429 burst ${burst + 1} (${accepted.size} accepted)\n`);
      }
      await sleep(between(1000, 3000));
      await faults.add(`Okta down (2 scaled min = ${downMs / 1000}s): connection refused`, {
        route: '*',
        connectionReset: true,
        forMs: downMs,
      });
      env.log(`  Okta down for ${downMs / 1000}s (${accepted.size} accepted)\n`);
      await sleep(downMs);
      await submitted;
    },
  });
  return requireAllCompleted(result);
}

type Sent = { name: 'cancel' | 'rehire' | 'wipeDevicesNow'; at: number; accepted: boolean; error?: string };

/** 4. cancel, rehire and wipeDevicesNow at random moments to a random third of the runs. */
export async function concurrentSteering(env: ScenarioEnv, users: number, wipeDelayS = 20): Promise<ScenarioResult> {
  for (const name of ['worker-1', 'worker-2']) if (!env.workers.running().includes(name)) await env.workers.start(name);
  const sent = new Map<string, Sent[]>();
  const wipeMs = wipeDelayS * 1000;
  const result = await runLoad({
    name: 'concurrent-steering',
    users,
    ...loadTarget(env),
    spreadMs: Math.max(5_000, users * 100),
    deviceWipeDelay: `${wipeDelayS}s`,
    inject: async ({ leavers, accepted, submitted, faults }: LoadContext) => {
      const steered = [...leavers]
        .sort(() => Math.random() - 0.5)
        .slice(0, Math.max(1, Math.round(leavers.length / 3)));
      const sends: Array<Promise<void>> = [];
      for (const userId of steered) {
        const messages = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () =>
          pick(['cancel', 'rehire', 'wipeDevicesNow'] as const),
        );
        sent.set(userId, []);
        sends.push(
          (async () => {
            await until(() => accepted.has(userId), 300_000);
            for (const name of messages) {
              await sleep(between(0, wipeMs * 0.8));
              const record: Sent = { name, at: Date.now(), accepted: false };
              sent.get(userId)?.push(record);
              const payload =
                name === 'rehire' ? { requestedBy: 'chaos' } : { requestedBy: 'chaos', reason: 'chaos steering' };
              try {
                await env.client.workflow.getHandle(offboardWorkflowId(userId)).signal(name, payload);
                record.accepted = true;
                faults.count(`${name} sent`);
              } catch (error) {
                record.error = error instanceof WorkflowNotFoundError ? 'closed' : String((error as Error).message);
                faults.count(record.error === 'closed' ? `${name} refused (run closed)` : `${name} failed`);
              }
            }
          })(),
        );
      }
      await Promise.all([submitted, ...sends]);
    },
    extraChecks: (check) => {
      for (const person of check.persons) {
        const report = person.report;
        if (!report) continue;
        const { messages, outcome } = report;
        const expected = expectedOutcome(messages);
        if (outcome !== expected)
          person.mismatches.push(
            `ended ${outcome}, but the messages it received (${messages.map((m) => m.name).join(', ') || 'none'}) give ${expected}`,
          );
        for (const name of ['cancel', 'rehire', 'wipeDevicesNow'] as const) {
          const acceptedCount = (sent.get(person.userId) ?? []).filter((s) => s.name === name && s.accepted).length;
          const applied = messages.filter((m) => m.name === name).length;
          if (applied < acceptedCount)
            person.mismatches.push(`${acceptedCount} ${name} signal(s) accepted by Temporal, ${applied} applied`);
        }
        for (const failed of (sent.get(person.userId) ?? []).filter((s) => s.error && s.error !== 'closed'))
          person.mismatches.push(`${failed.name} could not be sent: ${failed.error}`);
        // wipeDevicesNow applied before the wait ended: the device step did not wait for the delay.
        const wipe = messages.find((m) => m.name === 'wipeDevicesNow');
        const device = report.steps.find((step) => step.step === 'decommissionDevice');
        if (
          outcome === 'completed' &&
          wipe &&
          report.deviceWipeAt &&
          device &&
          Date.parse(wipe.at) < Date.parse(report.deviceWipeAt) - 1000
        ) {
          if (Date.parse(device.startedAt) > Date.parse(report.deviceWipeAt) - 500)
            person.mismatches.push(
              `wipeDevicesNow applied at ${wipe.at}, yet the device step waited until ${device.startedAt}`,
            );
        }
      }
    },
  });
  const steeredCount = sent.size;
  result.notes.push(`${steeredCount} of ${users} runs steered`);
  // Every steered or not, each run ended as the precedence gives: nothing failed, parked or lost.
  return result;
}

/** 5. The property-based intake fuzzer; afterwards the intake is up, its memory bounded and no run started. */
export async function intakeFuzzing(
  env: ScenarioEnv,
  options: { requests: number; bodyLimit: number; memoryMb: () => number; maxGrowthMb?: number; seed?: number },
): Promise<ScenarioResult> {
  const started = Date.now();
  const org = generateSampleOrg({ users: 3, seed: Math.floor(Math.random() * 1_000_000_000) });
  await env.admin.reset();
  await env.admin.seed(org);
  const seedState = await env.admin.state();
  const person = org.users[0]?.id as string;
  const problems: string[] = [];

  // One valid start, whose exact bytes the fuzzer replays inside the window.
  const t = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    user: person,
    eventId: `chaos-fuzz-${t}-${person}`,
    reason: 'chaos intake fuzzing',
    deviceWipeDelay: '0s',
  });
  const header = signatureHeader(HR_SECRET, 'POST', '/v1/offboardings', body, t);
  const first = await env.intake({
    method: 'POST',
    path: '/v1/offboardings',
    body,
    headers: { 'content-type': 'application/json', 'offboard-signature': header },
  });
  if (first.status !== 202) throw new Error(`the valid start was refused: ${first.status} ${first.body}`);
  const runId = (JSON.parse(first.body) as { runId: string }).runId;

  const runsQuery = `WorkflowType = "offboardUser" AND TaskQueue = "${env.taskQueue}"`;
  const countRuns = async (): Promise<number> => (await env.client.workflow.count(runsQuery)).count;
  await sleep(1500);
  const runsBefore = await countRuns();
  const memoryBefore = options.memoryMb();
  const fuzz = await fuzzIntake({
    call: env.intake,
    secret: HR_SECRET,
    knownUserId: person,
    validStart: { body, header, runId, t },
    numRuns: options.requests,
    bodyLimit: options.bodyLimit,
    seed: options.seed,
  });
  const memoryAfter = options.memoryMb();
  const health = await env
    .intake({ method: 'GET', path: '/healthz', body: '', headers: {} })
    .catch((error: Error) => ({ status: 0, body: error.message }));
  if (health.status !== 200) problems.push(`the intake is not healthy after fuzzing: ${health.status} ${health.body}`);
  const growth = memoryAfter - memoryBefore;
  if (growth > (options.maxGrowthMb ?? 150))
    problems.push(`memory grew by ${growth} MB (${memoryBefore} -> ${memoryAfter} MB)`);
  await sleep(1500);
  const started_ = (await countRuns()) - runsBefore;
  if (started_ !== 0) problems.push(`${started_} run(s) started by invalid requests`);
  for (const violation of fuzz.violations.slice(0, 20)) problems.push(`answer broke the property: ${violation}`);
  if (fuzz.violations.length > 20) problems.push(`... and ${fuzz.violations.length - 20} more violations`);

  // The one valid run finishes and leaves its person without access.
  const deadline = Date.now() + env.settleTimeoutMs;
  const handle = env.client.workflow.getHandle(offboardWorkflowId(person));
  while (Date.now() < deadline && (await handle.describe()).status.name === 'RUNNING') await sleep(500);
  const check = checkAll(seedState, await env.admin.state(), await collectRuns(env.client, [person]), 1);

  const faults: Record<string, number> = { ...fuzz.byKind };
  const result: ScenarioResult = {
    name: 'intake-fuzzing',
    users: 1,
    load: `${fuzz.requests} requests`,
    faults,
    runs: check.runs,
    residual: check.residual,
    durationMs: Date.now() - started,
    passed: false,
    problems,
    failures: check.failures,
    notes: [
      `fast-check seed ${fuzz.seed}; answers by status: ${Object.entries(fuzz.byStatus)
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ')}`,
      `intake memory ${memoryBefore} -> ${memoryAfter} MB; runs started by invalid requests: ${started_}`,
    ],
  };
  result.passed = problems.length === 0 && check.failures.length === 0 && check.runs.completed === 1;
  return result;
}
