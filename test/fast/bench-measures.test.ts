// The benchmark's own measures (tools/bench/): when a person counts as locked out, read from the Okta
// emulator's request log after real calls to it; which calls count as later steps before the last lockout;
// who a stop at the lockout leaves able to sign in; the termination of the runs such a stop leaves open; where a
// run's time went before its lockout, read from its history; and the command line of its modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorAdmin, startOktaEmulator, type OktaEmulator, type Org } from '@okta-offboarding/okta-emulator';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { lockoutFigures, lockoutTimes, lockResidualOf, statusesOf } from '../../tools/bench/measure';
import { parseOptions } from '../../tools/bench/options';
import { openRunsQuery, terminateOpenRuns } from '../../tools/bench/terminate';
import { splitLockPath } from '../../tools/bench/waits';
import { temporal } from '@temporalio/proto';
import { connectToSuiteServer, uniqueTaskQueue } from '../support/temporal';

const TOKEN = 'bench-measures-token';

const org = (): Org => ({
  groups: [{ name: 'Everyone', type: 'BUILT_IN' }],
  apps: [],
  devices: [],
  users: [
    {
      login: 'ann@example.com',
      status: 'ACTIVE',
      sessions: 2,
      grants: [{ clientId: '0oaMobileApp00000001', scopeId: 'okta.users.read.self' }],
      refreshTokens: [{ clientId: '0oaMobileApp00000001' }],
      factors: [{ factorType: 'push', provider: 'OKTA', status: 'ACTIVE' }],
    },
    {
      // Okta cannot suspend a LOCKED_OUT user: the lock phase deactivates them.
      login: 'lee@example.com',
      status: 'LOCKED_OUT',
      grants: [{ clientId: '0oaMobileApp00000001', scopeId: 'okta.users.read.self' }],
      factors: [{ factorType: 'sms', provider: 'OKTA', status: 'ACTIVE' }],
    },
    { login: 'sue@example.com', status: 'SUSPENDED', sessions: 1 },
  ],
});

let emulator: OktaEmulator;
let admin: EmulatorAdmin;
let ids: Record<'ann' | 'lee' | 'sue', string>;
let seeded: Org;

async function okta(method: string, path: string): Promise<void> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { Authorization: `SSWS ${TOKEN}`, Accept: 'application/json' },
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
}

const lockCalls = {
  suspend: (id: string) => okta('POST', `/api/v1/users/${id}/lifecycle/suspend`),
  sessions: (id: string) => okta('DELETE', `/api/v1/users/${id}/sessions?oauthTokens=true`),
  grants: (id: string) => okta('DELETE', `/api/v1/users/${id}/grants`),
  resetFactors: (id: string) => okta('POST', `/api/v1/users/${id}/lifecycle/reset_factors`),
  deactivate: (id: string) => okta('POST', `/api/v1/users/${id}/lifecycle/deactivate`),
  factors: (id: string) => okta('GET', `/api/v1/users/${id}/factors`),
};
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

beforeAll(async () => {
  emulator = await startOktaEmulator({ token: TOKEN, rateLimits: 'unlimited' });
  admin = new EmulatorAdmin(emulator.url);
});
afterAll(async () => {
  await emulator?.close();
});

async function seed(): Promise<void> {
  await admin.seed(org());
  await admin.clearRequests();
  seeded = await admin.state();
  const idOf = (login: string) => seeded.users.find((user) => user.login === login)?.id as string;
  ids = { ann: idOf('ann@example.com'), lee: idOf('lee@example.com'), sue: idOf('sue@example.com') };
}

const statuses = () => statusesOf(seeded, Object.values(ids));
const lastCallAt = async (method: string, suffix: string) =>
  Date.parse(
    (await admin.requests()).filter((entry) => entry.method === method && entry.path.endsWith(suffix)).at(-1)
      ?.at as string,
  );

