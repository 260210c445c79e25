// `npm run rehearsal -- [--users N] [--postgres-url URL]`: the production topology of
// docker-compose.yml run natively on one machine, with the same Temporal configuration template
// (deploy/temporal/), schema script and setup code: PostgreSQL, the four Temporal services as
// separate processes, two workers and the intake from the built JavaScript with production
// dependencies only, the Okta emulator as the org. N offboardings go through the signed intake
// while the workers are restarted one by one and the history service is killed (-9) and restarted;
// every run must complete and leave its user without access in the emulator's state.
// Temporal runs with mutual TLS from a private CA the rehearsal makes (deploy/temporal/make-certs.sh):
// clients without a certificate of that CA are refused, the worker, the intake and the CLI connect
// with theirs; the intake reads Okta with its own read-only service app, which cannot change anything.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection, WorkflowNotFoundError, type ConnectionOptions } from '@temporalio/client';
import Table from 'cli-table3';
import { signV2 } from '../client/intake/signature';
import { EMULATOR_CLI, EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { generateSampleOrg } from '@okta-offboarding/okta-emulator';
import type { Org } from '@okta-offboarding/okta-emulator';
import { createOktaClient } from '../okta/client';
import { generateKeyLine } from '../codec';
import { connectClient, temporalConfigFromEnv } from '../runs/temporal';
import { offboardWorkflowId, statusQuery, type OffboardingReport } from '../workflows/definitions';
import { fromUrl, startThrowawayPostgres, type Postgres } from './postgres';
import { checkArchive, createArchiveDatabase } from './rehearsal-archive';
import { freePort, runSupervised, type Supervisor } from './supervisor/processes';
import type { Residual, RunCounts } from './results';

const root = join(__dirname, '..');
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];
const WORKERS = ['worker-1', 'worker-2'];
const NAMESPACE = 'default';
const TASK_QUEUE = 'offboarding';
const OKTA_TOKEN = 'rehearsal-token';
const CODEC_KEY_ID = 'rehearsal-1';

/** How a run's start input is stored, read by a client without the codec (the metadata Temporal keeps). */
async function storedInputEncoding(
  config: ReturnType<typeof temporalConfigFromEnv>,
  workflowId: string,
): Promise<{ workflowId: string; encoding: string; keyId?: string }> {
  const plain = await connectClient({ ...config, dataConverter: undefined });
  try {
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    const metadata = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.metadata ?? {};
    const text = (value: Uint8Array | null | undefined) => (value ? Buffer.from(value).toString('utf8') : undefined);
    return {
      workflowId,
      encoding: text(metadata.encoding) ?? 'none',
      keyId: text(metadata['encryption-key-id']),
    };
  } finally {
    await plain.connection.close();
  }
}
/** The intake's own Okta service app: it only looks users up (Okta scope okta.users.read). */
const INTAKE_OKTA_APP = { clientId: '0oarehearsalintake01', keyId: 'intake-1', scopes: ['okta.users.read'] };
/** The name in the frontend's certificate (make-certs.sh), which clients check instead of 127.0.0.1. */
const FRONTEND_NAME = 'temporal-frontend';

interface ChaosEvent {
  event: string;
  atMs: number;
  tookMs: number;
  openRuns: number;
}

