// `npm run demo`: the whole system on one machine. Starts the Temporal dev server (Web UI, SQLite
// in .demo/), the Okta emulator with a sample org (state file beside the SQLite file), the worker
// and the intake; offboards one sample user (or, with --layoff N, N at once) showing live
// progress, the report and the run's Temporal UI link; then keeps everything running until Ctrl-C.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { generateKeyLine } from '../codec';
import { startOffboarding } from '../runs/offboardings';
import { renderReport } from '../client/render';
import { connectClient, runUrl, temporalConfigFromEnv, type TemporalConfig } from '../runs/temporal';
import { EMULATOR_CLI, EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { demoOrg, generateSampleOrg } from '@okta-offboarding/okta-emulator';
import type { Org } from '@okta-offboarding/okta-emulator';
import { WORKFORCE_LIMITS } from '../worker/budget';
import { offboardWorkflowId, OKTA_BUCKETS, parseDuration, type OffboardingReport } from '../workflows/definitions';
import { giveManagers, startDemoNotifications, type DemoNotifications } from './demo-notify';
import { startCustomerOrg, type CustomerOrg } from './demo-two-orgs';
import { followLayoff, followRun, LiveRegion, renderLayoffSummary, type LayoffRun } from './demo-view';
import { startDevServer } from './dev-server';
import {
  assertPortsFree,
  ChildFailedError,
  logTail,
  PortTakenError,
  Supervisor,
  type PortNeed,
} from './supervisor/processes';

const ROOT = join(__dirname, '..');
const DEMO_DIR = join(ROOT, '.demo');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const INTAKE_ENTRY = join(ROOT, 'client', 'intake', 'main.ts');
const CODEC_SERVER_ENTRY = join(ROOT, 'codec-server', 'main.ts');
const OKTA_TOKEN = 'demo-okta-token';
// 32 bytes at least: the intake refuses shorter secrets.
const HMAC_SECRET = 'demo=demo-hmac-secret-for-the-local-demo-only';
const EVENT_HOOK_SECRET = 'demo-event-hook-secret-for-the-local-demo';
const PROTECTED_GROUP = 'Super Admins';
const PROTECTED_USER = 'break-glass@example.com';
const OFFBOARDING_GROUP = 'Offboarding';
/** The demo's payload key, kept as long as .demo/ keeps the runs it encrypted (`--reset` deletes both). */
const CODEC_KEYS_FILE = join(DEMO_DIR, 'codec-keys');
/** The worker's audit archive (the embedded PostgreSQL), kept with the runs; `offboard audit` reads a copy of it. */
const ARCHIVE_DIR = join(DEMO_DIR, 'archive');
const started = Date.now();

interface DemoOptions {
  user?: string;
  layoff?: number;
  ui: boolean;
  reset?: boolean;
  temporalPort: number;
  uiPort: number;
  oktaPort: number;
  intakePort: number;
  codecPort: number;
  deviceWipeDelay: string;
  timeScale: number;
  /** A second emulator: a customer-identity org linked to the workforce org (tools/demo-two-orgs.ts). */
  twoOrgs?: boolean;
  cicPort: number;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new InvalidArgumentError('not a port number');
  return number;
}

function positive(value: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new InvalidArgumentError('must be a positive number');
  return number;
}

function duration(value: string): string {
  if (parseDuration(value) === undefined) throw new InvalidArgumentError('must be a duration such as 20s, 10m or 72h');
  return value;
}

function parseOptions(): DemoOptions {
  return new Command('npm run demo --')
    .description('Run the offboarding system on this machine and offboard a sample user (Ctrl-C stops everything).')
    .option(
      '--user <login>',
      'the sample user to offboard (default: the next one without a run yet, ACTIVE ones first)',
    )
    .option('--layoff <n>', 'offboard N sample users at once, to watch the lockout and the Okta rate limits', (value) =>
      Math.round(positive(value)),
    )
    .option('--no-ui', 'run the Temporal dev server without its Web UI')
    .option('--reset', 'delete .demo/ (Temporal runs and the Okta org) first')
    .option('--temporal-port <port>', 'Temporal frontend gRPC port', port, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port', port, 8233)
    .option('--okta-port <port>', 'Okta emulator port', port, 8090)
    .option('--intake-port <port>', 'HTTP intake port', port, 8080)
    .option('--codec-port <port>', 'codec server port (the UI and the CLI decrypt payloads through it)', port, 8888)
    .option('--device-wipe-delay <duration>', 'wait before devices are decommissioned', duration, '20s')
    .option('--two-orgs', 'also a customer-identity org on a second emulator, offboarded in the same run (Org2Org)')
    .option('--cic-port <port>', 'port of the second Okta emulator (with --two-orgs)', port, 8091)
    .option(
      '--time-scale <x>',
      'Okta emulator time scale: one Okta minute lasts 60/x seconds (the worker budget follows)',
      positive,
      1,
    )
    .parse()
    .opts<DemoOptions>();
}

const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** The demo's children see only the settings the demo gives them, never a real Okta or Temporal Cloud from the user's shell. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(OKTA_|OFFBOARD_|TEMPORAL_(?!CLI_PATH))/.test(name) || /^(https?|all)_proxy$/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, NO_PROXY: '127.0.0.1,localhost', ...extra };
}

