// What one benchmark phase runs against: Temporal (the dev server on SQLite, or the rehearsal's four services on
// PostgreSQL through tools/chaos/cluster.ts), the Okta emulator at the phase's limits and time scale, and the
// worker processes as production runs them: the build of scripts/build.ts, `node dist/worker/main.js` with the
// prebundled workflow code (OFFBOARD_WORKFLOW_BUNDLE), so their memory and CPU are the deployed worker's, not tsx's.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { EMULATOR_CLI, EmulatorAdmin } from '@okta-offboarding/okta-emulator';
import { startCluster } from '../chaos/cluster';
import { IMAGE_WORKER_ENV, runToEnd, TEMPORAL_SERVICES } from '../rehearsal';
import { startDevServer } from '../dev-server';
import { freePort, Supervisor, type SupervisedChild } from '../supervisor/processes';
import type { Topology } from './options';

export const ROOT = resolve(__dirname, '..', '..');
export const TOKEN = 'bench-token';
export const TASK_QUEUE = 'bench-offboarding';

export interface BenchStack {
  topology: Topology;
  supervisor: Supervisor;
  address: string;
  emulatorUrl: string;
  admin: EmulatorAdmin;
  /** Process groups of Temporal: the dev server, or the four services. */
  serverPids(): number[];
  /** PostgreSQL's postmaster (the cluster's throwaway database). */
  databasePid(): number | undefined;
  /** Stops every process, then removes the throwaway database's folder. */
  stop(): Promise<void>;
}

export function cliPath(): string {
  return (
    process.env.TEMPORAL_CLI_PATH || join(homedir(), '.cache', 'okta-offboarding', 'temporal-cli', 'v1.5.1', 'temporal')
  );
}

/** The Okta emulator as a child process (its CPU is not the worker's), at `rateLimits` and `timeScale`. */
export async function startEmulatorChild(
  supervisor: Supervisor,
  rateLimits: string,
  timeScale: number,
): Promise<{ url: string; admin: EmulatorAdmin }> {
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
  const url = emulator.readyMatch?.[1] as string;
  return { url, admin: new EmulatorAdmin(url) };
}

export async function startStack(
  dir: string,
  name: string,
  topology: Topology,
  rateLimits: string,
  timeScale: number,
  options: { log: (line: string) => void; beforeStop: () => void },
): Promise<BenchStack> {
  const supervisor = new Supervisor({ logDir: join(dir, name, 'logs'), graceMs: 5_000, log: () => undefined });
  supervisor.stopOnSignals(options.beforeStop);
  let address: string;
  let serverPids: () => number[];
  let cleanup = () => {};
  if (topology === 'cluster') {
    // A throwaway PostgreSQL per phase: each phase starts from an empty cluster, as from an empty dev server.
    const cluster = await startCluster(supervisor, join(dir, name, 'logs'), options.log);
    cleanup = cluster.cleanup;
    address = cluster.address;
    serverPids = () =>
      TEMPORAL_SERVICES.map((service) => supervisor.pid(`temporal-${service}`)).filter((pid) => pid !== undefined);
  } else {
    const server = await startDevServer(supervisor, {
      cliPath: cliPath(),
      port: await freePort(),
      uiPort: false,
      dbFile: join(dir, name, 'temporal.sqlite'),
      name: 'temporal',
    });
    address = server.address;
    serverPids = () => [server.child.pid];
  }
  const emulator = await startEmulatorChild(supervisor, rateLimits, timeScale);
  return {
    topology,
    supervisor,
    address,
    emulatorUrl: emulator.url,
    admin: emulator.admin,
    serverPids,
    databasePid: () => supervisor.pid('postgres'),
    stop: async () => {
      await supervisor.stopAll();
      cleanup();
    },
  };
}

let built: Promise<string> | undefined;
/**
 * The production build (scripts/build.ts, as `npm run build` and the image make it) in `dir`/app/dist, once per
 * benchmark, with the project's node_modules linked beside it; the working tree's dist/ is left alone.
 */
export function productionBuild(dir: string): Promise<string> {
  built ??= (async () => {
    const app = join(dir, 'app');
    mkdirSync(app, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
    await runToEnd(
      'build',
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts'), join(app, 'dist')],
      { cwd: ROOT, logDir: dir },
    );
    return join(app, 'dist');
  })();
  return built;
}

/**
 * `worker-1` … `worker-K`, `node dist/worker/main.js` from the production build (in `dir`); `env` after the
 * defaults. The embedded audit archive (PGlite) serves one process: each worker gets its own folder in `phaseDir`,
 * unless `env` points them at a PostgreSQL archive.
 */
export async function startWorkers(
  stack: BenchStack,
  dirs: { dir: string; phaseDir: string },
  count: number,
  env: Record<string, string>,
): Promise<SupervisedChild[]> {
  const dist = await productionBuild(dirs.dir);
  const sharedArchive = Boolean(env.OFFBOARD_ARCHIVE_DATABASE_URL || env.OFFBOARD_ARCHIVE_DATABASE_URL_FILE);
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      stack.supervisor.start({
        name: `worker-${i + 1}`,
        command: process.execPath,
        args: [join(dist, 'worker', 'main.js')],
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: stack.address,
          TEMPORAL_NAMESPACE: 'default',
          OFFBOARD_TASK_QUEUE: TASK_QUEUE,
          ...IMAGE_WORKER_ENV,
          OKTA_ORG_URL: stack.emulatorUrl,
          OKTA_API_TOKEN: TOKEN,
          OFFBOARD_WORKFLOW_BUNDLE: join(dist, 'workflow-bundle.js'),
          OFFBOARD_PROTECTED_GROUPS: 'Super Admins',
          OFFBOARD_LOG_LEVEL: 'INFO',
          ...(sharedArchive ? {} : { OFFBOARD_ARCHIVE_DIR: join(dirs.phaseDir, `archive-worker-${i + 1}`) }),
          ...env,
        },
        ready: { line: /Offboarding worker started|worker started/i, timeoutMs: 180_000 },
      }),
    ),
  );
}
