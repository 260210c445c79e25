// `npm run chaos -- [--users N] [--scenario <name>]...`: issue 10's fault-tolerance scenarios on the
// production topology of the rehearsal (PostgreSQL, the four Temporal services as separate
// processes, two workers, the signed intake) with the Okta emulator:
//   worker-crashes       SIGKILL and restart workers at random moments (two workers for part of it)
//   cluster-faults       kill -9 history, matching, frontend in turn; PostgreSQL stopped for 30 s
//   okta-trouble         500s, resets, latency spikes, 429 bursts, Okta down for 2 (scaled) minutes
//   concurrent-steering  cancel / rehire / wipeDevicesNow at random moments to a third of the runs
//   intake-fuzzing       fast-check fuzzing of every authenticated intake route
// Each ends with a check of every person's final Okta state and report. Prints a table per
// scenario, writes chaos-results/latest.json, exits 1 if a run is lost or stuck or anyone keeps access.
// `--topology dev-server` runs on a Temporal dev server instead (no cluster-faults), for development.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { clusterHealthy, startDevServerArgs } from '../dev-server';
import { runSupervised, type Supervisor } from '../supervisor/processes';
import { httpIntake, printFailures, type ScenarioResult } from './load';
import {
  clusterFaults,
  concurrentSteering,
  intakeFuzzing,
  oktaTrouble,
  SCENARIOS,
  workerCrashes,
  type ScenarioEnv,
  type ScenarioName,
} from './scenarios';
import {
  appEnv,
  connect,
  freePort,
  prebundledWorkflows,
  writeCodecKeys,
  ROOT,
  rssMb,
  startEmulator,
  startIntake,
  WorkerPool,
  type ClusterControl,
} from './stack';

const began = Date.now();
const log = (line: string): void => void process.stdout.write(line);
const elapsed = (): string => `${Math.round((Date.now() - began) / 1000)}s`;
const INTAKE_BODY_LIMIT = 65_536;

function options() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '200' },
      scenario: { type: 'string', multiple: true },
      topology: { type: 'string', default: 'cluster' },
      'time-scale': { type: 'string', default: '6' },
      'fuzz-requests': { type: 'string' },
      'postgres-url': { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
    },
  });
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 1 || users > 2000)
    throw new Error(`--users must be 1..2000, got ${values.users}`);
  const scenarios = (values.scenario ?? [...SCENARIOS]) as ScenarioName[];
  for (const name of scenarios)
    if (!SCENARIOS.includes(name)) throw new Error(`unknown --scenario ${name} (known: ${SCENARIOS.join(', ')})`);
  if (values.topology !== 'cluster' && values.topology !== 'dev-server')
    throw new Error('--topology must be cluster or dev-server');
  const timeScale = Number(values['time-scale']);
  if (!(timeScale >= 1 && timeScale <= 60)) throw new Error('--time-scale must be 1..60');
  return {
    users,
    scenarios,
    topology: values.topology as 'cluster' | 'dev-server',
    timeScale,
    fuzzRequests: Number(values['fuzz-requests'] ?? Math.max(1000, users * 10)),
    postgresUrl: values['postgres-url'] || process.env.CHAOS_POSTGRES_URL,
    keepLogs: values['keep-logs'],
  };
}

function faultText(faults: Record<string, number>): string {
  return (
    Object.entries(faults)
      .map(([kind, n]) => `${kind}: ${n}`)
      .join('\n') || '-'
  );
}

export function scenarioTable(results: ScenarioResult[]): string {
  const table = new Table({
    style: { head: [], border: [] },
    head: [
      'scenario',
      'load',
      'faults injected',
      'completed',
      'cancelled',
      'rehired',
      'failed',
      'needs attention',
      'stuck',
      'lost',
      'residual access',
      'duration',
      'result',
    ],
  });
  for (const r of results) {
    table.push([
      r.name,
      r.load,
      faultText(r.faults),
      r.runs.completed,
      r.runs.cancelled,
      r.runs.rehired,
      r.runs.failed,
      r.runs.needsAttention,
      r.runs.stuck,
      r.runs.lost,
      r.residual.count,
      `${(r.durationMs / 1000).toFixed(1)}s`,
      r.passed ? 'PASS' : 'FAIL',
    ]);
  }
  return table.toString();
}

