// The small version of `npm run chaos` (issue 10) on the suite's dev server: scenarios 1, 3 and 4
// with a few runs each and random fault timing, and scenario 5's fuzzer with a bounded number of
// requests. The workers are real `tsx worker/main.ts` child processes, SIGKILLed and restarted;
// every person's final Okta state is checked against the run's outcome and report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOktaClient } from '../okta/client';
import { buildIntake } from '../client/intake/server';
import type { OktaEmulator } from '@okta-offboarding/okta-emulator';
import { describeDiff } from '../tools/chaos/check';
import type { IntakeCall, ScenarioResult } from '../tools/chaos/load';
import {
  concurrentSteering,
  intakeFuzzing,
  oktaTrouble,
  workerCrashes,
  type ScenarioEnv,
} from '../tools/chaos/scenarios';
import {
  appEnv,
  HR_SECRET,
  HR_SIGNER,
  OKTA_TOKEN,
  prebundledWorkflows,
  startEmulator,
  WorkerPool,
} from '../tools/chaos/stack';
import { Supervisor } from '../tools/supervisor/processes';
import { uniqueTaskQueue } from './support/temporal';

// One Okta minute lasts 2.5 s: rate-limit windows, 429 resets and the 2-minute outage shrink alike.
const TIME_SCALE = 24;
const BODY_LIMIT = 4_096;

let workDir: string;
let supervisor: Supervisor;
let emulator: OktaEmulator;
let client: Client;
let intake: FastifyInstance;
let env: ScenarioEnv;

function injectIntake(app: FastifyInstance): IntakeCall {
  return async ({ method, path, body, headers }) => {
    const response = await app.inject({
      method,
      url: path,
      headers,
      ...(method === 'POST' && body ? { payload: body } : {}),
    });
    return { status: response.statusCode, body: response.body };
  };
}

/** The scenario passed; otherwise the assertion message carries the problems and each person's Okta state diff. */
function expectPassed(result: ScenarioResult): void {
  const explanation = [...result.problems, ...result.failures.map(describeDiff)].join('\n');
  expect(result.runs.lost, explanation).toBe(0);
  expect(result.runs.stuck, explanation).toBe(0);
  expect(result.residual.count, explanation).toBe(0);
  expect(result.passed, explanation).toBe(true);
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'offboarding-chaos-test-'));
  supervisor = new Supervisor({ logDir: workDir, graceMs: 5_000, log: () => undefined });
  const address = inject('temporalAddress');
  const taskQueue = uniqueTaskQueue('chaos');
  const okta = await startEmulator(TIME_SCALE);
  emulator = okta.emulator;
  client = new Client({ connection: await Connection.connect({ address }), namespace: 'default' });
  const workerEnv = appEnv({
    address,
    namespace: 'default',
    taskQueue,
    oktaUrl: emulator.url,
    timeScale: TIME_SCALE,
    bundle: await prebundledWorkflows(workDir),
  });
  workerEnv.OFFBOARD_LOG_LEVEL = 'INFO';
  const workers = new WorkerPool(supervisor, workerEnv);
  intake = await buildIntake({
    config: {
      hmacSecrets: [{ name: HR_SIGNER, secret: HR_SECRET }],
      offboardingGroup: 'Offboarding',
      timeZone: 'UTC',
      bodyLimit: BODY_LIMIT,
      temporal: { taskQueue },
    },
    temporal: client,
    okta: createOktaClient({ orgUrl: emulator.url, auth: { kind: 'api-token', token: OKTA_TOKEN } }),
  });
  await workers.start('worker-1');
  env = {
    client,
    admin: okta.admin,
    taskQueue,
    timeScale: TIME_SCALE,
    intake: injectIntake(intake),
    workers,
    log: (line) => void process.stderr.write(line),
    settleTimeoutMs: 200_000,
  };
}, 180_000);

afterAll(async () => {
  await supervisor?.stopAll();
  await intake?.close();
  await client?.connection.close();
  await emulator?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('chaos, small (issue 10)', () => {
  it('worker crashes: SIGKILLed and restarted at random moments, two workers for part of it; every run completes, nobody keeps access', async () => {
    const result = await workerCrashes(env, 6, 3);
    expectPassed(result);
    expect(result.faults['worker SIGKILL']).toBeGreaterThanOrEqual(3);
    expect(result.runs.completed).toBe(6);
  }, 330_000);

  it('Okta trouble: 500s, resets, latency spikes, 429 bursts and Okta down; runs wait rather than fail', async () => {
    const result = await oktaTrouble(env, 6);
    expectPassed(result);
    expect(Object.keys(result.faults).some((kind) => kind.startsWith('Okta down'))).toBe(true);
    expect(result.runs.failed + result.runs.needsAttention).toBe(0);
    expect(result.runs.completed).toBe(6);
  }, 330_000);

  it('concurrent steering: each run ends as the precedence of the messages it received gives, and Okta matches', async () => {
    const result = await concurrentSteering(env, 6, 6);
    expect(result.notes.join(' ')).toMatch(/2 of 6 runs steered/);
    expectPassed(result);
  }, 330_000);

  it('intake fuzzing: only 4xx (or the existing run for a replayed valid start), no crash, bounded memory, no run started', async () => {
    const result = await intakeFuzzing(env, {
      requests: 500,
      bodyLimit: BODY_LIMIT,
      memoryMb: () => Math.round(process.memoryUsage().rss / 1024 / 1024),
      maxGrowthMb: 200,
    });
    expect(result.load).toMatch(/^\d+ requests$/);
    expect(Number(result.load.split(' ')[0])).toBeGreaterThanOrEqual(500);
    expectPassed(result);
  }, 330_000);
});