const started = Date.now();
const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
const log = (line: string): void => void process.stdout.write(line);
const step = (title: string): void => log(`\n== ${title} (${elapsed()})\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function options() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '50' },
      'postgres-url': { type: 'string' },
      'okta-latency-ms': { type: 'string', default: '150' },
      'timeout-minutes': { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
    },
  });
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 1 || users > 1000)
    throw new Error(`--users must be 1..1000, got ${values.users}`);
  const latency = Number(values['okta-latency-ms']);
  return {
    users,
    postgresUrl: values['postgres-url'] || process.env.REHEARSAL_POSTGRES_URL,
    oktaLatencyMs: Number.isFinite(latency) && latency >= 0 ? latency : 150,
    timeoutMs: Number(values['timeout-minutes'] ?? 10 + users / 10) * 60_000,
    keepLogs: values['keep-logs'],
  };
}

/** What the image's environment sets for the worker beyond its configuration (Dockerfile): fewer glibc arenas. */
export const IMAGE_WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** Runs a command to completion, its output into the log folder; throws with the tail on failure. */
export function runToEnd(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; logDir: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(join(opts.logDir, `${name}.log`), output);
      if (code === 0) resolve();
      else reject(new Error(`${name} failed (exit ${code}):\n${output.slice(-3000)}`));
    });
  });
}

/** Runs a command to completion and answers its exit code and output, whatever the code. */
function runCaptured(
  command: string,
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitForPort(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${timeoutMs / 1000}s`);
    await sleep(200);
  }
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000}s`);
    await sleep(250);
  }
}

export interface Cluster {
  ports: Record<TemporalService, { grpc: number; membership: number }> & { frontendHttp: number };
  env: NodeJS.ProcessEnv;
  address: string;
  /** The folder make-certs.sh filled, when the cluster runs with mutual TLS. */
  tlsDir?: string;
}

/**
 * The environment docker-compose.yml gives the server containers, with local hosts and ports;
 * with `tlsDir` (filled by deploy/temporal/make-certs.sh) every listener requires a client certificate.
 */
export async function clusterSettings(postgres: Postgres, tlsDir?: string): Promise<Cluster> {
  const ports = {} as Cluster['ports'];
  for (const service of TEMPORAL_SERVICES) ports[service] = { grpc: await freePort(), membership: await freePort() };
  ports.frontendHttp = await freePort();
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  const env: NodeJS.ProcessEnv = {
    POSTGRES_HOST: postgres.host,
    POSTGRES_PORT: String(postgres.port),
    POSTGRES_USER: postgres.user,
    POSTGRES_PASSWORD: postgres.password,
    TEMPORAL_BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_FRONTEND_ADDRESS: address,
    TEMPORAL_DYNAMIC_CONFIG_FILE: join(root, 'deploy', 'temporal', 'dynamicconfig', 'production.yaml'),
    TEMPORAL_LOG_LEVEL: 'info',
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    ...(tlsDir ? { TEMPORAL_SERVER_TLS_DIR: join(tlsDir, 'server'), TEMPORAL_TLS_FRONTEND_NAME: FRONTEND_NAME } : {}),
  };
  for (const service of TEMPORAL_SERVICES) {
    env[`${service.toUpperCase()}_GRPC_PORT`] = String(ports[service].grpc);
    env[`${service.toUpperCase()}_MEMBERSHIP_PORT`] = String(ports[service].membership);
  }
  return { ports, env, address, tlsDir };
}

/**
 * A client's TLS settings as @temporalio/envconfig reads them (runs/temporal.ts), the variables the
 * compose file gives the worker, the intake and the setup: its own certificate and the cluster's CA.
 */
export function clientTlsEnv(tlsDir: string, identity: string): NodeJS.ProcessEnv {
  return {
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(tlsDir, identity, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: join(tlsDir, identity, 'client.key'),
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(tlsDir, identity, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: FRONTEND_NAME,
  };
}

/** The subject of a PEM certificate, as openssl prints it. */
async function subjectOf(certificate: string): Promise<string> {
  const { code, stdout, stderr } = await runCaptured('openssl', ['x509', '-noout', '-subject', '-in', certificate], {
    env: process.env,
  });
  if (code !== 0) throw new Error(`openssl x509 -subject ${certificate}: ${stderr}`);
  return stdout.trim().replace(/^subject=\s*/, '');
}

interface Refusal {
  client: string;
  refused: boolean;
  error: string;
}

/** An error message on one line, without grpc-js's timestamp and empty resolution note. */
const oneLine = (message: string): string =>
  message
    .replace(/\s+/g, ' ')
    .replace(/ \([0-9TZ:.-]+\)\. Resolution note:.*$/, '')
    .trim();

/**
 * One call of a Temporal client (the SDK's Connection, no retries, one 5 s deadline): `refused`
 * with the error it got, which names what the TLS handshake said.
 */
async function attempt(client: string, options: ConnectionOptions): Promise<Refusal> {
  const connection = Connection.lazy({ ...options, interceptors: [] });
  try {
    await connection.withDeadline(Date.now() + 5000, () => connection.workflowService.getSystemInfo({}));
    return { client, refused: false, error: '' };
  } catch (error) {
    return { client, refused: true, error: oneLine((error as Error).message) };
  } finally {
    await connection.close();
  }
}

/**
 * One request to the frontend's HTTP API (the same listener settings as gRPC): any HTTP answer
 * means the TLS handshake let the client in.
 */
function httpsAttempt(
  client: string,
  port: number,
  tls: { ca: Buffer; cert?: Buffer; key?: Buffer },
): Promise<Refusal> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/system-info', servername: FRONTEND_NAME, timeout: 5000, ...tls },
      (response) => {
        response.resume();
        resolve({ client, refused: false, error: `HTTP ${response.statusCode}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (error) => resolve({ client, refused: true, error: oneLine(error.message) }));
    req.end();
  });
}

/**
 * Clients without a certificate of the cluster's CA, against the frontend: plaintext, TLS with no
 * client certificate, a certificate of another CA, and the HTTP API without a certificate. Each
 * must be refused, while the same calls with the operator's certificate (the controls) get in.
 */