async function startDevTemporal(supervisor: Supervisor): Promise<string> {
  const cliPath = process.env.TEMPORAL_CLI_PATH ?? (await import('../../scripts/temporal-cli.mjs')).ensureTemporalCli();
  const path = await cliPath;
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  await supervisor.start({
    name: 'temporal-dev',
    command: path,
    args: startDevServerArgs({ cliPath: path, port, uiPort: false }),
  });
  const deadline = Date.now() + 120_000;
  while (!(await clusterHealthy(path, address))) {
    if (Date.now() > deadline) throw new Error('the Temporal dev server did not become healthy within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return address;
}

async function run(
  supervisor: Supervisor,
  workDir: string,
  opts: ReturnType<typeof options>,
  cleanups: Array<() => void>,
): Promise<boolean> {
  const logDir = join(workDir, 'logs');
  log(
    `Chaos: ${opts.scenarios.join(', ')} with ${opts.users} offboardings each, on the ${opts.topology === 'cluster' ? 'production topology (PostgreSQL, four Temporal services, two workers, intake)' : 'Temporal dev server'}; logs in ${logDir}\n`,
  );

  log(`\n== Temporal (${elapsed()})\n`);
  let address: string;
  let cluster: ClusterControl | undefined;
  if (opts.topology === 'cluster') {
    const { startCluster } = await import('./cluster.js');
    const started = await startCluster(supervisor, logDir, log, opts.postgresUrl);
    cleanups.push(started.cleanup);
    address = started.address;
    cluster = opts.postgresUrl ? undefined : started.control;
  } else {
    address = await startDevTemporal(supervisor);
  }
  log(`Temporal frontend at ${address}\n`);

  log(`\n== Okta emulator, workflow bundle, two workers, intake (${elapsed()})\n`);
  const { emulator, admin } = await startEmulator(opts.timeScale);
  cleanups.push(() => void emulator.close());
  const bundle = await prebundledWorkflows(workDir);
  const codecKeysFile = writeCodecKeys(workDir);
  const env = appEnv({
    address,
    namespace: 'default',
    taskQueue: 'offboarding',
    oktaUrl: emulator.url,
    timeScale: opts.timeScale,
    bundle,
    intakePort: await freePort(),
    codecKeysFile,
  });
  const workers = new WorkerPool(supervisor, env, join(workDir, 'archive'));
  await Promise.all([workers.start('worker-1'), workers.start('worker-2')]);
  const intake = await startIntake(supervisor, env);
  const client = await connect(address, 'default', codecKeysFile);
  cleanups.push(() => void client.connection.close());
  log(
    `Okta emulator ${emulator.url} (time scale ${opts.timeScale}), workers ready, intake ${intake.url} (${elapsed()})\n`,
  );

  const scenarioEnv: ScenarioEnv = {
    client,
    admin,
    taskQueue: 'offboarding',
    timeScale: opts.timeScale,
    intake: httpIntake(intake.url),
    workers,
    cluster,
    intakePid: intake.pid,
    log,
    settleTimeoutMs: 1_800_000 + opts.users * 5_000,
  };
  const results: ScenarioResult[] = [];
  for (const name of opts.scenarios) {
    log(`\n== Scenario ${name} (${elapsed()})\n`);
    let result: ScenarioResult;
    try {
      if (name === 'worker-crashes') result = await workerCrashes(scenarioEnv, opts.users);
      else if (name === 'cluster-faults') {
        if (!cluster) {
          log(
            opts.postgresUrl
              ? '  skipped: PostgreSQL given by --postgres-url cannot be stopped here\n'
              : '  skipped: the dev server has no cluster to break (use --topology cluster)\n',
          );
          continue;
        }
        result = await clusterFaults(scenarioEnv, opts.users);
      } else if (name === 'okta-trouble') result = await oktaTrouble(scenarioEnv, opts.users);
      else if (name === 'concurrent-steering') result = await concurrentSteering(scenarioEnv, opts.users);
      else
        result = await intakeFuzzing(scenarioEnv, {
          requests: opts.fuzzRequests,
          bodyLimit: INTAKE_BODY_LIMIT,
          memoryMb: () => rssMb(intake.pid()),
        });
    } catch (error) {
      log(`  scenario ${name} broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      result = {
        name,
        users: opts.users,
        load: `${opts.users} offboardings`,
        faults: {},
        durationMs: 0,
        passed: false,
        problems: [`the scenario itself failed: ${(error as Error).message}`],
        failures: [],
        notes: [],
        runs: { started: 0, completed: 0, cancelled: 0, rehired: 0, failed: 0, needsAttention: 0, stuck: 0, lost: 0 },
        residual: { count: 0, userIds: [] },
      };
    }
    results.push(result);
    log(`${scenarioTable([result])}\n`);
    for (const note of result.notes) log(`  ${note}\n`);
    printFailures(result, log);
    await admin.clearFaults();
  }

  log(`\n== Summary (${elapsed()})\n${scenarioTable(results)}\n`);
  mkdirSync(join(ROOT, 'chaos-results'), { recursive: true });
  const json = {
    topology: opts.topology,
    timeScale: opts.timeScale,
    scenarios: results.map((r) => ({
      name: r.name,
      users: r.users,
      faults: r.faults,
      runs: r.runs,
      residual: r.residual,
      durationMs: r.durationMs,
      passed: r.passed,
      problems: r.problems,
      notes: r.notes,
      failures: r.failures.slice(0, 50).map((f) => ({
        workflowId: f.workflowId,
        outcome: f.outcome,
        residual: f.residual,
        mismatches: f.mismatches,
        before: f.before,
        after: f.after,
        messages: f.report?.messages,
        steps: f.report?.steps,
      })),
    })),
  };
  writeFileSync(join(ROOT, 'chaos-results', 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  log('wrote chaos-results/latest.json\n');
  const passed = results.length > 0 && results.every((r) => r.passed);
  log(
    passed
      ? `PASSED: ${results.length} scenario(s), no run lost or stuck, nobody keeps access (${elapsed()}).\n`
      : `FAILED: see the tables and diffs above (${elapsed()}).\n`,
  );
  return passed;
}

async function main(): Promise<void> {
  const opts = options();
  await runSupervised(
    { what: 'the chaos run', workDirPrefix: 'offboarding-chaos-', keepLogs: opts.keepLogs, log, elapsed },
    ({ supervisor, workDir, cleanups }) => run(supervisor, workDir, opts, cleanups),
  );
}

if (require.main === module) void main();
