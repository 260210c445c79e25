// How an Okta error leaves an activity (okta/errors.ts, the one place that decides): what Temporal
// retries and after how long, what it never retries, and what counts as done. Activities run alone
// (MockActivityEnvironment) against an in-process emulator through the real Okta SDK; faults are
// injected by the emulator; no Temporal server.
import { ApplicationFailureCategory } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimitTable } from '@okta-offboarding/okta-emulator';
import { activityFailure, runActivity, useActivityHarness, type ActivityHarness } from '../support/activities';
import { employee } from '../support/orgs';

let harness: ActivityHarness;
let alice: string;
let defaultLimits: RateLimitTable;

useActivityHarness((started) => (harness = started));

beforeEach(async () => {
  defaultLimits ??= await harness.admin.rateLimits();
  await harness.seed({
    groups: [
      { name: 'Engineering', type: 'OKTA_GROUP' },
      { name: 'AD Staff', type: 'APP_GROUP' },
      { name: 'Sales', type: 'OKTA_GROUP', apps: ['Salesforce'] },
    ],
    apps: [{ label: 'Slack' }, { label: 'Salesforce' }],
    users: [
      employee('alice@example.com', {
        groups: ['Engineering', 'AD Staff', 'Sales'],
        apps: [{ app: 'Slack', scope: 'USER' }],
      }),
      employee('bob@example.com', { groups: ['Engineering'], apps: [] }),
    ],
    devices: [],
  });
  alice = await harness.userId('alice@example.com');
  await harness.admin.clearRequests();
});
afterEach(async () => {
  await harness.admin.clearFaults();
  await harness.admin.setRateLimits(defaultLimits);
});

/** The suspend call of the lock, made at once (the caller has just read the status). */
const suspendAlice = () => runActivity(harness.activities.suspendUser, { userId: alice, knownStatus: 'ACTIVE' });

async function expectAliceUntouched(): Promise<void> {
  expect(await harness.statusOf(alice)).toBe('ACTIVE');
  expect(await harness.writes()).toEqual([]);
}

