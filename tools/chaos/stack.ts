// What a chaos scenario runs against: Temporal (the rehearsal's four-service cluster on PostgreSQL,
// or the test suite's dev server), worker processes it can SIGKILL and restart, the signed intake,
// and the Okta emulator. Cluster bring-up is the rehearsal's own code (scripts/rehearsal.ts), not a
// copy of it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { dataConverterFor, generateKeyLine, loadCodecKeys } from '../../codec';
import { EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { startOktaEmulator, type OktaEmulator } from '@okta-offboarding/okta-emulator';
import { WORKFORCE_LIMITS } from '../../worker/budget';
import { bundleWorkflows } from '../../worker/bundle';
import { freePort, type Supervisor } from '../supervisor/processes';

export const ROOT = join(__dirname, '..', '..');
export const OKTA_TOKEN = 'chaos-okta-token';
export const HR_SECRET = 'chaos-hr-secret-0123456789abcdef';
const HR_SIGNER = 'chaos-hr';

export type TemporalService = 'history' | 'matching' | 'frontend' | 'worker';

/** Cluster-level faults; only the production topology has them. */
export interface ClusterControl {
  killService(service: TemporalService): Promise<void>;
  startService(service: TemporalService): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
}

export interface ChaosStack {
  topology: 'cluster' | 'dev-server';
  address: string;
  namespace: string;
  taskQueue: string;
  client: Client;
  okta: { url: string; admin: EmulatorAdmin; timeScale: number };
  workers: WorkerPool;
  /** The intake process, when this stack runs one. */
  intake?: { url: string; pid: () => number | undefined };
  cluster?: ClusterControl;
  supervisor: Supervisor;
}

/** Okta's Workforce limits in real time for an emulator whose minute lasts 60/timeScale seconds. */
export function scaledRateLimits(timeScale: number): string {
  return Object.entries(WORKFORCE_LIMITS)
    .map(([bucket, perMinute]) => `${bucket}=${Math.round(perMinute * timeScale)}`)
    .join(',');
}

let bundlePath: Promise<string> | undefined;
/** The workflow code bundled once, so a restarted worker is ready in seconds (OFFBOARD_WORKFLOW_BUNDLE). */
export function prebundledWorkflows(dir: string): Promise<string> {
  bundlePath ??= (async () => {
    const { code } = await bundleWorkflows();
    const path = join(dir, 'workflow-bundle.js');
    writeFileSync(path, code);
    return path;
  })();
  return bundlePath;
}

/** `worker-1`, `worker-2`, ...: `tsx worker/main.ts` children of the supervisor, killed and restarted at will. */
export class WorkerPool {
  readonly kills: string[] = [];
  readonly starts: string[] = [];

  /** `archiveRoot`: the embedded audit archive (PGlite) serves one process, so each worker has its folder in it. */
  constructor(
    private readonly supervisor: Supervisor,
    private readonly env: NodeJS.ProcessEnv,
    private readonly archiveRoot?: string,
  ) {}

  running(): string[] {
    return ['worker-1', 'worker-2', 'worker-3'].filter((name) => this.supervisor.pid(name) !== undefined);
  }

  pid(name: string): number | undefined {
    return this.supervisor.pid(name);
  }

  async start(name: string): Promise<void> {
    this.starts.push(name);
    await this.supervisor.start({
      name,
      command: process.execPath,
      args: ['--import', 'tsx', join(ROOT, 'worker', 'main.ts')],
      cwd: ROOT,
      env: this.archiveRoot ? { ...this.env, OFFBOARD_ARCHIVE_DIR: join(this.archiveRoot, name) } : this.env,
      ready: { line: /Offboarding worker started/, timeoutMs: 180_000 },
    });
  }

  /** SIGKILL to the worker's process group: no shutdown, in-flight activities abandoned. */
  async kill(name: string): Promise<void> {
    this.kills.push(name);
    await this.supervisor.stop(name, 'SIGKILL');
  }

  async stop(name: string): Promise<void> {
    await this.supervisor.stop(name, 'SIGTERM', 30_000);
  }
}

export interface AppEnvOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  oktaUrl: string;
  timeScale: number;
  bundle: string;
  intakePort?: number;
  /** The payload encryption keys file (codec/), as production has one. */
  codecKeysFile: string;
}

