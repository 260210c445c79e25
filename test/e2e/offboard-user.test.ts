// offboardUser, end to end: the real Temporal dev server, the project's worker layout, the real
// Okta SDK and the Okta emulator; assertions on Okta's final state and the report.
import { beforeEach, describe, expect, it } from 'vitest';
import { cancelSignal, PHASES, statusQuery, type OffboardingReport, type Phase } from '../../workflows/definitions';
import { WorkflowFailedError } from '@temporalio/client';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

let harness: OffboardingHarness;

useHarness({ policy: TEST_POLICY }, (started) => (harness = started));
beforeEach(async () => {
  await harness.seed(standardOrg());
});

describe('a full offboarding', () => {
  it('locks, revokes, deactivates, decommissions unshared devices after the delay, verifies and reports', async () => {
    const alice = await harness.userId('alice@example.com');
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '3s' });

    const seen: Phase[] = [];
    let done = false;
    const watching = (async () => {
      while (!done) {
        const status = await handle.query(statusQuery).catch(() => undefined);
        if (status && seen.at(-1) !== status.phase) seen.push(status.phase);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const report: OffboardingReport = await handle.result();
    done = true;
    await watching;
    seen.push((await handle.query(statusQuery)).phase);
    await recordHistory('full-run', handle);

    const state = await harness.admin.state();
    const user = state.users.find((candidate) => candidate.id === alice);
    const groupType = new Map(state.groups.map((group) => [group.id, group.type]));
    expect(user?.status).toBe('DEPROVISIONED');
    expect(user?.sessions ?? 0).toBe(0);
    expect(user?.grants ?? []).toEqual([]);
    expect(user?.refreshTokens ?? []).toEqual([]);
    expect(user?.factors ?? []).toEqual([]);
    expect((user?.groups ?? []).map((id) => groupType.get(id)).sort()).toEqual(['APP_GROUP', 'BUILT_IN']);
    expect((user?.apps ?? []).filter((app) => app.scope === 'USER')).toEqual([]);
    const devices = state.devices.filter((device) => device.users.includes(alice));
    expect(devices.map((device) => device.displayName)).toEqual(['Team iPad']);
    expect(state.devices.find((device) => device.displayName === 'Laptop A1')).toBeUndefined();

    expect(report.outcome).toBe('completed');
    expect(report.residue).toEqual([]);
    expect(report.snapshot?.groups).toHaveLength(4);
    expect(report.snapshot?.apps.map((app) => `${app.label}:${app.scope}`).sort()).toEqual([
      'GitHub:USER',
      'Jira:GROUP',
      'Slack:USER',
    ]);
    const groupStep = report.steps.find((step) => step.step === 'removeGroupMembership');
    expect(groupStep?.items.filter((item) => item.outcome === 'skipped').map((item) => item.reason)).toEqual([
      expect.stringContaining('BUILT_IN'),
      expect.stringContaining('APP_GROUP'),
    ]);
    const deviceStep = report.steps.find((step) => step.step === 'decommissionDevice');
    expect(deviceStep?.items.map((item) => item.outcome).sort()).toEqual(['done', 'skipped']);

    const order = (phase: Phase) => PHASES.indexOf(phase);
    expect(seen).toEqual([...seen].sort((a, b) => order(a) - order(b)));
    expect(seen).toContain('awaiting-device-wipe');
    expect(seen.at(-1)).toBe('completed');
    expect(harness.okta.takeViolations()).toEqual([]);
  });
});

describe('refusals before any change', () => {
  it('refuses a member of a protected group with a non-retryable ProtectedAccount failure and changes nothing', async () => {
    const root = await harness.userId('root@example.com');
    const { handle } = await harness.start({ userId: root });
    const error = await handle.result().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'ProtectedAccount' });
    expect(await harness.mutations()).toEqual([]);
    await recordHistory('protected-group', handle);
  });

  it('refuses a protected user named by login', async () => {
    const breakglass = await harness.userId('breakglass@example.com');
    const { handle } = await harness.start({ userId: breakglass });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'ProtectedAccount' } });
    expect(await harness.mutations()).toEqual([]);
  });

  it('fails fast with UserNotFound for an unknown user, without retries', async () => {
    const { handle } = await harness.start({ userId: '00uDoesNotExist00001' });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'UserNotFound' } });
    const lookups = (await harness.admin.requests()).filter(
      (entry) => entry.path === '/api/v1/users/00uDoesNotExist00001',
    );
    expect(lookups).toHaveLength(1);
    expect(await harness.mutations()).toEqual([]);
  });
});

describe('one run per person', () => {
  it('answers the same start three times (an HR retry) with one run', async () => {
    const alice = await harness.userId('alice@example.com');
    const starts = await Promise.all(
      [1, 2, 3].map(() => harness.start({ userId: alice, correlationId: 'hr-evt-1', deviceWipeDelay: '1h' })),
    );
    expect(new Set(starts.map((start) => start.runId)).size).toBe(1);
    expect(starts.filter((start) => start.created)).toHaveLength(1);
    await starts[0]?.handle.signal(cancelSignal, { requestedBy: 'vitest' });
    await starts[0]?.handle.result();
  });
});

describe('users found in other statuses are offboarded all the same', () => {
  it.each(['SUSPENDED', 'LOCKED_OUT', 'PROVISIONED', 'PASSWORD_EXPIRED'] as const)('from %s', async (status) => {
    const org = standardOrg();
    const alice = org.users.find((user) => user.login === 'alice@example.com');
    if (alice) alice.status = status;
    await harness.seed(org);
    const id = await harness.userId('alice@example.com');
    const { handle } = await harness.start({ userId: id });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    const user = await oktaUser(harness, id);
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.oktaGroupNames).toEqual([]);
    expect(user.factors).toEqual([]);
    expect(user.sessions).toBe(0);
    const suspend = report.steps.find((step) => step.step === 'suspendUser');
    expect(suspend?.outcome).toBe(status === 'SUSPENDED' || status === 'PROVISIONED' ? 'not-needed' : 'skipped');
  });
});