describe('lockout, from the request log', () => {
  it('counts an ACTIVE person locked out only once suspended and their sessions and grants revoked, at the last of them', async () => {
    await seed();
    await lockCalls.suspend(ids.ann);
    await lockCalls.sessions(ids.ann);
    expect(lockoutTimes(await admin.requests(), statuses()).has(ids.ann)).toBe(false);
    await pause();
    await lockCalls.grants(ids.ann);
    const locked = lockoutTimes(await admin.requests(), statuses());
    expect(locked.get(ids.ann)).toBe(await lastCallAt('DELETE', `${ids.ann}/grants`));
  });

  it('needs no closing call for someone already SUSPENDED, only the revocations', async () => {
    await seed();
    await lockCalls.sessions(ids.sue);
    expect(lockoutTimes(await admin.requests(), statuses()).has(ids.sue)).toBe(false);
    await lockCalls.grants(ids.sue);
    expect(lockoutTimes(await admin.requests(), statuses()).has(ids.sue)).toBe(true);
  });

  it('locks out someone Okta cannot suspend at their deactivation, whose reset and deactivation are their lock, not later steps', async () => {
    await seed();
    for (const id of [ids.ann, ids.sue]) {
      if (id === ids.ann) await lockCalls.suspend(id);
      await lockCalls.sessions(id);
      await lockCalls.grants(id);
    }
    await pause();
    // Ann's later steps (a snapshot read, the factor reset) while Lee still waits for a lockout.
    await lockCalls.factors(ids.ann);
    await lockCalls.resetFactors(ids.ann);
    await pause();
    await lockCalls.sessions(ids.lee);
    await lockCalls.grants(ids.lee);
    await lockCalls.resetFactors(ids.lee);
    expect(lockoutTimes(await admin.requests(), statuses()).has(ids.lee)).toBe(false);
    await pause();
    await lockCalls.deactivate(ids.lee);
    // Ann's deactivation after the last lockout is a later step, but not one before it.
    await pause();
    await lockCalls.deactivate(ids.ann);

    const log = await admin.requests();
    const t0 = Date.parse(log[0]?.at as string);
    const startedAt = new Map(Object.values(ids).map((id) => [id, t0]));
    const figures = lockoutFigures(log, startedAt, t0, statuses());
    const leeLockedAt = await lastCallAt('POST', `${ids.lee}/lifecycle/deactivate`);
    expect(figures.notLocked).toBe(0);
    expect(figures.makespanMs).toBe(leeLockedAt - t0);
    expect(figures.maxMs).toBe(leeLockedAt - t0);
    expect(figures.laterCallsBeforeLastLock).toBe(1); // Ann's reset
    expect(figures.laterUsersBucketCallsBeforeLastLock).toBe(2); // Ann's factors read and reset
  });

  it('reports the people never locked out, and counts none of their calls as later steps', async () => {
    await seed();
    await lockCalls.suspend(ids.ann);
    await lockCalls.factors(ids.ann);
    const log = await admin.requests();
    const t0 = Date.parse(log[0]?.at as string);
    const figures = lockoutFigures(log, new Map(Object.values(ids).map((id) => [id, t0])), t0, statuses());
    expect(figures.notLocked).toBe(3);
    expect(figures.laterUsersBucketCallsBeforeLastLock).toBe(0);
  });
});

describe('access left at a stop at the lockout', () => {
  it('leaves everyone who can sign in or holds a session, grant or refresh token, and nobody once locked out', async () => {
    await seed();
    const people = Object.values(ids);
    expect(lockResidualOf(await admin.state(), people).userIds).toEqual([...people].sort());
    await lockCalls.suspend(ids.ann);
    await lockCalls.sessions(ids.sue);
    // Ann is suspended but keeps her sessions and grant; Sue is done; Lee is untouched.
    expect(lockResidualOf(await admin.state(), people).userIds).toEqual([ids.ann, ids.lee].sort());
    await lockCalls.sessions(ids.ann);
    await lockCalls.grants(ids.ann);
    await lockCalls.grants(ids.lee);
    await lockCalls.deactivate(ids.lee);
    expect(lockResidualOf(await admin.state(), people)).toEqual({ count: 0, userIds: [] });
  });
});