async function mutualTlsChecks(
  cluster: Cluster,
  workDir: string,
  logDir: string,
): Promise<{ refusals: Refusal[]; controls: Refusal[] }> {
  const tlsDir = cluster.tlsDir as string;
  const operator = join(tlsDir, 'operator');
  const otherDir = join(workDir, 'tls-other-ca');
  await runToEnd('make-certs-other-ca', 'sh', [join(root, 'deploy', 'temporal', 'make-certs.sh'), otherDir], {
    env: { ...process.env, TLS_CLIENTS: 'stranger' },
    logDir,
  });
  const pair = (dir: string) => ({
    crt: readFileSync(join(dir, 'client.pem')),
    key: readFileSync(join(dir, 'client.key')),
  });
  const ca = readFileSync(join(operator, 'ca.pem'));
  const server = { serverRootCACertificate: ca, serverNameOverride: FRONTEND_NAME };
  const httpPort = cluster.ports.frontendHttp;
  const [grpcControl, httpControl, ...refusals] = await Promise.all([
    attempt('Temporal SDK Connection, GetSystemInfo', {
      address: cluster.address,
      tls: { ...server, clientCertPair: pair(operator) },
    }),
    httpsAttempt('HTTP API, GET /api/v1/system-info', httpPort, {
      ca,
      cert: pair(operator).crt,
      key: pair(operator).key,
    }),
    attempt('plaintext, no TLS', { address: cluster.address }),
    attempt('TLS without a client certificate', { address: cluster.address, tls: server }),
    attempt('client certificate of another CA', {
      address: cluster.address,
      tls: { ...server, clientCertPair: pair(join(otherDir, 'stranger')) },
    }),
    httpsAttempt('HTTP API without a client certificate', httpPort, { ca }),
  ]);
  return { refusals, controls: [grpcControl as Refusal, httpControl as Refusal] };
}

export async function startTemporalService(
  supervisor: Supervisor,
  serverPath: string,
  cluster: Cluster,
  service: TemporalService,
): Promise<void> {
  await supervisor.start({
    name: `temporal-${service}`,
    command: serverPath,
    args: [
      '--root',
      join(root, 'deploy', 'temporal'),
      '--config',
      'config',
      '--env',
      'production',
      '--allow-no-auth',
      'start',
      '--service',
      service,
    ],
    env: { PATH: process.env.PATH, ...cluster.env },
    // The worker service serves no gRPC; it says when it has joined the cluster.
    ...(service === 'worker' ? { ready: { line: /worker service started/, timeoutMs: 90_000 } } : {}),
  });
  if (service !== 'worker') await waitForPort(cluster.ports[service].grpc, 90_000, `temporal ${service}`);
}

/** `npm ci --omit=dev` into the staging folder next to its dist/: what the image's runtime stage holds. */
async function stageProductionApp(appDir: string, logDir: string): Promise<void> {
  mkdirSync(appDir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(appDir, file));
  await runToEnd(
    'npm-ci-omit-dev',
    'npm',
    ['ci', '--omit=dev', '--workspaces=false', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: appDir, logDir },
  );
}

function sign(secret: string, method: string, path: string, body: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v2=${signV2(secret, t, { method, pathWithQuery: path, contentType: 'application/json', rawBody: body })}`;
}

/** One HR event through the signed intake, retried on 503 (Temporal briefly unavailable) like an HR system would. */
async function postHrEvent(intakeUrl: string, secret: string, userId: string, index: number): Promise<boolean> {
  const body = JSON.stringify({
    user: userId,
    eventId: `rehearsal-${index}-${userId}`,
    reason: 'Rehearsal of the production topology',
    source: 'rehearsal-hr',
  });
  for (let attempt = 1; attempt <= 30; attempt++) {
    try {
      const response = await fetch(`${intakeUrl}/v1/offboardings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'offboard-signature': sign(secret, 'POST', '/v1/offboardings', body),
        },
        body,
      });
      if (response.status === 200 || response.status === 201 || response.status === 202) return true;
      const text = await response.text();
      if (response.status < 500) throw new Error(`intake answered ${response.status} for ${userId}: ${text}`);
    } catch (error) {
      if ((error as Error).message.startsWith('intake answered')) throw error;
    }
    await sleep(1000);
  }
  return false;
}

async function openRuns(client: Client): Promise<number> {
  try {
    return (await client.workflow.count('WorkflowType = "offboardUser" AND ExecutionStatus = "Running"')).count;
  } catch {
    return -1;
  }
}

type Outcome = Exclude<keyof RunCounts, 'started'>;