describe('429 Too Many Requests', () => {
  it('is retried once X-Rate-Limit-Reset has passed, as a benign failure that changed nothing', async () => {
    await harness.admin.addFault({
      route: '/api/v1/users/*/lifecycle/suspend',
      status: 429,
      resetAfterS: 30,
      count: 1,
    });

    const failure = await activityFailure(suspendAlice());

    expect(failure).toMatchObject({
      type: 'OktaRateLimited',
      nonRetryable: false,
      category: ApplicationFailureCategory.BENIGN,
    });
    // X-Rate-Limit-Reset is a whole epoch second 30 s ahead; a jitter of up to half a second is added.
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(29_000);
    expect(failure.nextRetryDelay).toBeLessThanOrEqual(30_500);
    await expectAliceUntouched();
  });

  it('is retried after a short pause when it is Okta’s concurrency limit (X-Rate-Limit-Limit: 0), not after the minute Okta estimates', async () => {
    await harness.admin.setRateLimits({ ...defaultLimits, concurrency: 1 });
    const slow = await harness.admin.addFault({ route: '/api/v1/users/*', method: 'GET', latencyMs: 1_000, count: 1 });
    const bob = await harness.userId('bob@example.com');
    const inFlight = harness.okta.client().userApi.getUser({ userId: bob });
    while ((await harness.admin.faults()).find((fault) => fault.id === slow)?.hits !== 1)
      await new Promise((resolve) => setTimeout(resolve, 20));

    const failure = await activityFailure(suspendAlice());

    expect(failure).toMatchObject({ type: 'OktaRateLimited', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(250);
    expect(failure.nextRetryDelay).toBeLessThan(1_000);
    await inFlight;
    await expectAliceUntouched();
  });
});

describe('Okta unavailable', () => {
  it.each([500, 502, 503])('a %i is retried with the run’s backoff', async (status) => {
    await harness.admin.addFault({ route: '/api/v1/users/*/lifecycle/suspend', status, count: 1 });

    const failure = await activityFailure(suspendAlice());

    expect(failure).toMatchObject({ type: 'OktaUnavailable', nonRetryable: false });
    expect(failure.nextRetryDelay).toBeUndefined();
    await expectAliceUntouched();
  });

  it('a dropped connection is retried with the run’s backoff', async () => {
    await harness.admin.addFault({ route: '/api/v1/users/*/lifecycle/suspend', connectionReset: true, count: 1 });

    const failure = await activityFailure(suspendAlice());

    expect(failure).toMatchObject({ type: 'OktaUnavailable', nonRetryable: false });
    await expectAliceUntouched();
  });
});

describe('Okta refusals', () => {
  it('401 (a wrong or revoked API token) is OktaUnauthorized and never retried', async () => {
    const revoked = harness.activitiesWithToken('revoked-token');

    const failure = await activityFailure(runActivity(revoked.suspendUser, { userId: alice, knownStatus: 'ACTIVE' }));

    expect(failure).toMatchObject({ type: 'OktaUnauthorized', nonRetryable: true });
    expect(failure.message).toMatch(/HTTP 401 E0000011/);
    await expectAliceUntouched();
  });

  it('403 E0000006 on a lifecycle call is OktaForbidden (a missing right, named) and never retried', async () => {
    await harness.admin.addFault({ route: '/api/v1/users/*/lifecycle/suspend', status: 403, errorCode: 'E0000006' });

    const failure = await activityFailure(suspendAlice());

    expect(failure).toMatchObject({ type: 'OktaForbidden', nonRetryable: true });
    expect(failure.message).toMatch(/missing right/);
    await expectAliceUntouched();
  });

  it('403 E0000006 on removing an APP_GROUP membership (mastered outside Okta) is OktaForbidden, never a silent skip, and the membership stays', async () => {
    const adStaff = await groupId('AD Staff');

    const failure = await activityFailure(
      runActivity(harness.activities.removeGroupMembership, { groupId: adStaff, userId: alice }),
    );

    expect(failure).toMatchObject({ type: 'OktaForbidden', nonRetryable: true });
    expect(await groupsOf(alice)).toContain('AD Staff');
  });

  it('403 E0000046 on unassigning an app a group grants is residue of that group, named: the app leaves with the group', async () => {
    const salesforce = await appId('Salesforce');

    const result = await runActivity(harness.activities.unassignApp, { appId: salesforce, userId: alice });

    expect(result).toEqual({
      outcome: 'not-needed',
      reason: expect.stringMatching(/^residue of group 00g\w+ \(.+\).*E0000046/),
    });
    expect(await harness.writes()).toEqual([]);
  });
});

describe('404 Not Found', () => {
  it('on reading the user is UserNotFound, never retried', async () => {
    const failure = await activityFailure(runActivity(harness.activities.getUser, { userId: '00uDoesNotExist00001' }));

    expect(failure).toMatchObject({ type: 'UserNotFound', nonRetryable: true });
  });

  it('on removing a membership of a group that is gone is done: the membership is already gone', async () => {
    const result = await runActivity(harness.activities.removeGroupMembership, {
      groupId: '00gDoesNotExist00001',
      userId: alice,
    });

    expect(result).toEqual({ outcome: 'not-needed', reason: 'membership already gone' });
  });

  it('on unassigning an app the user no longer holds is done', async () => {
    const slack = await appId('Slack');
    expect(await runActivity(harness.activities.unassignApp, { appId: slack, userId: alice })).toEqual({
      outcome: 'done',
    });

    const again = await runActivity(harness.activities.unassignApp, { appId: slack, userId: alice });

    expect(again).toEqual({ outcome: 'not-needed', reason: 'assignment already gone' });
  });

  it.each([
    ['revoking the sessions of', 'revokeSessions', 'user already gone'],
    ['resetting the factors of', 'resetFactors', 'user already gone'],
  ] as const)('on %s a deleted user is done', async (_what, activity, reason) => {
    await runActivity(harness.activities.deleteUser, { userId: alice });

    const result = await runActivity(harness.activities[activity], { userId: alice });

    expect(result).toEqual({ outcome: 'not-needed', reason });
  });

  it('on deleting a user who is gone is done', async () => {
    await runActivity(harness.activities.deleteUser, { userId: alice });

    const result = await runActivity(harness.activities.deleteUser, { userId: alice });

    expect(result).toMatchObject({ outcome: 'not-needed', to: 'DELETED' });
  });

  it('on deleting a device that is gone is done', async () => {
    const result = await runActivity(harness.activities.deleteDevice, { deviceId: 'guoDoesNotExist00001' });

    expect(result).toEqual({ outcome: 'not-needed', reason: 'device already gone' });
  });
});

async function groupId(name: string): Promise<string> {
  const group = (await harness.admin.state()).groups.find((candidate) => candidate.name === name);
  if (!group?.id) throw new Error(`no group ${name}`);
  return group.id;
}

async function appId(label: string): Promise<string> {
  const app = (await harness.admin.state()).apps.find((candidate) => candidate.label === label);
  if (!app?.id) throw new Error(`no app ${label}`);
  return app.id;
}

async function groupsOf(userId: string): Promise<string[]> {
  const state = await harness.admin.state();
  const names = new Map(state.groups.map((group) => [group.id, group.name]));
  return (state.users.find((user) => user.id === userId)?.groups ?? []).map((id) => names.get(id) ?? id);
}
