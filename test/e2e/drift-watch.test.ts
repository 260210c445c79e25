// The drift watch end to end: after a completed offboarding, access that comes back (a group re-added as a group
// rule would, an app re-assigned, the account activated outside a rehire, a sign-in) is caught by the next watch
// run, recorded in the archive and alerted on; with `revoke`, a revoke run takes it away again; a rehire explains it;
// and over 10,000 watched people the watch still reads the System Log once per interval and re-verifies within its
// share of the buckets. Real dev server, emulator, Okta SDK and embedded PostgreSQL.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client/cli/program';
import type { RequestEntry } from '@okta-offboarding/okta-emulator';
import { DriftArchive, type DriftEventRow } from '../../archive/drift';
import { rehire } from '../../runs/steering';
import { WORKFORCE_LIMITS } from '../../worker/budget';
import {
  DEFAULT_DRIFT,
  driftScheduleId,
  ensureDriftSchedule,
  REVERIFY_CALLS,
  reverificationsPerInterval,
} from '../../worker/drift-schedule';
import { type DriftNotice } from '../../workflows/definitions';
import type { RevokeReport } from '../../workflows/drift-revoke';
import type { DriftWatchInput, DriftWatchResult, watchForDrift } from '../../workflows/drift-watch';
import { decodeInPlace } from '../support/codec';
import { OffboardingHarness, oktaUser, TEST_POLICY } from '../support/offboarding';
import { employee, standardOrg } from '../support/orgs';
import { markersOf, recordHistory } from '../support/temporal';

let harness: OffboardingHarness;
let ids: { users: Record<string, string>; groups: Record<string, string>; apps: Record<string, string> };
/** Where the watch runs began reading: the schedule's creation, before any offboarding of this file. */
let startFrom: string;
const LIMIT = reverificationsPerInterval(WORKFORCE_LIMITS, DEFAULT_DRIFT.poll, DEFAULT_DRIFT.share);

beforeAll(async () => {
  harness = await OffboardingHarness.start({ policy: TEST_POLICY });
  const org = standardOrg();
  org.users.push(employee('carol@example.com'), employee('dave@example.com'));
  await harness.seed(org);
  const state = await harness.admin.state();
  ids = {
    users: Object.fromEntries(state.users.map((user) => [user.login.split('@')[0]!, user.id!])),
    groups: Object.fromEntries(state.groups.map((group) => [group.name, group.id!])),
    apps: Object.fromEntries(state.apps.map((app) => [app.label, app.id!])),
  };
  startFrom = new Date().toISOString();
});
afterAll(async () => {
  await harness?.client.schedule
    .getHandle(driftScheduleId(harness.taskQueue))
    .delete()
    .catch(() => undefined);
  await harness?.close();
});