interface Stack {
  supervisor: Supervisor;
  config: TemporalConfig;
  client: Client;
  admin: EmulatorAdmin;
  env: Record<string, string>;
  oktaUrl: string;
  intakeUrl?: string;
  /** The codec server: the UI's codec endpoint, and the CLI's `--codec-endpoint`. */
  codecUrl?: string;
  /** With --two-orgs: the customer-identity org on the second emulator. */
  customers?: CustomerOrg;
  /** The local SMTP sink the worker's notifications go to (not in a layoff). */
  notifications?: DemoNotifications;
  /** The pinned `temporal` CLI, for the hints. */
  cliPath: string;
}

async function startStack(
  options: DemoOptions,
  dataDir: string,
  org: () => Org,
  supervisor: Supervisor,
): Promise<Stack> {
  const sqlite = join(dataDir, 'temporal.sqlite');
  const stateFile = join(dataDir, 'okta-state.json');
  if (!existsSync(sqlite) && existsSync(stateFile)) {
    say(`Note: ${relative(ROOT, sqlite)} is missing, so the Okta org is seeded again to stay in step with Temporal.`);
    rmSync(stateFile);
  }
  const withIntake = existsSync(INTAKE_ENTRY);
  const withCodecServer = existsSync(CODEC_SERVER_ENTRY);
  const codecUrl = `http://127.0.0.1:${options.codecPort}`;
  const ports: PortNeed[] = [
    {
      port: options.temporalPort,
      what: 'Temporal frontend (gRPC)',
      change: '`npm run demo -- --temporal-port <port>`',
    },
    ...(options.ui
      ? [{ port: options.uiPort, what: 'Temporal Web UI', change: '`npm run demo -- --ui-port <port>` (or --no-ui)' }]
      : []),
    { port: options.oktaPort, what: 'Okta emulator', change: '`npm run demo -- --okta-port <port>`' },
    ...(options.twoOrgs
      ? [{ port: options.cicPort, what: 'second Okta emulator', change: '`npm run demo -- --cic-port <port>`' }]
      : []),
    ...(withIntake
      ? [{ port: options.intakePort, what: 'HTTP intake', change: '`npm run demo -- --intake-port <port>`' }]
      : []),
    ...(withCodecServer
      ? [{ port: options.codecPort, what: 'codec server', change: '`npm run demo -- --codec-port <port>`' }]
      : []),
  ];
  const twice = ports.find((need, index) => ports.findIndex((other) => other.port === need.port) !== index);
  if (twice)
    throw new Error(
      `Port ${twice.port} is chosen for two services; give each of --temporal-port, --ui-port, --okta-port, --intake-port and --codec-port its own.`,
    );
  await assertPortsFree(ports);

  const cliPath =
    process.env.TEMPORAL_CLI_PATH || (await (await import('../scripts/temporal-cli.mjs')).ensureTemporalCli());
  const seedArgs: string[] = [];
  if (!existsSync(stateFile)) {
    const seedFile = join(dataDir, 'okta-seed.json');
    writeFileSync(seedFile, JSON.stringify(org(), null, 2));
    seedArgs.push('--seed', seedFile);
  }
  const oktaUrl = `http://127.0.0.1:${options.oktaPort}`;
  say(
    `Starting the Temporal dev server and the Okta emulator ${seedArgs.length ? '(new sample org)' : `(org from ${relative(ROOT, stateFile)})`}...`,
  );
  const [server] = await Promise.all([
    startDevServer(supervisor, {
      cliPath,
      port: options.temporalPort,
      uiPort: options.ui ? options.uiPort : false,
      dbFile: sqlite,
      // The UI's pages call the codec server to show the encrypted payloads decrypted.
      ...(withCodecServer ? { uiCodecEndpoint: codecUrl } : {}),
    }),
    supervisor.start({
      name: 'okta-emulator',
      command: TSX,
      args: [
        EMULATOR_CLI,
        '--port',
        String(options.oktaPort),
        '--host',
        '127.0.0.1',
        ...seedArgs,
        '--state-file',
        stateFile,
        '--rate-limits',
        'workforce',
        '--time-scale',
        String(options.timeScale),
        '--token',
        OKTA_TOKEN,
      ],
      cwd: ROOT,
      env: childEnv({}),
      ready: { line: /Okta emulator listening on/, timeoutMs: 60_000 },
    }),
  ]);
  const uiUrl = server.uiUrl ?? `http://127.0.0.1:${options.uiPort}`;
  const { timeScale } = options;
  const customers = options.twoOrgs
    ? await startCustomerOrg(
        supervisor,
        { port: options.cicPort, dataDir, root: ROOT, tsx: TSX, timeScale, workforce: org },
        childEnv({}),
      )
    : undefined;
  // History encrypted as in production (docs/security.md, "Encrypted history"): one key, made on the first run.
  if (!existsSync(CODEC_KEYS_FILE)) {
    writeFileSync(
      CODEC_KEYS_FILE,
      `# the demo's payload key (npm run codec-keys -- --new <id> >> this file rotates it)\n${generateKeyLine('demo-1')}\n`,
      { mode: 0o600 },
    );
  }
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_UI_URL: uiUrl,
    OFFBOARD_TASK_QUEUE: 'offboarding',
    OKTA_ORG_URL: oktaUrl,
    OKTA_API_TOKEN: OKTA_TOKEN,
    OFFBOARD_CODEC_KEYS_FILE: CODEC_KEYS_FILE,
    OFFBOARD_ARCHIVE_DIR: ARCHIVE_DIR,
  };
  // The worker's budget matches the emulator's Workforce limits, sped up by the time scale.
  const rateLimits = ([...OKTA_BUCKETS, 'cumulative'] as const)
    .map((limit) => `${limit}=${Math.round(WORKFORCE_LIMITS[limit] * options.timeScale)}`)
    .join(',');
  // Notifications to a local SMTP sink, printed here; not in a layoff, whose mails would bury its table.
  const notifications = options.layoff ? undefined : await startDemoNotifications(dataDir);
  if (notifications) await giveManagers(await new EmulatorAdmin(oktaUrl).state(), oktaUrl, OKTA_TOKEN, PROTECTED_GROUP);
  say(`Starting the worker${withIntake ? ' and the intake' : ''} (${elapsed()})...`);
  await Promise.all([
    supervisor.start({
      name: 'worker',
      command: TSX,
      args: ['worker/main.ts'],
      cwd: ROOT,
      env: childEnv({
        ...env,
        OFFBOARD_DEVICE_WIPE_DELAY: options.deviceWipeDelay,
        OFFBOARD_PROTECTED_GROUPS: PROTECTED_GROUP,
        OFFBOARD_PROTECTED_USERS: PROTECTED_USER,
        OFFBOARD_OKTA_GROUP: OFFBOARDING_GROUP,
        OFFBOARD_OKTA_RATE_LIMITS: rateLimits,
        OFFBOARD_POLL_INTERVAL: '30s',
        ...customers?.workerEnv,
        ...notifications?.env,
        // A layoff is planned: its blast-radius count is off (docs/operations.md), and the demo can run it again
        // within the hour; the everyday demo keeps the default threshold.
        ...(options.layoff ? { OFFBOARD_APPROVAL_THRESHOLD: '0' } : {}),
      }),
      ready: { line: /Offboarding worker started/, timeoutMs: 180_000 },
    }),
    ...(withIntake
      ? [
          supervisor.start({
            name: 'intake',
            command: TSX,
            args: ['client/intake/main.ts'],
            cwd: ROOT,
            env: childEnv({
              ...env,
              OFFBOARD_INTAKE_PORT: String(options.intakePort),
              OFFBOARD_INTAKE_HOST: '127.0.0.1',
              OFFBOARD_HMAC_SECRETS: HMAC_SECRET,
              // The emulator has one token; a real org gives the intake its own read-only service app.
              OKTA_INTAKE_API_TOKEN: OKTA_TOKEN,
              OKTA_EVENT_HOOK_SECRET: EVENT_HOOK_SECRET,
              OFFBOARD_OKTA_GROUP: OFFBOARDING_GROUP,
            }),
            ready: { port: { port: options.intakePort }, timeoutMs: 120_000 },
          }),
        ]
      : []),
    ...(withCodecServer
      ? [
          supervisor.start({
            name: 'codec-server',
            command: TSX,
            args: ['codec-server/main.ts'],
            cwd: ROOT,
            env: childEnv({
              OFFBOARD_CODEC_KEYS_FILE: CODEC_KEYS_FILE,
              OFFBOARD_CODEC_SERVER_PORT: String(options.codecPort),
              OFFBOARD_CODEC_SERVER_HOST: '127.0.0.1',
              // On loopback, like the UI: the UI has no login here, so its browser has no token to send (docs/deployment.md).
              OFFBOARD_CODEC_SERVER_INSECURE: '1',
              OFFBOARD_CODEC_CORS_ORIGINS: `${uiUrl},http://localhost:${options.uiPort}`,
            }),
            ready: { line: /Codec server listening/, timeoutMs: 60_000 },
          }),
        ]
      : []),
  ]);
  const config = temporalConfigFromEnv(env);
  const client = await connectClient(config);
  return {
    supervisor,
    config,
    client,
    env,
    oktaUrl,
    cliPath,
    customers,
    notifications,
    admin: new EmulatorAdmin(oktaUrl),
    ...(withIntake ? { intakeUrl: `http://127.0.0.1:${options.intakePort}` } : {}),
    ...(withCodecServer ? { codecUrl } : {}),
  };
}

