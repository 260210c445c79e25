// The test run's one Temporal dev server (the pinned CLI, started like the demo's: the project's
// search attributes and the new matcher; one partition per task queue), shared by every project that
// lists this global setup and started only when a test first connects (connectToSuiteServer): a run of
// activity, replay or contract tests alone never starts it. Its log goes to a temporary folder, named if it fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startDevServer } from '../../tools/dev-server';
import { freePort, Supervisor } from '../../tools/supervisor/processes';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the dev server listens once a test has connected (connectToSuiteServer starts it). */
    temporalAddress: string;
    /** A GET starts the dev server unless it runs already, and answers its address once it is healthy. */
    temporalStarter: string;
  }
}

interface SuiteServer {
  address: string;
  starter: string;
  /** Projects set up and not yet torn down: the last teardown stops the server. */
  users: number;
  close(): Promise<void>;
}

/**
 * One partition per task queue: the server then hands out a queue's tasks strictly by priority, which
 * the layoff test asserts. With the default four, each partition orders only its own tasks, and a
 * worker polling a partition that holds later-phase tasks only gets one while lock-phase tasks wait
 * in another (42 of 400 later calls in a 200-person layoff).
 */
const ONE_PARTITION = [
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

// Each project loads this file on its own, so the one server lives on the process, not the module.
const SHARED = Symbol.for('okta-offboarding.test-temporal-server');
const shared = globalThis as { [SHARED]?: Promise<SuiteServer> };

async function openSuiteServer(): Promise<SuiteServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const logDir = mkdtempSync(join(tmpdir(), 'offboarding-test-temporal-'));
  const supervisor = new Supervisor({ logDir, graceMs: 5_000, log: () => undefined });
  const killOnExit = () => supervisor.killAllNow();
  process.once('exit', killOnExit);
  let running: Promise<unknown> | undefined;
  let failed = false;
  const starter = createServer((_request, response) => {
    running ??= import('../../scripts/temporal-cli.mjs')
      .then(({ ensureTemporalCli }) => ensureTemporalCli())
      .then((cliPath) =>
        startDevServer(supervisor, { cliPath, port, uiPort: false, name: 'temporal', extraArgs: ONE_PARTITION }),
      );
    running.then(
      () => response.end(address),
      (error: unknown) => {
        failed = true;
        response.statusCode = 500;
        response.end(`${error instanceof Error ? error.message : String(error)} (dev server log in ${logDir})`);
      },
    );
  });
  await new Promise<void>((resolve) => starter.listen(0, '127.0.0.1', resolve));
  return {
    address,
    starter: `http://127.0.0.1:${(starter.address() as AddressInfo).port}`,
    users: 0,
    async close() {
      starter.close();
      await supervisor.stopAll();
      process.off('exit', killOnExit);
      if (!failed) rmSync(logDir, { recursive: true, force: true });
    },
  };
}

export async function setup(project: TestProject): Promise<void> {
  const server = await (shared[SHARED] ??= openSuiteServer());
  server.users += 1;
  project.provide('temporalAddress', server.address);
  project.provide('temporalStarter', server.starter);
}

export async function teardown(): Promise<void> {
  const server = await shared[SHARED];
  if (!server || --server.users > 0) return;
  delete shared[SHARED];
  await server.close();
}