const drift = () => new DriftArchive(harness.archive.db);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real offboarding through the harness, to `completed` (its milestone row is the archive's proof). */
async function offboard(name: string): Promise<string> {
  const userId = ids.users[name]!;
  const { handle } = await harness.start({ userId });
  expect((await handle.result()).outcome).toBe('completed');
  const rows = await harness.archive.db.query<{ user_id: string }>(
    "SELECT user_id FROM archive_events WHERE user_id = $1 AND kind = 'offboard' AND milestone = 'completed'",
    [userId],
  );
  expect(rows).toHaveLength(1);
  return userId;
}

/** What an admin (or a sync) gives back outside a rehire: the account, a group, a direct app. */
async function giveAccessBack(userId: string, group: string, app: string): Promise<void> {
  const okta = harness.okta.client();
  await okta.userApi.activateUser({ userId, sendEmail: false });
  // Okta activates asynchronously; the group add and the assignment wait for it (E0000112 meanwhile).
  for (let tries = 0; (await oktaUser(harness, userId)).status !== 'ACTIVE'; tries++) {
    if (tries > 100) throw new Error(`${userId} never became ACTIVE`);
    await sleep(100);
  }
  await okta.groupApi.assignUserToGroup({ groupId: ids.groups[group]!, userId });
  await okta.applicationApi.assignUserToApplication({ appId: ids.apps[app]!, appUser: { id: userId } });
}

const watchInput = (overrides: Partial<DriftWatchInput> = {}): DriftWatchInput => ({
  watch: DEFAULT_DRIFT.watch,
  reverifyAfter: DEFAULT_DRIFT.reverify,
  reverifyLimit: LIMIT,
  action: 'alert',
  startFrom,
  ignoreGroups: ['Offboarding'],
  ...overrides,
});

/** One watch run, as the schedule starts it, to its end; with the Okta calls it made while it ran. */
async function watchOnce(
  overrides: Partial<DriftWatchInput> = {},
): Promise<{ result: DriftWatchResult; workflowId: string; requests: RequestEntry[]; ms: number }> {
  const since = new Date().toISOString();
  const began = Date.now();
  const workflowId = `watch-for-drift-test-${randomUUID()}`;
  const result = await harness.client.workflow.execute<typeof watchForDrift>('watchForDrift', {
    workflowId,
    taskQueue: harness.taskQueue,
    args: [watchInput(overrides)],
  });
  const ms = Date.now() - began;
  return { result, workflowId, requests: await harness.admin.requests(since), ms };
}

const eventsOf = async (userId: string): Promise<DriftEventRow[]> =>
  (await drift().listEvents(startFrom)).filter((row) => row.userId === userId);

/** The inputs of the run's `notifyDrift` activities, decoded as the worker reads them. */
async function notices(client: Client, workflowId: string): Promise<DriftNotice[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await decodeInPlace(history, client.options.loadedDataConverter.payloadCodecs);
  return (history.events ?? [])
    .map((event) => event.activityTaskScheduledEventAttributes)
    .filter((scheduled) => scheduled?.activityType?.name === 'notifyDrift')
    .map((scheduled) => JSON.parse(Buffer.from(scheduled!.input!.payloads![0]!.data!).toString('utf8')) as DriftNotice);
}

const calls = (requests: RequestEntry[], bucket: string) => requests.filter((entry) => entry.bucket === bucket).length;
const logPolls = (requests: RequestEntry[]) =>
  requests.filter((entry) => entry.method === 'GET' && entry.path === '/api/v1/logs').length;

describe('the drift watch', () => {
  it('catches a group re-added, an app re-assigned and an account activated outside a rehire at its next poll', async () => {
    const alice = await offboard('alice');
    await giveAccessBack(alice, 'Engineering', 'Slack');

    // The schedule (paused, so that only this trigger starts a run) with the worker's defaults.
    const schedule = await ensureDriftSchedule(harness.client, {
      taskQueue: harness.taskQueue,
      drift: DEFAULT_DRIFT,
      perMinute: WORKFORCE_LIMITS,
      offboardingGroup: 'Offboarding',
    });
    await schedule!.pause();
    const description = await schedule!.describe();
    expect(description.spec.intervals).toMatchObject([{ every: 5 * 60_000 }]);
    expect(description.policies.overlap).toBe('SKIP');
    const since = new Date().toISOString();
    await schedule!.trigger();
    const run = await waitForWatchRun(harness.client, harness.taskQueue);
    const result = (await harness.client.workflow.getHandle(run).result()) as DriftWatchResult;

    expect(result.drift.map(({ userId, kind, action }) => [userId, kind, action]).sort()).toEqual([
      [alice, 'app', 'alert'],
      [alice, 'group', 'alert'],
      [alice, 'status', 'alert'],
    ]);
    // One System Log read for the whole org, through the logs bucket.
    expect(logPolls(await harness.admin.requests(since))).toBe(result.pages);
    expect(result.pages).toBe(1);
    const rows = await eventsOf(alice);
    expect(rows.map((row) => [row.kind, row.eventType, row.itemId]).sort()).toEqual([
      ['app', 'application.user_membership.add', ids.apps.Slack],
      ['group', 'group.user_membership.add', ids.groups.Engineering],
      ['status', 'user.lifecycle.activate', 'user.lifecycle.activate'],
    ]);
    expect(rows.every((row) => row.source === 'system-log' && row.workflowId === run)).toBe(true);
    // Visible in the Temporal UI, and handed to the notifications; an alert changes nothing in Okta.
    const tagged = await harness.client.workflow.getHandle(run).describe();
    expect(tagged.searchAttributes.OffboardingDrift).toEqual([alice]);
    expect((await notices(harness.client, run)).map((notice) => notice.kind).sort()).toEqual([
      'app',
      'group',
      'status',
    ]);
    const now = await oktaUser(harness, alice);
    expect([now.status, now.oktaGroupNames, now.directApps]).toEqual(['ACTIVE', ['Engineering'], ['Slack']]);
  });

  it('raises an alert with the client IP and the app for a sign-in of a watched person, once', async () => {
    const alice = ids.users.alice!;
    await harness.admin.signIn({
      user: alice,
      ipAddress: '203.0.113.7',
      app: ids.apps.Slack,
      eventType: 'user.authentication.sso',
    });

    const { result, workflowId } = await watchOnce();
    // The overlap re-reads the events already recorded: only the sign-in is new.
    expect(result.drift.map(({ userId, kind, action }) => [userId, kind, action])).toEqual([
      [alice, 'sign-in', 'alert'],
    ]);
    const signIn = (await eventsOf(alice)).find((row) => row.kind === 'sign-in');
    expect(signIn).toMatchObject({ clientIp: '203.0.113.7', appId: ids.apps.Slack });
    const [notice] = await notices(harness.client, workflowId);
    expect(notice).toMatchObject({ kind: 'sign-in', clientIp: '203.0.113.7', appId: ids.apps.Slack, action: 'alert' });
    expect(JSON.stringify(notice)).not.toContain('@example.com');

    // The CLI lists what the archive holds.
    const out: string[] = [];
    const code = await runCli(['drift', '--since', '1d'], {
      env: { ...harness.archiveEnv, ...harness.codecEnv },
      out: (text) => out.push(text),
      err: (text) => out.push(text),
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(
      new RegExp(`${alice}\\W+sign-in\\W+${ids.apps.Slack}\\W+alert\\W+203\\.0\\.113\\.7`),
    );
    expect(out.join('\n')).toContain('4 drift event(s), 1 person(s).');
  });

  it('with revoke, starts a revoke run that removes what came back and verifies; a sign-in stays an alert', async () => {
    const carol = await offboard('carol');
    await giveAccessBack(carol, 'Engineering', 'GitHub');
    await harness.admin.signIn({ user: carol, ipAddress: '198.51.100.23' });

    const { result, workflowId } = await watchOnce({ action: 'revoke' });
    const found = result.drift.filter((entry) => entry.userId === carol);
    expect(found.map(({ kind, action }) => [kind, action]).sort()).toEqual([
      ['app', 'revoke'],
      ['group', 'revoke'],
      ['sign-in', 'alert'],
      ['status', 'revoke'],
    ]);
    const revokeIds = new Set(found.filter((entry) => entry.action === 'revoke').map((e) => e.revokeWorkflowId));
    expect(revokeIds.size).toBe(1);
    const [revokeId] = [...revokeIds];
    expect(revokeId).toMatch(new RegExp(`^revoke-${carol}-[0-9a-f-]{36}$`));
    const report = (await harness.client.workflow.getHandle(revokeId!).result()) as RevokeReport;
    expect([report.outcome, report.residue]).toEqual(['revoked', []]);
    await recordHistory('drift-watch-revoke', harness.client.workflow.getHandle(workflowId));
    // The old run's history stays as drift-revoke-returned-access (the admin-role patch after the policy's read).
    await recordHistory('drift-revoke-role-check-first', harness.client.workflow.getHandle(revokeId!));
    const markers = await markersOf(harness.client.workflow.getHandle(revokeId!));
    const firstLocalActivity = markers.indexOf('core_local_activity getRunPolicy');
    expect(markers.slice(0, firstLocalActivity)).toEqual(
      expect.arrayContaining(['core_patch role-check-decided-in-first-activation', 'core_patch refuse-admin-roles']),
    );

    const now = await oktaUser(harness, carol);
    expect([now.status, now.oktaGroupNames, now.directApps, now.sessions]).toEqual(['DEPROVISIONED', [], [], 0]);
    const writes = (await harness.mutations(carol)).filter((entry) => entry.at >= report.startedAt);
    expect(writes.map((entry) => `${entry.method} ${entry.path}`)).toEqual(
      expect.arrayContaining([
        `POST /api/v1/users/${carol}/lifecycle/suspend`,
        `DELETE /api/v1/users/${carol}/sessions`,
        `DELETE /api/v1/groups/${ids.groups.Engineering}/users/${carol}`,
        `DELETE /api/v1/apps/${ids.apps.GitHub}/users/${carol}`,
        `POST /api/v1/users/${carol}/lifecycle/deactivate`,
      ]),
    );
    // Its verification counts as carol's latest; the next poll finds nothing new and starts nothing.
    const verified = await harness.archive.db.query<{ outcome: string; workflow_id: string }>(
      'SELECT outcome, workflow_id FROM drift_verifications WHERE user_id = $1',
      [carol],
    );
    expect(verified).toEqual([{ outcome: 'clean', workflow_id: revokeId }]);
    const again = await watchOnce({ action: 'revoke' });
    expect(again.result.drift.filter((entry) => entry.userId === carol)).toEqual([]);
  });

  it('reports nothing for access a rehire in progress gives back', async () => {
    const dave = await offboard('dave');
    // The rehire's app re-assignment hangs, so the run is still open when the watch reads its first changes.
    const fault = await harness.admin.addFault({
      route: '/api/v1/apps/*/users',
      method: 'POST',
      latencyMs: 12_000,
    });
    const started = await rehire(harness.client, harness.taskQueue, dave, 'vitest');
    await harness.waitForHit(fault);

    const { result, workflowId } = await watchOnce({ action: 'revoke' });
    const mine = result.drift.filter((entry) => entry.userId === dave);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((entry) => entry.action === 'explained-by-rehire' && !entry.revokeWorkflowId)).toBe(true);
    expect((await eventsOf(dave)).every((row) => row.detail.includes(`explained: ${started.workflowId}`))).toBe(true);
    expect(await notices(harness.client, workflowId)).toEqual([]);
    expect((await harness.client.workflow.getHandle(workflowId).describe()).searchAttributes.OffboardingDrift).toBe(
      undefined,
    );

    await harness.admin.removeFault(fault);
    await harness.client.workflow.getHandle(started.workflowId).result();
    const after = await watchOnce({ action: 'revoke' });
    expect(
      after.result.drift.filter((entry) => entry.userId === dave && entry.action !== 'explained-by-rehire'),
    ).toEqual([]);
    const now = await oktaUser(harness, dave);
    expect([now.status, now.directApps]).toEqual(['ACTIVE', ['GitHub', 'Slack']]);
    expect(now.oktaGroupNames).toContain('Engineering');
  });

  it('reads the System Log once per interval and re-verifies within its share over 10,000 watched people', async () => {
    // 100 deactivated people the emulator holds, completed longest ago, and 9,900 more by SQL only.
    const org = standardOrg();
    const quiet = { groups: ['Everyone'], apps: [], factors: [], sessions: 0, grants: [], refreshTokens: [] };
    for (let i = 0; i < 100; i++)
      org.users.push(employee(`leaver${i}@example.com`, { ...quiet, status: 'DEPROVISIONED' }));
    await harness.seed(org);
    const real = (await harness.admin.state()).users.filter((user) => user.login.startsWith('leaver'));
    expect(real).toHaveLength(100);
    const fake = Array.from({ length: 9_900 }, (_, i) => `00u${i.toString(36).padStart(17, '0')}`);
    const now = Date.now();
    const at = [...real.map(() => now - 20 * 86_400_000), ...fake.map((_, i) => now - 10 * 86_400_000 - i)];
    await harness.archive.db.query(
      `INSERT INTO archive_events (key, kind, milestone, at, user_id, workflow_id, run_id, report, sealed)
       SELECT 'offboard-' || u.id || '/drift-test/completed/1', 'offboard', 'completed', u.at, u.id,
              'offboard-' || u.id, 'drift-test', '{}'::jsonb, ''::bytea
       FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)`,
      [[...real.map((user) => user.id!), ...fake], at.map((ms) => new Date(ms).toISOString())],
    );
    // The org's own traffic, which the watch reads past.
    const state = await harness.admin.state();
    await harness.okta.client().groupApi.assignUserToGroup({
      groupId: state.groups.find((group) => group.name === 'Super Admins')!.id!,
      userId: state.users.find((user) => user.login === 'bob@example.com')!.id!,
    });

    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await watchOnce());
    for (const { result, requests } of runs) {
      expect(result.watched).toBeGreaterThanOrEqual(10_000);
      expect(logPolls(requests)).toBe(1);
      expect(result.reverified).toBe(LIMIT);
      for (const [bucket, perPerson] of Object.entries(REVERIFY_CALLS))
        expect(calls(requests, bucket)).toBeLessThanOrEqual(LIMIT * perPerson);
    }
    // The 100 longest unverified first, three reads each; then ids Okta no longer has, one read each, which leave.
    for (const { requests } of runs.slice(0, 2))
      expect([calls(requests, 'users-get'), calls(requests, 'users'), calls(requests, 'apps')]).toEqual([
        LIMIT,
        LIMIT,
        LIMIT,
      ]);
    expect([calls(runs[2]!.requests, 'users-get'), calls(runs[2]!.requests, 'apps')]).toEqual([LIMIT, 0]);
    const outcomes = await harness.archive.db.query<{ outcome: string; n: unknown }>(
      "SELECT outcome, count(*) AS n FROM drift_verifications WHERE workflow_id LIKE 'watch-for-drift-test-%' GROUP BY outcome ORDER BY outcome",
    );
    expect(outcomes.map((row) => [row.outcome, Number(row.n)])).toEqual([
      ['clean', 2 * LIMIT],
      ['deleted', LIMIT],
    ]);

    // Per day at the defaults, from what one run cost.
    const runsPerDay = 86_400_000 / 300_000;
    const callsPerReverification = calls(runs[0]!.requests, 'users-get') / LIMIT + 2;
    const duePerDay = Math.min(10_000 / 7, LIMIT * runsPerDay);
    console.log(
      JSON.stringify({
        watched: runs[0]!.result.watched,
        logPollsPerRun: logPolls(runs[0]!.requests),
        logPollsPerDay: logPolls(runs[0]!.requests) * runsPerDay,
        reverificationsPerRunMax: LIMIT,
        callsPerReverification,
        reverificationCallsPerDay: Math.round(duePerDay * callsPerReverification),
        reverificationCallsPerDayMax: LIMIT * runsPerDay * callsPerReverification,
        watchRunMs: runs.map((run) => run.ms),
      }),
    );
  });
});

/** The one run a trigger of this file's schedule started, once it has completed. */
async function waitForWatchRun(client: Client, taskQueue: string): Promise<string> {
  const query = `WorkflowType = "watchForDrift" AND TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    for await (const execution of client.workflow.list({ query })) return execution.workflowId;
    if (Date.now() > deadline) throw new Error('no watch run completed');
    await sleep(250);
  }
}
