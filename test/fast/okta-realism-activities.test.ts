// Activities against Okta as it really behaves (packages/okta-emulator/docs/okta-behaviour.md): a
// deactivation still in progress is not done, a SUSPENDED co-holder keeps a shared device, and a 404 for
// a deactivated user's factors, grants, OAuth clients, devices or app links is a failure to read, never "none".
import { describe, expect, it } from 'vitest';
import { activityFailure, runActivity, useActivityHarness, type ActivityHarness } from '../support/activities';

let harness: ActivityHarness;
useActivityHarness((started) => (harness = started));

const org = () => ({
  groups: [],
  apps: [],
  users: [
    {
      login: 'leaver@example.com',
      status: 'ACTIVE' as const,
      factors: [{ factorType: 'push', provider: 'OKTA', status: 'ACTIVE' }],
    },
    { login: 'on-leave@example.com', status: 'SUSPENDED' as const },
  ],
  devices: [
    {
      displayName: 'Shared Mac',
      platform: 'MACOS',
      status: 'ACTIVE' as const,
      users: ['leaver@example.com', 'on-leave@example.com'],
    },
  ],
});

describe('against Okta as it behaves', () => {
  it('a deactivation Okta has not finished is neither read as DEPROVISIONED nor counted as done', async () => {
    await harness.seed(org());
    const userId = await harness.userId('leaver@example.com');
    expect(await runActivity(harness.activities.readUserStatus, { userId })).toBe('ACTIVE'); // a warm client: Okta's window is short
    // Another admin's asynchronous deactivation: Okta shows transitioningToStatus DEPROVISIONED for a moment.
    const response = await fetch(`${harness.okta.url}/api/v1/users/${userId}/lifecycle/deactivate`, {
      method: 'POST',
      headers: { Authorization: 'SSWS test-token', Accept: 'application/json', Prefer: 'respond-async' },
    });
    expect(response.status).toBe(200);
    const [status, failure] = await Promise.all([
      runActivity(harness.activities.readUserStatus, { userId }),
      activityFailure(runActivity(harness.activities.deactivateUser, { userId })),
    ]);
    expect(status).toBe('ACTIVE (DEACTIVATING)');
    expect(failure).toMatchObject({ type: 'OktaUserDeactivating' });
    expect(failure.nonRetryable).toBeFalsy();
  });

  it('a device shared with a SUSPENDED colleague still has a holder', async () => {
    await harness.seed(org());
    const userId = await harness.userId('leaver@example.com');
    const colleague = await harness.userId('on-leave@example.com');
    const deviceId = (await harness.admin.state()).devices[0]?.id ?? '';
    expect(await runActivity(harness.activities.listOtherDeviceUsers, { deviceId, userId })).toEqual([colleague]);
    expect(await runActivity(harness.activities.readDeviceHolders, { deviceId, userId })).toEqual({
      gone: false,
      others: [colleague],
    });
  });

  it('a device a co-holder deleted reads as gone, not as one without holders', async () => {
    await harness.seed(org());
    const userId = await harness.userId('leaver@example.com');
    const deviceId = (await harness.admin.state()).devices[0]?.id ?? '';
    await runActivity(harness.activities.deactivateDevice, { deviceId });
    await runActivity(harness.activities.deleteDevice, { deviceId });
    expect(await runActivity(harness.activities.readDeviceHolders, { deviceId, userId })).toEqual({
      gone: true,
      others: [],
    });
  });

  it("a deactivated user's factors are a failure to read, not an empty list", async () => {
    await harness.seed(org());
    const userId = await harness.userId('leaver@example.com');
    await runActivity(harness.activities.deactivateUser, { userId, knownStatus: 'ACTIVE' });
    const failure = await activityFailure(runActivity(harness.activities.listFactors, { userId }));
    expect(failure.message).toMatch(/404/);
    expect((await harness.admin.state()).users.find((user) => user.id === userId)?.factors).toHaveLength(1);
  });

  // What Okta hides once a user is deactivated cannot be verified then: each read fails, so the check after
  // deactivation never counts one as "nothing left" (the runbook checks them before the deactivation).
  it.each(['listUserGrants', 'listOAuthClients', 'listUserDevices', 'listAppLinks'] as const)(
    "a deactivated user's %s is a failure to read, not an empty list",
    async (read) => {
      await harness.seed(org());
      const userId = await harness.userId('leaver@example.com');
      await runActivity(harness.activities.deactivateUser, { userId, knownStatus: 'ACTIVE' });
      const failure = await activityFailure(
        runActivity(harness.activities[read] as (args: { userId: string }) => Promise<unknown>, { userId }),
      );
      expect(failure.message).toMatch(/404/);
    },
  );
});