async function hasRun(client: Client, userId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(offboardWorkflowId(userId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** Sample users outside the protected accounts, ACTIVE ones first (then LOCKED_OUT, SUSPENDED...; never DEPROVISIONED ones). */
function candidates(org: Org): Array<{ login: string; id: string }> {
  const protectedGroup = org.groups.find((group) => group.name === PROTECTED_GROUP)?.id;
  const eligible = org.users.filter(
    (user) =>
      user.status !== 'DEPROVISIONED' &&
      user.login !== PROTECTED_USER &&
      !(protectedGroup && user.groups?.includes(protectedGroup)),
  );
  return [
    ...eligible.filter((user) => user.status === 'ACTIVE'),
    ...eligible.filter((user) => user.status !== 'ACTIVE'),
  ].map((user) => ({
    login: user.login,
    id: user.id as string,
  }));
}

/** `count` sample users with no offboarding run yet, so a second demo picks other people and earlier runs stay in the UI. */
async function pickUsers(stack: Stack, count: number): Promise<Array<{ login: string; id: string }>> {
  const picked: Array<{ login: string; id: string }> = [];
  for (const user of candidates(await stack.admin.state())) {
    if (picked.length === count) break;
    if (!(await hasRun(stack.client, user.id))) picked.push(user);
  }
  if (picked.length < count) {
    throw new Error(
      `Only ${picked.length} sample user(s) have no offboarding run yet (${count} needed). ` +
        'Pick one with --user <login>, or start over with --reset (deletes the earlier runs).',
    );
  }
  return picked;
}

async function findUser(stack: Stack, login: string): Promise<{ login: string; id: string }> {
  const org = await stack.admin.state();
  const user = org.users.find((candidate) => candidate.login === login || candidate.id === login);
  if (!user?.id)
    throw new Error(
      `No sample user ${login}. Sample users: ${org.users.map((candidate) => candidate.login).join(', ')}`,
    );
  return { login: user.login, id: user.id };
}

function tryThis(stack: Stack, options: DemoOptions, login: string | undefined, workflowIds: string[]): void {
  const address = stack.env.TEMPORAL_ADDRESS;
  const uiVariable = options.ui && options.uiPort !== 8233 ? ` TEMPORAL_UI_URL=${stack.config.uiUrl}` : '';
  const exports = `export TEMPORAL_ADDRESS=${address} OKTA_ORG_URL=${stack.oktaUrl} OKTA_API_TOKEN=${OKTA_TOKEN} OFFBOARD_CODEC_KEYS_FILE=${CODEC_KEYS_FILE} OFFBOARD_ARCHIVE_DIR=${ARCHIVE_DIR}${uiVariable}`;
  const ui = options.ui ? stack.config.uiUrl : undefined;
  const query = 'OffboardingPhase = "awaiting-device-wipe"';
  const temporal = stack.cliPath.replace(homedir(), '~');
  const lines = [
    '',
    'The demo keeps running: Temporal, the Okta emulator, the worker' +
      (stack.intakeUrl ? ' and the intake' : '') +
      '. Try, in another terminal:',
    `  ${exports}`,
    ...(login
      ? [
          `  npm run offboard -- status ${login}`,
          `  npm run offboard -- rehire ${login}     # restore the account, groups and apps from the snapshot`,
        ]
      : []),
    '  npm run offboard -- start <login> --device-wipe-delay 10m   # another sample user; while it waits:',
    '  npm run offboard -- wipe-now <login>     or     npm run offboard -- cancel <login>',
    '  npm run offboard -- list',
    '  npm run offboard -- audit export --since 1d     # the audit archive: every leaver and their times (audit show <login>)',
    `  ${temporal} workflow list --address ${address}`,
  ];
  if (ui) {
    lines.push(
      '',
      `Temporal UI: ${ui}/namespaces/default/workflows`,
      `  find runs by search attribute, e.g. ${query}:`,
      `  ${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
    );
  }
  if (stack.intakeUrl)
    lines.push(
      '',
      `Intake: ${stack.intakeUrl} (HMAC secret ${HMAC_SECRET}, Okta event hook secret ${EVENT_HOOK_SECRET}); see docs/cli-and-intake.md`,
    );
  if (stack.codecUrl)
    lines.push(
      `Codec server: ${stack.codecUrl} (history is encrypted; the UI decrypts through it, the CLI with --codec-endpoint ${stack.codecUrl})`,
    );
  lines.push(
    `Okta emulator: ${stack.oktaUrl} (token ${OKTA_TOKEN}; org state: ${stack.oktaUrl}/__emulator/state)`,
    `Logs: ${relative(ROOT, join(DEMO_DIR, 'logs'))}/`,
  );
  if (workflowIds.length === 1)
    lines.push(
      `Run history: ${temporal} workflow show --workflow-id ${workflowIds[0]} --address ${address}${stack.codecUrl ? ` --codec-endpoint ${stack.codecUrl}` : ''}`,
    );
  lines.push('', 'Press Ctrl-C to stop everything.');
  say(lines.join('\n'));
}

async function offboardOne(
  stack: Stack,
  options: DemoOptions,
  region: LiveRegion,
): Promise<{ login: string; workflowId: string }> {
  const user = options.user ? await findUser(stack, options.user) : (await pickUsers(stack, 1))[0]!;
  const run = await startOffboarding(stack.client, stack.config.taskQueue, {
    userId: user.id,
    reason: 'Demo offboarding',
    source: 'cli',
    requestedBy: 'npm run demo',
    correlationId: `demo-${new Date().toISOString()}`,
    deviceWipeDelay: options.deviceWipeDelay,
  });
  say(
    `\nOffboarding ${user.login} (Okta id ${user.id}): ${run.created ? 'started' : 'the run that already exists'} ${run.workflowId}`,
  );
  if (options.ui) say(`  live in the Temporal UI: ${runUrl(stack.config, run.workflowId, run.runId)}`);
  say(`  ${'at'.padStart(7)}  ${'phase'.padEnd(21)} ${'step'.padEnd(24)} ${'outcome'.padEnd(10)} items`);
  const handle = stack.client.workflow.getHandle(run.workflowId, run.runId);
  const report: OffboardingReport = await followRun(handle, Date.now(), {
    region,
    onDeviceWait: (status) =>
      region.print(
        `  ... device-wipe timer until ${status.nextTimer?.firesAt ?? '?'} (${options.deviceWipeDelay}; \`npm run offboard -- wipe-now ${user.login}\` ends it now)`,
      ),
  });
  say(`\n${renderReport(report)}`);
  if (stack.customers) say(await stack.customers.describe(user.id));
  say(`\nReport reached ${elapsed()} after the demo started (installing and building excluded).`);
  say(
    options.ui
      ? `Temporal UI of this run: ${runUrl(stack.config, run.workflowId, run.runId)}`
      : `Temporal UI disabled (--no-ui); run id ${run.runId}`,
  );
  return { login: user.login, workflowId: run.workflowId };
}

async function offboardLayoff(
  stack: Stack,
  count: number,
  options: DemoOptions,
  region: LiveRegion,
): Promise<string[]> {
  const users = await pickUsers(stack, count);
  const layoffStart = Date.now();
  const correlation = `demo-layoff-${new Date(layoffStart).toISOString()}`;
  say(
    `\nLayoff: offboarding ${count} people at once against Okta's Workforce rate limits (time scale ${options.timeScale}).`,
  );
  say(
    "Lock-phase calls carry the highest task priority, so everyone is locked out before anyone's later steps use the shared buckets.\n",
  );
  const runs: LayoffRun[] = await Promise.all(
    users.map(async (user, index) => {
      const run = await startOffboarding(stack.client, stack.config.taskQueue, {
        userId: user.id,
        reason: 'Demo layoff',
        source: 'cli',
        requestedBy: 'npm run demo --layoff',
        correlationId: `${correlation}-${index + 1}`,
        deviceWipeDelay: options.deviceWipeDelay,
      });
      return { login: user.login, userId: user.id, handle: stack.client.workflow.getHandle(run.workflowId, run.runId) };
    }),
  );
  await followLayoff(runs, layoffStart, stack.admin, region);
  say(`\n${renderLayoffSummary(runs, layoffStart)}`);
  say(`\nAll ${count} runs closed ${elapsed()} after the demo started.`);
  if (options.ui) {
    const query = `OffboardingEventId STARTS_WITH "${correlation}"`;
    say(
      `Temporal UI of the layoff: ${stack.config.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
    );
  }
  return runs.map((run) => offboardWorkflowId(run.userId));
}

async function run(): Promise<void> {
  const options = parseOptions();
  if (options.reset) {
    rmSync(DEMO_DIR, { recursive: true, force: true });
    say('Deleted .demo/ (earlier runs and the Okta org).');
  }
  const layoff = options.layoff;
  // A layoff needs a bigger org than the everyday demo: it keeps its own Temporal and Okta data.
  const dataDir = layoff ? join(DEMO_DIR, 'layoff') : DEMO_DIR;
  const logDir = join(DEMO_DIR, 'logs');
  mkdirSync(dataDir, { recursive: true });
  const region = new LiveRegion();
  let fatal = false;
  const supervisor = new Supervisor({
    logDir,
    log: say,
    onUnexpectedExit: (child, code, signal) => {
      if (fatal) return;
      fatal = true;
      region.end();
      say(
        `\n${child.name} stopped unexpectedly (${signal ?? `exit code ${code}`}). The end of ${relative(ROOT, child.logFile)}:\n${logTail(child.logFile)}`,
      );
      void supervisor.stopAll().finally(() => process.exit(1));
    },
  });
  supervisor.stopOnSignals(() => {
    region.end();
    say('\nStopping the demo...');
  });
  process.on('exit', (code) => {
    if (supervisor.isStopping && code !== 1)
      say('Stopped. Runs and the Okta org are kept in .demo/ for the next `npm run demo`.');
  });

  try {
    const org = layoff ? () => generateSampleOrg({ users: Math.max(2 * layoff, layoff + 20), seed: 7 }) : demoOrg;
    const stack = await startStack(options, dataDir, org, supervisor);
    if (stack.notifications) {
      stack.notifications.print = (line) => region.print(line);
      say(
        `Notifications: mailed to an SMTP sink on 127.0.0.1:${stack.notifications.port} and printed below (docs/notifications.md).`,
      );
    }
    say(
      `Ready in ${elapsed()}: Temporal ${stack.env.TEMPORAL_ADDRESS}${options.ui ? ` (UI ${stack.config.uiUrl})` : ''}, Okta emulator ${stack.oktaUrl}${stack.intakeUrl ? `, intake ${stack.intakeUrl}` : ''}.`,
    );
    if (layoff) {
      const workflowIds = await offboardLayoff(stack, layoff, options, region);
      tryThis(stack, options, undefined, workflowIds);
    } else {
      const { login, workflowId } = await offboardOne(stack, options, region);
      tryThis(stack, options, login, [workflowId]);
    }
  } catch (error) {
    if (supervisor.isStopping) return;
    region.end();
    if (error instanceof PortTakenError)
      say(`\n${error.message}\n(Another \`npm run demo\` still running? Ctrl-C in its terminal stops it.)`);
    else if (error instanceof ChildFailedError) say(`\n${error.message}\n${error.logTail}`);
    else say(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    fatal = true;
    await supervisor.stopAll();
    process.exit(1);
  }
  // Everything keeps running until Ctrl-C (the supervisor's signal handlers stop it).
  setInterval(() => undefined, 1 << 30);
}

void run();