/** The environment docker-compose.yml gives the worker and intake containers, pointed at this stack. */
export function appEnv(options: AppEnvOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_NAMESPACE: options.namespace,
    OFFBOARD_TASK_QUEUE: options.taskQueue,
    OKTA_ORG_URL: options.oktaUrl,
    OKTA_API_TOKEN: OKTA_TOKEN,
    OFFBOARD_WORKFLOW_BUNDLE: options.bundle,
    OFFBOARD_CODEC_KEYS_FILE: options.codecKeysFile,
    OFFBOARD_DEVICE_WIPE_DELAY: '5s',
    OFFBOARD_OKTA_GROUP: 'Offboarding',
    OFFBOARD_PROTECTED_GROUPS: 'Super Admins',
    OFFBOARD_OKTA_RATE_LIMITS: scaledRateLimits(options.timeScale),
    // Retries back off to one Okta minute, as the default 1m does against a real org.
    OFFBOARD_RETRY_MAX_INTERVAL: `${Math.max(1, Math.round(60 / options.timeScale))}s`,
    OFFBOARD_POLL_INTERVAL: '10m',
    // Scenario after scenario of hundreds of starts within the hour: the blast-radius count is off (every run
    // still asks the gate, which the faults reach too); docs/operations.md says how a planned layoff does the same.
    OFFBOARD_APPROVAL_THRESHOLD: '0',
    OFFBOARD_LOG_LEVEL: 'INFO',
    OFFBOARD_HMAC_SECRETS: `${HR_SIGNER}=${HR_SECRET}`,
    // Every action, so the steering fuzz reaches the runs rather than the scope check.
    OFFBOARD_HMAC_SCOPES: `${HR_SIGNER}=start+cancel+reschedule+expedite+wipe-now+rehire+read`,
    OFFBOARD_INTAKE_HOST: '127.0.0.1',
    OFFBOARD_TIMEZONE: 'UTC',
    ...(options.intakePort ? { OFFBOARD_INTAKE_PORT: String(options.intakePort) } : {}),
  };
}

export async function startEmulator(timeScale: number): Promise<{ emulator: OktaEmulator; admin: EmulatorAdmin }> {
  // The SDK sends even 127.0.0.1 through HTTPS_PROXY when it is set (packages/okta-emulator/docs/okta-behaviour.md section 15).
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) delete process.env[name];
  const emulator = await startOktaEmulator({
    port: 0,
    host: '127.0.0.1',
    rateLimits: 'workforce',
    timeScale,
    token: OKTA_TOKEN,
  });
  return { emulator, admin: new EmulatorAdmin(emulator.url) };
}

export async function startIntake(
  supervisor: Supervisor,
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; pid: () => number | undefined }> {
  const port = Number(env.OFFBOARD_INTAKE_PORT);
  await supervisor.start({
    name: 'intake',
    command: process.execPath,
    args: ['--import', 'tsx', join(ROOT, 'client', 'intake', 'main.ts')],
    cwd: ROOT,
    env,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the intake did not answer ${url}/healthz within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, pid: () => supervisor.pid('intake') };
}

/** A codec keys file in `dir` with one new key. */
export function writeCodecKeys(dir: string): string {
  const path = join(dir, 'codec-keys');
  writeFileSync(path, `${generateKeyLine('chaos-1')}\n`, { mode: 0o600 });
  return path;
}

export async function connect(address: string, namespace: string, codecKeysFile?: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  const dataConverter = dataConverterFor(loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: codecKeysFile }));
  return new Client({ connection, namespace, dataConverter });
}

/** Resident memory of a process and its children, in MB, from /proc. */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    let total = kb;
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean))
      total += rssMb(Number(child)) * 1024;
    return Math.round(total / 1024);
  } catch {
    return 0;
  }
}

export { freePort };