async function outcomeOf(client: Client, userId: string): Promise<Outcome> {
  const handle = client.workflow.getHandle(offboardWorkflowId(userId));
  let status: string;
  try {
    status = (await handle.describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'lost';
    throw error;
  }
  if (status === 'COMPLETED') {
    const { outcome } = (await handle.result()) as OffboardingReport;
    return outcome === 'completed' || outcome === 'cancelled' || outcome === 'rehired' ? outcome : 'failed';
  }
  if (status === 'RUNNING') {
    const phase = await handle.query(statusQuery).then(
      (s) => s.phase,
      () => undefined,
    );
    return phase === 'needs-attention' ? 'needsAttention' : 'stuck';
  }
  return status === 'CANCELLED' ? 'cancelled' : 'failed';
}

/** Every leaver's run, eight at a time; a leaver without a run is lost. */
async function classify(client: Client, userIds: string[], accepted: Set<string>): Promise<RunCounts> {
  const runs: RunCounts = {
    started: accepted.size,
    completed: 0,
    cancelled: 0,
    rehired: 0,
    failed: 0,
    needsAttention: 0,
    stuck: 0,
    lost: 0,
  };
  const queue = [...userIds];
  const check = async (): Promise<void> => {
    for (let userId = queue.shift(); userId !== undefined; userId = queue.shift())
      runs[await outcomeOf(client, userId)] += 1;
  };
  await Promise.all(Array.from({ length: 8 }, check));
  return runs;
}

/** Persons who keep any access: not DEPROVISIONED, or in an OKTA_GROUP, or with a USER app or a factor. */
function residualAccess(state: Org, userIds: string[]): Residual & { details: string[] } {
  const groupType = new Map(state.groups.map((group) => [group.id, group.type]));
  const details: string[] = [];
  const left = userIds.filter((userId) => {
    const user = state.users.find((candidate) => candidate.id === userId);
    if (!user) return false;
    const problems = [
      user.status !== 'DEPROVISIONED' ? `status ${user.status}` : '',
      (user.groups ?? []).some((group) => groupType.get(group) === 'OKTA_GROUP') ? 'OKTA_GROUP membership' : '',
      (user.apps ?? []).some((app) => app.scope === 'USER') ? 'USER app' : '',
      (user.factors ?? []).length > 0 ? `${user.factors?.length} factors` : '',
    ].filter(Boolean);
    if (problems.length > 0) details.push(`${userId}: ${problems.join(', ')}`);
    return problems.length > 0;
  });
  return { count: left.length, userIds: left, details };
}

/** `offboard [--json] status <user>` from the staged build (what the image ships). */
function offboardStatus(appDir: string, env: NodeJS.ProcessEnv, userId: string, json: boolean) {
  const args = [join(appDir, 'dist', 'client', 'cli', 'main.js'), ...(json ? ['--json'] : []), 'status', userId];
  return runCaptured(process.execPath, args, { cwd: appDir, env });
}

/** The CLI without a client certificate (the CA and server name kept): it must fail. */
async function cliWithoutCertificate(appDir: string, env: NodeJS.ProcessEnv, userId: string): Promise<Refusal> {
  const withoutCertificate = { ...env };
  delete withoutCertificate.TEMPORAL_TLS_CLIENT_CERT_PATH;
  delete withoutCertificate.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const { code, stdout, stderr } = await offboardStatus(appDir, withoutCertificate, userId, false);
  return {
    client: 'offboard CLI (status) without a client certificate',
    refused: code !== 0,
    error: `exit ${code}: ${stderr.trim() || stdout.trim()}`,
  };
}

/** The CLI with the operator's certificate: the run's status and report. */
async function cliWithCertificate(
  appDir: string,
  env: NodeJS.ProcessEnv,
  userId: string,
): Promise<{ client: string; evidence: string } | { failure: string }> {
  const { code, stdout, stderr } = await offboardStatus(appDir, env, userId, true);
  if (code !== 0) return { failure: `exit ${code}: ${stderr.trim()}` };
  const view = JSON.parse(stdout) as { workflowId: string; runStatus: string; report?: { outcome: string } };
  return {
    client: `offboard --json status ${userId} (dist/client/cli/main.js)`,
    evidence: `${view.workflowId}: ${view.runStatus}${view.report ? `, report outcome ${view.report.outcome}` : ''}`,
  };
}

/**
 * With the intake's own service app, through the real SDK as the intake builds it: a read works,
 * suspending a user is refused (Okta's 403 E0000006 for a token without okta.users.manage), and the
 * emulator's state shows the user unchanged.
 */
async function intakeCredentialCheck(oktaUrl: string, keyFile: string, userId: string, admin: EmulatorAdmin) {
  const okta = createOktaClient({
    orgUrl: oktaUrl,
    auth: {
      kind: 'service-app',
      clientId: INTAKE_OKTA_APP.clientId,
      privateKey: readFileSync(keyFile, 'utf8'),
      keyId: INTAKE_OKTA_APP.keyId,
      scopes: INTAKE_OKTA_APP.scopes,
    },
  });
  const read = await okta.userApi.getUser({ userId }).then(
    (user) => `allowed (status ${user.status})`,
    (error: Error) => `refused: ${error.message}`,
  );
  const write = await okta.userApi.suspendUser({ userId }).then(
    () => ({
      call: `POST /api/v1/users/${userId}/lifecycle/suspend`,
      refused: false,
      status: 200,
      errorCode: '',
      error: '',
    }),
    (error: { status?: number; errorCode?: string; message: string }) => ({
      call: `POST /api/v1/users/${userId}/lifecycle/suspend`,
      refused: true,
      status: error.status ?? 0,
      errorCode: error.errorCode ?? '',
      error: error.message,
    }),
  );
  const statusAfter = (await admin.state()).users.find((user) => user.id === userId)?.status ?? 'missing';
  return { read, write, statusAfter };
}

async function rehearse(
  supervisor: Supervisor,
  workDir: string,
  cleanups: Array<() => void>,
  opts: ReturnType<typeof options>,
): Promise<boolean> {
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  log(`Rehearsal of the production topology with ${opts.users} offboardings; logs in ${logDir}\n`);

  step('Temporal server and temporal-sql-tool 1.29.1 (built with Go and cached, like the CLI)');
  const { ensureTemporalServer } = await import('./temporal-server.mjs');
  const binaries = await ensureTemporalServer(log);
  log(`server: ${binaries.server}\nsql tool: ${binaries.sqlTool}\n`);

  step('Production build (scripts/build.ts) and staging with production dependencies only, in the background');
  const appDir = join(workDir, 'app');
  const staging = (async () => {
    // Built straight into the staging folder: the working tree's dist/ is left alone.
    await runToEnd(
      'build',
      process.execPath,
      ['--import', 'tsx', join(root, 'scripts', 'build.ts'), join(appDir, 'dist')],
      { cwd: root, logDir },
    );
    await stageProductionApp(appDir, logDir);
    log(`staged ${appDir}: dist/ and production dependencies (${elapsed()})\n`);
  })();
  // Surfaces a failure at the await below, not as an unhandled rejection meanwhile.
  staging.catch(() => {});

  step('PostgreSQL');
  const postgres = opts.postgresUrl ? fromUrl(opts.postgresUrl) : await startThrowawayPostgres(supervisor, log);
  cleanups.push(() => postgres.cleanup());

  step('Schema (deploy/temporal/setup-schema.sh with temporal-sql-tool, as the compose temporal-schema service)');
  const sqlEnv = {
    ...process.env,
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    SQL_PASSWORD: postgres.password,
    TEMPORAL_SQL_TOOL: binaries.sqlTool,
  };
  await runToEnd('setup-schema', 'sh', [join(root, 'deploy', 'temporal', 'setup-schema.sh')], { env: sqlEnv, logDir });
  log('temporal and temporal_visibility databases are at the 1.29.1 schema\n');
  // The audit archive: its own database, its URL in a file as compose hands it over; the setup step migrates it.
  const archive = await createArchiveDatabase(postgres, workDir);
  log(`audit archive: database ${archive.database}\n`);

  step(
    'Private CA and certificates for mutual TLS (deploy/temporal/make-certs.sh, as the compose temporal-certs service)',
  );
  const tlsDir = join(workDir, 'tls');
  await runToEnd('make-certs', 'sh', [join(root, 'deploy', 'temporal', 'make-certs.sh'), tlsDir], { logDir });
  const identities = {
    worker: await subjectOf(join(tlsDir, 'worker', 'client.pem')),
    intake: await subjectOf(join(tlsDir, 'intake', 'client.pem')),
    operator: await subjectOf(join(tlsDir, 'operator', 'client.pem')),
  };
  log(`CA ${await subjectOf(join(tlsDir, 'ca', 'ca.pem'))}; clients ${Object.values(identities).join('; ')}\n`);

  step(
    'Temporal services with mutual TLS: history, matching, frontend, worker (separate processes, deploy/temporal/config/production.yaml)',
  );
  const cluster = await clusterSettings(postgres, tlsDir);
  for (const service of TEMPORAL_SERVICES) {
    await startTemporalService(supervisor, binaries.server, cluster, service);
    log(
      `temporal ${service} ${service === 'worker' ? 'joined the cluster' : `listening on 127.0.0.1:${cluster.ports[service].grpc}`}\n`,
    );
  }
  const connected: Array<{ client: string; certificate: string; evidence: string }> = [];
  const cli = process.env.TEMPORAL_CLI_PATH;
  if (cli) {
    const operator = join(tlsDir, 'operator');
    await runToEnd(
      'cluster-health',
      cli,
      [
        'operator',
        'cluster',
        'health',
        '--address',
        cluster.address,
        '--command-timeout',
        '30s',
        '--tls-cert-path',
        join(operator, 'client.pem'),
        '--tls-key-path',
        join(operator, 'client.key'),
        '--tls-ca-path',
        join(operator, 'ca.pem'),
        '--tls-server-name',
        FRONTEND_NAME,
      ],
      { logDir },
    );
    connected.push({
      client: 'temporal operator cluster health (Temporal CLI)',
      certificate: identities.operator,
      evidence: 'SERVING',
    });
    log(`temporal operator cluster health with the operator's certificate: SERVING at ${cluster.address}\n`);
  }

  step('Mutual TLS: clients without a certificate of the cluster CA are refused by the frontend');
  const { refusals, controls } = await mutualTlsChecks(cluster, workDir, logDir);
  for (const refusal of refusals)
    log(`  ${refusal.client}: ${refusal.refused ? `refused: ${refusal.error}` : 'GOT IN (it must not)'}\n`);
  for (const control of controls) {
    log(
      `  ${control.client} with the operator's certificate: ${control.refused ? `REFUSED: ${control.error}` : 'answered'}\n`,
    );
    if (!control.refused)
      connected.push({
        client: control.client,
        certificate: identities.operator,
        evidence: control.error || 'answered',
      });
  }

  const secret = randomBytes(24).toString('hex');
  const emulatorPort = await freePort();
  const intakePort = await freePort();
  const oktaUrl = `http://127.0.0.1:${emulatorPort}`;
  // Payloads encrypted as in production (codec/): every process reads the same keys file.
  const codecKeysFile = join(workDir, 'codec-keys');
  writeFileSync(codecKeysFile, `${generateKeyLine(CODEC_KEY_ID)}\n`, { mode: 0o600 });
  const temporalEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    OFFBOARD_TASK_QUEUE: TASK_QUEUE,
    OKTA_ORG_URL: oktaUrl,
    OFFBOARD_CODEC_KEYS_FILE: codecKeysFile,
  };
  // The worker and the setup: the worker's certificate and the worker's Okta credential.
  const appEnv: NodeJS.ProcessEnv = {
    ...temporalEnv,
    ...clientTlsEnv(tlsDir, 'worker'),
    OKTA_API_TOKEN: OKTA_TOKEN,
    OFFBOARD_WORKFLOW_BUNDLE: join(appDir, 'dist', 'workflow-bundle.js'),
    ...IMAGE_WORKER_ENV,
    OFFBOARD_DEVICE_WIPE_DELAY: '0s',
    OFFBOARD_OKTA_GROUP: 'Offboarding',
    OFFBOARD_PROTECTED_GROUPS: 'Super Admins',
    // The rehearsal starts --users people within minutes (50 by default): the blast-radius count,
    // which holds starts above 25 an hour for approval, would hold it; every run still asks the gate.
    OFFBOARD_APPROVAL_THRESHOLD: '0',
    OFFBOARD_ARCHIVE_DATABASE_URL_FILE: archive.urlFile,
  };
  // The intake: its own certificate, and its own read-only Okta service app instead of the worker's
  // credential, which it never sees (as in docker-compose.yml).
  const intakeKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const intakeKeyFile = join(workDir, 'okta-intake.key');
  writeFileSync(intakeKeyFile, intakeKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const intakeEnv: NodeJS.ProcessEnv = {
    ...temporalEnv,
    ...clientTlsEnv(tlsDir, 'intake'),
    OKTA_INTAKE_CLIENT_ID: INTAKE_OKTA_APP.clientId,
    OKTA_INTAKE_KEY_ID: INTAKE_OKTA_APP.keyId,
    OKTA_INTAKE_PRIVATE_KEY_FILE: intakeKeyFile,
    OKTA_INTAKE_SCOPES: INTAKE_OKTA_APP.scopes.join(' '),
    OFFBOARD_OKTA_GROUP: 'Offboarding',
    OFFBOARD_INTAKE_PORT: String(intakePort),
    OFFBOARD_HMAC_SECRETS: `rehearsal-hr=${secret}`,
  };

  await staging;
  step('Setup: namespace, search attributes, Schedule (dist/worker/setup-temporal.js, as the compose setup service)');
  await runToEnd('setup', process.execPath, [join(appDir, 'dist', 'worker', 'setup-temporal.js')], {
    cwd: appDir,
    env: appEnv,
    logDir,
  });
  log('namespace and search attributes are in place\n');
  connected.push({
    client: 'setup (dist/worker/setup-temporal.js)',
    certificate: identities.worker,
    evidence: 'namespace and search attributes in place',
  });

  step('Okta emulator (the org) with a sample org');
  await supervisor.start({
    name: 'okta-emulator',
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      EMULATOR_CLI,
      '--port',
      String(emulatorPort),
      '--rate-limits',
      'workforce',
      '--token',
      OKTA_TOKEN,
    ],
    cwd: root,
    ready: { line: /Okta emulator listening/ },
  });
  const admin = new EmulatorAdmin(`http://127.0.0.1:${emulatorPort}`);
  const org = generateSampleOrg({ users: opts.users, seed: 7 });
  // A second service app, granted okta.users.read only: the intake's credential.
  org.serviceApps = [
    {
      clientId: INTAKE_OKTA_APP.clientId,
      publicJwk: { ...intakeKey.publicKey.export({ format: 'jwk' }), kid: INTAKE_OKTA_APP.keyId, alg: 'RS256' },
      scopes: INTAKE_OKTA_APP.scopes,
    },
  ];
  await admin.seed(org);
  if (opts.oktaLatencyMs > 0) await admin.addFault({ route: '*', latencyMs: opts.oktaLatencyMs });
  const leavers = org.users.slice(0, opts.users).map((user) => user.id as string);
  log(`seeded ${org.users.length} users; Okta answers after ${opts.oktaLatencyMs} ms, with Workforce rate limits\n`);

  step('Two workers and the intake, from the staged build (node dist/...)');
  const startWorker = (name: string) =>
    supervisor.start({
      name,
      command: process.execPath,
      args: [join(appDir, 'dist', 'worker', 'main.js')],
      cwd: appDir,
      env: appEnv,
      ready: { line: /Offboarding worker started/, timeoutMs: 90_000 },
    });
  await Promise.all(WORKERS.map(startWorker));
  await supervisor.start({
    name: 'intake',
    command: process.execPath,
    args: [join(appDir, 'dist', 'client', 'intake', 'main.js')],
    cwd: appDir,
    env: intakeEnv,
  });
  const intakeUrl = `http://127.0.0.1:${intakePort}`;
  await waitForHttp(`${intakeUrl}/healthz`, 60_000);
  log(`workers ready; intake on ${intakeUrl}\n`);

  // The rehearsal's own client is an operator's: the operator's certificate, through runs/temporal.ts.
  const client = await connectClient(
    temporalConfigFromEnv({ ...temporalEnv, ...clientTlsEnv(tlsDir, 'operator') } as NodeJS.ProcessEnv),
  );
  cleanups.push(() => void client.connection.close());

  step(
    `${opts.users} offboardings through the signed intake, with a rolling restart of the workers and kill -9 of history`,
  );
  // The CLI without a certificate retries for a few seconds before it gives up: it runs meanwhile.
  const cliEnv = { ...temporalEnv, ...clientTlsEnv(tlsDir, 'operator'), OKTA_API_TOKEN: OKTA_TOKEN };
  const cliRefusal = cliWithoutCertificate(appDir, cliEnv, leavers[0] as string);
  cliRefusal.catch(() => {});
  const loadStarted = Date.now();
  const accepted = new Set<string>();
  let next = 0;
  const submit = async (): Promise<void> => {
    while (next < leavers.length) {
      const index = next++;
      const userId = leavers[index] as string;
      if (await postHrEvent(intakeUrl, secret, userId, index)) accepted.add(userId);
    }
  };
  const submitting = Promise.all(Array.from({ length: 8 }, submit));

  const chaos: ChaosEvent[] = [];
  const record = async (event: string, action: () => Promise<void>): Promise<void> => {
    const atMs = Date.now() - loadStarted;
    const open = await openRuns(client);
    const began = Date.now();
    await action();
    chaos.push({ event, atMs, tookMs: Date.now() - began, openRuns: open });
    log(`  ${event}: ${((Date.now() - began) / 1000).toFixed(1)}s, ${open} runs open when it began (${elapsed()})\n`);
  };
  while (accepted.size < Math.min(3, leavers.length)) await sleep(100);
  for (const name of WORKERS) {
    await record(`${name}: SIGTERM, drained and exited`, () => supervisor.stop(name, 'SIGTERM', 60_000));
    await record(`${name}: started again`, async () => void (await startWorker(name)));
  }
  await record('temporal-history: kill -9', () => supervisor.stop('temporal-history', 'SIGKILL'));
  await record('temporal-history: restarted', () =>
    startTemporalService(supervisor, binaries.server, cluster, 'history'),
  );
  await submitting;
  log(`intake accepted ${accepted.size} of ${leavers.length} (${elapsed()})\n`);

  const deadline = Date.now() + opts.timeoutMs;
  let lastReport = 0;
  for (;;) {
    const open = await openRuns(client);
    if (open === 0) break;
    if (Date.now() > deadline) {
      log(`timed out with ${open} runs still open\n`);
      break;
    }
    if (Date.now() - lastReport > 10_000) {
      log(`  ${open} runs open (${elapsed()})\n`);
      lastReport = Date.now();
    }
    await sleep(1000);
  }
  const loadMs = Date.now() - loadStarted;

  step('Verification: every run completed, every leaver without access in the emulator');
  const runs = await classify(client, leavers, accepted);
  const residual = residualAccess(await admin.state(), leavers);
  for (const detail of residual.details.slice(0, 20)) log(`  residual access: ${detail}\n`);
  const archived = await checkArchive(postgres, archive.database, leavers);
  const writes = archived.latencyMs.all;
  log(
    `  audit archive: a completed row for ${archived.completed} of ${leavers.length} runs (${archived.rows} rows, ${archived.duplicates} duplicate keys); milestone to committed row p50 ${writes?.p50} ms, p95 ${writes?.p95} ms\n`,
  );
  connected.push(
    {
      client: `${WORKERS.join(', ')} (dist/worker/main.js)`,
      certificate: identities.worker,
      evidence: `${runs.completed} runs completed`,
    },
    {
      client: 'intake (dist/client/intake/main.js)',
      certificate: identities.intake,
      evidence: `accepted ${accepted.size} of ${leavers.length} HR events`,
    },
  );

  step('The offboard CLI with and without its certificate');
  const cliRun = await cliWithCertificate(appDir, cliEnv, leavers[0] as string);
  const cliRefused = await cliRefusal;
  refusals.push(cliRefused);
  if ('evidence' in cliRun) connected.push({ ...cliRun, certificate: identities.operator });
  log(`  with the operator's certificate: ${'evidence' in cliRun ? cliRun.evidence : `FAILED: ${cliRun.failure}`}\n`);
  log(`  without: ${cliRefused.refused ? `refused: ${cliRefused.error}` : 'GOT IN (it must not)'}\n`);

  step('History without the codec keys is ciphertext');
  const encryption = await storedInputEncoding(
    temporalConfigFromEnv({ ...temporalEnv, ...clientTlsEnv(tlsDir, 'operator'), OFFBOARD_CODEC_KEYS_FILE: '' }),
    offboardWorkflowId(leavers[0] as string),
  );
  log(`  the first run's stored input: ${encryption.encoding}, key ${encryption.keyId ?? 'none'}\n`);
  const encrypted = encryption.encoding === 'binary/encrypted' && encryption.keyId === CODEC_KEY_ID;

  step("The intake's Okta credential (okta.users.read) cannot change anything");
  const breakGlass = org.users.find((user) => user.login === 'break-glass@example.com') as Org['users'][number];
  const intakeOkta = await intakeCredentialCheck(oktaUrl, intakeKeyFile, breakGlass.id as string, admin);
  log(
    `  read ${breakGlass.login}: ${intakeOkta.read}; suspend it: ${intakeOkta.write.refused ? `refused, ${intakeOkta.write.status} ${intakeOkta.write.errorCode}: ${intakeOkta.write.error}` : 'ALLOWED (it must not be)'}; status afterwards ${intakeOkta.statusAfter}\n`,
  );
  const tlsHeld =
    refusals.every((refusal) => refusal.refused) &&
    controls.every((control) => !control.refused) &&
    'evidence' in cliRun;
  const intakeReadOnly =
    intakeOkta.read.startsWith('allowed') && intakeOkta.write.refused && intakeOkta.statusAfter === 'ACTIVE';

  const durationMs = Date.now() - started;
  const usage = supervisor.usage();
  const table = new Table({ head: ['process', 'CPU s', 'peak RSS MB', 'restarts'], style: { head: [], border: [] } });
  for (const entry of usage) table.push([entry.name, entry.cpuS.toFixed(1), entry.peakRssMb, entry.restarts]);
  log(`${table.toString()}\n`);
  const summary = new Table({
    head: [
      'users',
      'completed',
      'failed',
      'needs attention',
      'stuck',
      'lost',
      'residual',
      'offboarding makespan',
      'rehearsal duration',
    ],
    style: { head: [], border: [] },
  });
  summary.push([
    opts.users,
    runs.completed,
    runs.failed,
    runs.needsAttention,
    runs.stuck,
    runs.lost,
    residual.count,
    `${(loadMs / 1000).toFixed(1)}s`,
    `${(durationMs / 1000).toFixed(1)}s`,
  ]);
  log(`${summary.toString()}\n`);

  const results = {
    users: opts.users,
    durationMs,
    runs,
    residual: { count: residual.count, userIds: residual.userIds },
    services: usage.map(({ name, cpuS, peakRssMb }) => ({ name, cpuS, peakRssMb })),
    makespanMs: loadMs,
    events: chaos,
    oktaLatencyMs: opts.oktaLatencyMs,
    buildSeconds: binaries.buildSeconds,
    temporalTls: {
      frontend: 'mutual TLS: requireClientAuth on the frontend (gRPC and HTTP) and internode listeners',
      ca: await subjectOf(join(tlsDir, 'ca', 'ca.pem')),
      refused: refusals,
      connected,
    },
    payloads: { codec: 'AES-256-GCM (codec/)', ...encryption },
    archive: archived,
    intakeOkta: {
      credential: `service app ${INTAKE_OKTA_APP.clientId}, scopes ${INTAKE_OKTA_APP.scopes.join(' ')} (no worker credential in its environment)`,
      lookups: `${accepted.size} users resolved for the HR events`,
      ...intakeOkta,
    },
  };
  mkdirSync(join(root, 'rehearsal-results'), { recursive: true });
  writeFileSync(join(root, 'rehearsal-results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log('wrote rehearsal-results/latest.json\n');
  const archiveHeld = archived.missing.length === 0 && archived.duplicates === 0;
  const passed =
    runs.completed === opts.users &&
    runs.lost === 0 &&
    residual.count === 0 &&
    tlsHeld &&
    intakeReadOnly &&
    encrypted &&
    archiveHeld;
  log(
    passed
      ? `PASSED: ${runs.completed} of ${opts.users} offboardings completed and verified, none lost; Temporal refused ${refusals.length} clients without a certificate of its CA; the intake's Okta credential could not write; the audit archive holds every run's completed row.\n`
      : `FAILED: see the counts above and the logs${tlsHeld ? '' : ' (mutual TLS did not hold)'}${intakeReadOnly ? '' : " (the intake's Okta credential could write)"}${archiveHeld ? '' : ' (the audit archive misses a completed row)'}.\n`,
  );
  return passed;
}

async function main(): Promise<void> {
  const opts = options();
  await runSupervised(
    {
      what: 'the rehearsal',
      workDirPrefix: 'offboarding-rehearsal-',
      keepLogs: opts.keepLogs,
      sampleUsage: true,
      log,
      elapsed,
    },
    ({ supervisor, workDir, cleanups }) => rehearse(supervisor, workDir, cleanups, opts),
  );
}

// The chaos runs (scripts/chaos/) import the cluster helpers above without running a rehearsal.
if (require.main === module) void main();