describe('terminating the runs a lockout stop leaves open', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  beforeAll(async () => {
    env = await connectToSuiteServer();
    client = env.client;
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it("terminates every open run of the benchmark's task queue and none of another's", async () => {
    const ours = uniqueTaskQueue('bench-stop');
    const theirs = uniqueTaskQueue('bench-other');
    // No worker polls these queues: the runs stay open, as runs waiting on their device timer do.
    const start = (taskQueue: string, n: number) =>
      client.workflow.start('offboardUser', { taskQueue, workflowId: `${taskQueue}-${n}`, args: [{}] });
    const handles = await Promise.all([1, 2, 3].map((n) => start(ours, n)));
    const other = await start(theirs, 1);
    try {
      for (let tries = 0; (await client.workflow.count(openRunsQuery(ours))).count < 3; tries++) {
        expect(tries, 'the runs are visible').toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const seen: number[] = [];
      const result = await terminateOpenRuns(client, ours, 'test stop', (done) => seen.push(done));
      expect(result).toMatchObject({ open: 3, left: 0 });
      expect(result.byBatch + result.byId).toBe(3);
      expect(seen.at(-1)).toBe(3);
      for (const handle of handles) expect((await handle.describe()).status.name).toBe('TERMINATED');
      expect((await other.describe()).status.name).toBe('RUNNING');
    } finally {
      await other.terminate('test cleanup').catch(() => undefined);
    }
  });
});

describe('the command line of the modes', () => {
  it('runs to completion on the dev server with one worker unless told otherwise', () => {
    expect(parseOptions([])).toMatchObject({ until: 'completion', topology: 'dev-server', workers: 1, json: false });
  });

  it('runs two workers on the cluster, and passes --worker-env pairs through, the last one winning', () => {
    const options = parseOptions([
      '--topology',
      'cluster',
      '--until',
      'lockout',
      '--time-scale',
      '1',
      '--worker-env',
      'OFFBOARD_MAX_CACHED_WORKFLOWS=50',
      '--worker-env',
      'NODE_OPTIONS=--max-old-space-size=512',
      '--worker-env',
      'OFFBOARD_MAX_CACHED_WORKFLOWS=100',
    ]);
    expect(options).toMatchObject({ topology: 'cluster', until: 'lockout', timeScale: 1, workers: 2 });
    expect(options.workerEnv).toEqual({
      OFFBOARD_MAX_CACHED_WORKFLOWS: '100',
      NODE_OPTIONS: '--max-old-space-size=512',
    });
    expect(parseOptions(['--topology', 'cluster', '--workers', '3']).workers).toBe(3);
  });

  it('refuses an unknown mode, a malformed --worker-env, and a time scale above 6', () => {
    expect(() => parseOptions(['--until', 'deactivation'])).toThrow(/--until/);
    expect(() => parseOptions(['--topology', 'compose'])).toThrow(/--topology/);
    expect(() => parseOptions(['--worker-env', 'NOVALUE'])).toThrow(/KEY=VALUE/);
    expect(() => parseOptions(['--worker-env', '=x'])).toThrow(/KEY=VALUE/);
    expect(() => parseOptions(['--time-scale', '7'])).toThrow(/time-scale/);
  });
});

describe("where a run's time went before its lockout", () => {
  const E = temporal.api.enums.v1.EventType;
  const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  const event = (eventId: number, eventType: temporal.api.enums.v1.EventType, ms: number, attributes = {}) => ({
    eventId,
    eventType,
    eventTime: at(ms),
    ...attributes,
  });
  // Start at 0; a workflow task waits 0-300 and runs 300-400; two activities: A waits 400-500 and runs 500-900,
  // B waits 400-800 and runs 800-1,000; the next workflow task waits 1,000-1,100 and runs 1,100-1,150.
  const history = [
    event(1, E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 0),
    event(2, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 0),
    event(3, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, 300, { workflowTaskStartedEventAttributes: { scheduledEventId: 2 } }),
    event(4, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 400, {
      workflowTaskCompletedEventAttributes: { startedEventId: 3 },
    }),
    event(5, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 400),
    event(6, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 400),
    event(7, E.EVENT_TYPE_ACTIVITY_TASK_STARTED, 500, { activityTaskStartedEventAttributes: { scheduledEventId: 5 } }),
    event(8, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 900, {
      activityTaskCompletedEventAttributes: { startedEventId: 7 },
    }),
    event(9, E.EVENT_TYPE_ACTIVITY_TASK_STARTED, 800, { activityTaskStartedEventAttributes: { scheduledEventId: 6 } }),
    event(10, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 1000, {
      activityTaskCompletedEventAttributes: { startedEventId: 9 },
    }),
    event(11, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 1000),
    event(12, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, 1100, {
      workflowTaskStartedEventAttributes: { scheduledEventId: 11 },
    }),
    event(13, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 1150, {
      workflowTaskCompletedEventAttributes: { startedEventId: 12 },
    }),
  ] as unknown as temporal.api.history.v1.IHistoryEvent[]; // ids as numbers where the SDK has Longs

  it('puts every instant from the start to the lockout in one state, an activity waiting before one running', () => {
    expect(splitLockPath(history, 1200)).toEqual({
      'workflow task waiting': 400,
      'workflow task running': 150,
      // 400-800: B waits (A runs from 500, but a waiting activity holds the lock back more than a running one)
      'activity waiting': 400,
      'activity running': 200,
      other: 50,
    });
  });

  it('stops at the lockout, and counts nothing for a run its person was locked out of before it started', () => {
    expect(splitLockPath(history, 600)).toEqual({
      'workflow task waiting': 300,
      'workflow task running': 100,
      'activity waiting': 200,
      'activity running': 0,
      other: 0,
    });
    expect(Object.values(splitLockPath(history, 0)).every((ms) => ms === 0)).toBe(true);
  });
});
