// A 200-person layoff on one worker under Okta's Workforce rate limits (time-scaled), run to the end:
// everyone is locked out, every run completes and nobody keeps access, the lock-out goes first in the
// bucket it shares with later steps, and hardly a call is rate-limited. How fast, against the
// rate-limit floor, is a figure of the benchmark (npm run bench), not something a test asserts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSampleOrg, workforceTable, type RateLimitTable } from '@okta-offboarding/okta-emulator';
import type { WorkflowHandle } from '@temporalio/client';
import { residualOf } from '../tools/bench/measure';
import { activityTaskQueue, PRIORITY, type OktaBucket } from '../workflows/definitions';
import { DEFAULT_BUDGET, WORKFORCE_LIMITS, type OktaBudget } from '../worker/budget';
import { OffboardingHarness } from './support/offboarding';

const PEOPLE = 200;
const TIME_SCALE = 2; // one Okta minute lasts 30 real seconds

// The lock-out and deactivation share Okta's user buckets, which keep their Workforce limits. The app
// and device buckets (100 calls a minute) would stretch the end of the runs to many minutes and have
// no part in the lock-out: they are lifted, in the emulator and in the worker's budget alike.
const UNLIMITED = 1_000_000_000;
const lifted = (path: string) => path.startsWith('/api/v1/apps') || path.startsWith('/api/v1/devices');

const oktaLimits: RateLimitTable = (() => {
  const table = workforceTable(TIME_SCALE);
  return {
    ...table,
    buckets: table.buckets.map((bucket) => (lifted(bucket.pathPattern) ? { ...bucket, perMinute: UNLIMITED } : bucket)),
  };
})();

const budget: OktaBudget = {
  ...DEFAULT_BUDGET,
  perMinute: {
    ...DEFAULT_BUDGET.perMinute,
    ...Object.fromEntries(Object.entries(WORKFORCE_LIMITS).map(([bucket, limit]) => [bucket, limit * TIME_SCALE])),
    apps: UNLIMITED,
    devices: UNLIMITED,
  },
};

let harness: OffboardingHarness;

beforeAll(async () => {
  harness = await OffboardingHarness.start({
    budget,
    policy: { protectedGroups: ['Super Admins'] },
    emulator: { rateLimits: oktaLimits, timeScale: TIME_SCALE },
  });
});
afterAll(async () => {
  await harness?.close();
});

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

interface BucketTask {
  activity: string;
  priorityKey: number;
  scheduledAt: number;
  startedAt: number;
}

/** The activities of a run on one bucket's queue, from its history: when each was scheduled and when a worker got it. */
async function bucketTasks(run: { workflowId: string; runId: string }, bucket: OktaBucket): Promise<BucketTask[]> {
  const queue = activityTaskQueue(harness.taskQueue, bucket);
  const history = await harness.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  const millis = (event: HistoryEvent) =>
    Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
  const scheduled = new Map<number, Omit<BucketTask, 'startedAt'>>();
  const tasks: BucketTask[] = [];
  for (const event of history.events ?? []) {
    const schedule = event.activityTaskScheduledEventAttributes;
    if (schedule?.taskQueue?.name === queue) {
      scheduled.set(Number(event.eventId), {
        activity: schedule.activityType?.name ?? '',
        priorityKey: schedule.priority?.priorityKey ?? 0,
        scheduledAt: millis(event),
      });
    }
    const start = event.activityTaskStartedEventAttributes;
    const task = start ? scheduled.get(Number(start.scheduledEventId)) : undefined;
    if (task) tasks.push({ ...task, startedAt: millis(event) });
  }
  return tasks;
}

/** The lock-out's writes: each must carry the lock priority. */
const LOCK_ACTIVITIES = ['suspendUser', 'revokeSessions', 'revokeGrants', 'revokeClientTokens'];
/** A task reaches the server's matcher a moment after its scheduled event is written. */
const MATCHER_LAG_MS = 1_000;

it(`offboards ${PEOPLE} people at once: everyone locked out first, every run completed, nobody keeps access`, async () => {
  await harness.seed(generateSampleOrg({ users: PEOPLE, seed: 7 }));
  const org = await harness.admin.state();
  const superAdmins = org.groups.find((group) => group.name === 'Super Admins')?.id;
  const people = org.users.filter((user) => !(user.groups ?? []).includes(superAdmins ?? ''));
  expect(people).toHaveLength(PEOPLE);
  await harness.admin.clearRequests();

  const runs = await Promise.all(
    people.map((person) => harness.start({ userId: person.id ?? '', correlationId: `layoff-${person.id}` })),
  );
  expect(runs.every((run) => run.created)).toBe(true);
  const reports = await Promise.all(runs.map((run) => run.handle.result()));

  // Every run completed, and Okta holds no access for anyone.
  expect(
    reports.filter((report) => report.outcome !== 'completed').map((report) => `${report.userId}: ${report.outcome}`),
  ).toEqual([]);
  expect(reports.filter((report) => report.residue.length > 0).map((report) => report.userId)).toEqual([]);
  expect(
    residualOf(
      await harness.admin.state(),
      people.map((person) => person.id ?? ''),
    ),
  ).toEqual({ count: 0, userIds: [] });

  // Everyone was locked out: suspended (when ACTIVE), sessions with their OAuth tokens revoked, consent grants revoked.
  const calls = await harness.admin.requests();
  const lockCalls = new Map<string, Set<string>>();
  for (const entry of calls) {
    const kind = /\/lifecycle\/(suspend)$|\/(sessions)$|\/(grants)$/.exec(entry.path)?.slice(1).find(Boolean);
    if (entry.method === 'GET' || entry.status < 200 || entry.status >= 300 || !entry.userId || !kind) continue;
    lockCalls.set(entry.userId, (lockCalls.get(entry.userId) ?? new Set()).add(kind));
  }
  const notLockedOut = people.filter((person) => {
    const made = lockCalls.get(person.id ?? '') ?? new Set();
    return !made.has('sessions') || !made.has('grants') || (person.status === 'ACTIVE' && !made.has('suspend'));
  });
  expect(notLockedOut.map((person) => person.id)).toEqual([]);

  // The lock-out first in the bucket it shares with later steps (`users`: the lock-out's writes, most
  // reads and the later lifecycle calls): every lock-out write carries the lock priority, and no
  // later-phase call went to a worker while a lock-priority call waited in the queue.
  const tasks = (await Promise.all(runs.map((run) => bucketTasks(run, 'users')))).flat();
  const lockOutWrites = tasks.filter((task) => LOCK_ACTIVITIES.includes(task.activity));
  expect(lockOutWrites.length).toBeGreaterThanOrEqual(2 * PEOPLE);
  expect(new Set(lockOutWrites.map((task) => task.priorityKey))).toEqual(new Set([PRIORITY.lock]));
  const lockTasks = tasks.filter((task) => task.priorityKey <= PRIORITY.lock);
  const laterTasks = tasks.filter((task) => task.priorityKey > PRIORITY.lock);
  expect(laterTasks.length).toBeGreaterThanOrEqual(PEOPLE);
  const overtaking = laterTasks.filter((later) =>
    lockTasks.some((lock) => lock.scheduledAt + MATCHER_LAG_MS < later.startedAt && lock.startedAt > later.startedAt),
  );
  expect(overtaking.map((task) => `${task.activity} started ${new Date(task.startedAt).toISOString()}`)).toEqual([]);

  // Hardly a call was rate-limited: the worker's budget keeps every bucket under Okta's limit.
  const limited = calls.filter((entry) => entry.rateLimited).length;
  expect(limited / calls.length).toBeLessThan(0.01);
});
