// The runbook against Okta as it really behaves (packages/okta-emulator/docs/okta-behaviour.md): a
// policy-hidden factor, a provisioning-only app with a required app-user profile attribute, an app held
// directly and through Everyone, a device shared with a SUSPENDED colleague, and a person in each
// starting status; offboarded, then rehired while Okta activates asynchronously.
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Org, UserStatus } from '@okta-offboarding/okta-emulator';
import { rehireWorkflowId, retryUpdate, type OffboardingReport } from '../../workflows/definitions';
import type { rehireUser } from '../../workflows/rehire-user';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { recordHistory } from '../support/temporal';
import { readAll } from '../../okta/errors';

let harness: OffboardingHarness;
useHarness({ policy: TEST_POLICY }, (started) => (harness = started));

const STATUSES: UserStatus[] = [
  'ACTIVE',
  'SUSPENDED',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'RECOVERY',
  'PROVISIONED',
  'STAGED',
];
/**
 * What rehire brings each status back to: as the run found it. Okta's activation makes a user with a password
 * ACTIVE and one without PROVISIONED, and has no way back to STAGED; the transient sign-in states end as ACTIVE.
 */
const RESTORED_AS: Record<string, UserStatus> = {
  ACTIVE: 'ACTIVE',
  SUSPENDED: 'SUSPENDED',
  LOCKED_OUT: 'ACTIVE',
  PASSWORD_EXPIRED: 'ACTIVE',
  RECOVERY: 'ACTIVE',
  PROVISIONED: 'PROVISIONED',
  STAGED: 'PROVISIONED',
};
const login = (status: UserStatus) => `${status.toLowerCase()}@example.com`;
const costCenter = (status: UserStatus) => `CC-${status}`;

function realisticOrg(): Org {
  return {
    factorEnrollmentPolicy: { sms: 'NOT_ALLOWED' },
    authorizationServers: [
      {
        name: 'default',
        audiences: ['api://default'],
        policies: [{ name: 'Default Policy', rules: [{ name: 'Partners', accessTokenLifetimeMinutes: 240 }] }],
      },
    ],
    groups: [
      { name: 'Everyone', type: 'BUILT_IN', apps: ['Wiki'] },
      { name: 'Engineering', type: 'OKTA_GROUP' },
    ],
    apps: [{ label: 'Payroll', hideLink: true, requiredProfile: ['costCenter'] }, { label: 'Wiki' }],
    users: [
      ...STATUSES.map((status) => ({
        login: login(status),
        status,
        profile: { firstName: status, lastName: 'Tester', email: login(status) },
        groups: ['Everyone', 'Engineering'],
        apps: [
          { app: 'Payroll', scope: 'USER' as const, profile: { costCenter: costCenter(status) } },
          { app: 'Wiki', scope: 'USER' as const },
        ],
        factors: [{ factorType: 'sms', provider: 'OKTA', status: 'ACTIVE' }],
      })),
      { login: 'colleague@example.com', status: 'SUSPENDED', groups: ['Everyone'] },
    ],
    devices: STATUSES.map((status) => ({
      displayName: `Laptop ${status}`,
      platform: 'MACOS',
      status: 'ACTIVE' as const,
      users: [login(status), 'colleague@example.com'],
    })),
  };
}

/** The activities of a run that needed more than one attempt, by their type. */
async function retriedActivities(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map(
    events
      .filter((event) => event.activityTaskScheduledEventAttributes)
      .map((event) => [String(event.eventId), event.activityTaskScheduledEventAttributes?.activityType?.name ?? '']),
  );
  return events
    .filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)
    .map((event) => typeOf.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId)) ?? '?');
}

describe('a person in each starting status, in an org that behaves like Okta', () => {
  it('is offboarded with nothing left, then rehired with groups, direct apps and their profiles, the shared device kept', async () => {
    await harness.seed(realisticOrg());
    const ids = new Map<UserStatus, string>();
    for (const status of STATUSES) ids.set(status, await harness.userId(login(status)));
    const idOf = (status: UserStatus) => ids.get(status) ?? '';

    // The factor is hidden by policy: Okta's list is empty while the factor exists.
    const sdk = harness.okta.client();
    const listed = [];
    for await (const factor of await sdk.userFactorApi.listFactors({ userId: idOf('ACTIVE') })) listed.push(factor);
    expect(listed).toEqual([]);

    const runs = await Promise.all(STATUSES.map((status) => harness.start({ userId: idOf(status) })));
    const reports: OffboardingReport[] = await Promise.all(runs.map((run) => run.handle.result()));
    await recordHistory('okta-realism-offboard', runs[0]!.handle);
    await recordHistory('okta-realism-offboard-locked-out', runs[STATUSES.indexOf('LOCKED_OUT')]!.handle);

    const state = await harness.admin.state();
    const payroll = state.apps.find((app) => app.label === 'Payroll')?.id ?? '';
    const colleague = await harness.userId('colleague@example.com');
    expect(String((await sdk.userApi.getUser({ userId: colleague })).status)).toBe('SUSPENDED');
    for (const [index, status] of STATUSES.entries()) {
      const report = reports[index]!;
      const userId = idOf(status);
      expect(report.outcome, status).toBe('completed');
      // Access tokens issued before the lock stay valid to apps that validate them locally: the report says how long.
      expect(report.accessTokens, status).toMatchObject({ longestMinutes: 240, read: true });
      const lockEnd = Math.max(
        ...report.steps.filter((step) => step.phase === 'locking').map((step) => Date.parse(step.finishedAt ?? '')),
      );
      expect(Date.parse(report.accessTokens?.validUntil ?? '') - lockEnd, status).toBeGreaterThanOrEqual(240 * 60_000);
      const user = await oktaUser(harness, userId);
      expect(user.status, status).toBe('DEPROVISIONED');
      expect(user.factors, `${status}: the policy-hidden factor is reset`).toEqual([]);
      expect(user.oktaGroupNames, status).toEqual([]);
      expect(user.directApps, status).toEqual([]);
      expect(user.allDevices, `${status}: the device shared with a SUSPENDED colleague is kept`).toContain(
        `Laptop ${status}:ACTIVE`,
      );

      // Okta's own answers, through the SDK: deactivated, in no group of its own, no app listed, and the
      // laptop still held by the SUSPENDED colleague, who is still SUSPENDED.
      expect(String((await sdk.userApi.getUser({ userId })).status)).toBe('DEPROVISIONED');
      const assigned = await readAll(await sdk.applicationApi.listApplications({ filter: `user.id eq "${userId}"` }));
      expect(assigned).toEqual([]);
      const groups = await readAll(await sdk.userApi.listUserGroups({ userId }));
      expect(
        groups.filter((group) => group.type === 'OKTA_GROUP'),
        status,
      ).toEqual([]);
      const laptop = state.devices.find((device) => device.displayName === `Laptop ${status}`)?.id ?? '';
      const holders = await readAll(await sdk.deviceApi.listDeviceUsers({ deviceId: laptop }));
      expect(holders.map((holder) => holder.user?.id).sort(), status).toEqual([colleague, userId].sort());
      expect(String((await sdk.deviceApi.getDevice({ deviceId: laptop })).status), status).toBe('ACTIVE');

      // The provisioning-only app was found, and snapshotted with its app-user profile.
      expect(report.snapshot?.apps.find((app) => app.id === payroll)).toMatchObject({
        scope: 'USER',
        profile: { costCenter: costCenter(status) },
      });
      const wiki = report.steps.find((step) => step.step === 'unassignApp')?.items.find((item) => item.id !== payroll);
      const suspendable = status === 'ACTIVE' || status === 'SUSPENDED';
      // No unassignment is sent: the suspendable go with the deactivation that follows (even an app Everyone also
      // grants, which Okta would refuse to unassign), the others were deactivated in the lock phase.
      expect(wiki?.reason, status).toMatch(
        suspendable ? /left to the deactivation/ : /removed with the deactivation in the lock phase/,
      );
      expect(wiki?.outcome, status).toBe('not-needed');
      const deactivation = report.steps.find((step) => step.step === 'deactivateUser');
      expect(deactivation?.phase, `${status} cannot sign in once the lock phase ends`).toBe(
        suspendable ? 'deactivating' : 'locking',
      );
    }

    for (const status of STATUSES) {
      const userId = idOf(status);
      const rehire = await harness.client.workflow.start<typeof rehireUser>('rehireUser', {
        taskQueue: harness.taskQueue,
        workflowId: rehireWorkflowId(userId),
        args: [{ userId, requestedBy: 'hr' }],
      });
      const report = await rehire.result();
      if (status === 'ACTIVE') await recordHistory('okta-realism-rehire', rehire);
      // The groups and apps wait for Okta's asynchronous activation instead of racing it into 409 E0000112.
      expect(await retriedActivities(rehire), `${status}: nothing retried`).toEqual([]);
      expect(
        report.steps
          .flatMap((step) => step.items)
          .filter((item) => item.outcome === 'failed' || item.outcome === 'skipped'),
      ).toEqual([]);
    }

    const after = await harness.admin.state();
    for (const status of STATUSES) {
      const userId = idOf(status);
      const user = await oktaUser(harness, userId);
      expect(user.status, `${status}: back as the run found it, as near as Okta allows`).toBe(RESTORED_AS[status]);
      expect(user.oktaGroupNames, status).toEqual(['Engineering']);
      expect(user.directApps, status).toEqual(['Payroll', 'Wiki']);
      const apps = after.users.find((candidate) => candidate.id === userId)?.apps ?? [];
      expect(apps.find((app) => app.app === payroll)?.profile, status).toEqual({ costCenter: costCenter(status) });
      expect(user.devices, status).toContain(`Laptop ${status}:ACTIVE`);

      // The same, as Okta answers it through the SDK.
      expect(String((await sdk.userApi.getUser({ userId })).status), status).toBe(RESTORED_AS[status]);
      const groups = await readAll(await sdk.userApi.listUserGroups({ userId }));
      expect(groups.filter((group) => group.type === 'OKTA_GROUP').map((group) => group.profile?.name)).toEqual([
        'Engineering',
      ]);
      const assigned = await readAll(await sdk.applicationApi.listApplications({ filter: `user.id eq "${userId}"` }));
      expect(assigned.map((app) => app.label).sort(), status).toEqual(['Payroll', 'Wiki']);
      const appUser = await sdk.applicationApi.getApplicationUser({ appId: payroll, userId });
      expect(appUser.scope, status).toBe('USER');
      expect(appUser.profile, status).toMatchObject({ costCenter: costCenter(status) });
      const devices = await readAll(await sdk.userApi.listUserDevices({ userId }));
      expect(
        devices.map((entry) => entry.device?.profile?.displayName),
        status,
      ).toEqual([`Laptop ${status}`]);
      expect(String((await sdk.userApi.getUser({ userId: colleague })).status)).toBe('SUSPENDED');
    }
  });
});

describe('an app whose assignment Okta still lists after the deactivation', () => {
  // Okta documents that deactivation deprovisions every assigned app, not what its app listing answers after it
  // (packages/okta-emulator/docs/okta-behaviour.md §18): the runbook must be right either way.
  it('is unassigned by the check after the deactivation, which then passes; rehire assigns it again', async () => {
    await harness.seed({
      groups: [{ name: 'Everyone', type: 'BUILT_IN' }],
      apps: [{ label: 'Ledger', keepsAssignmentOnDeactivation: true }, { label: 'Wiki' }],
      users: [
        {
          login: 'leaver@example.com',
          status: 'ACTIVE',
          groups: ['Everyone'],
          apps: [
            { app: 'Ledger', scope: 'USER', profile: { seat: 'L-7' } },
            { app: 'Wiki', scope: 'USER' },
          ],
        },
      ],
      devices: [],
    });
    const userId = await harness.userId('leaver@example.com');
    const ledger = (await harness.admin.state()).apps.find((app) => app.label === 'Ledger')?.id ?? '';

    const { handle } = await harness.start({ userId });
    const report = await handle.result();
    await recordHistory('app-still-listed-after-deactivation', handle);
    expect(report.outcome).toBe('completed');
    const sweep = report.steps.find((step) => step.step === 'unassignApp' && step.phase === 'deactivating');
    expect(sweep?.items).toEqual([expect.objectContaining({ id: ledger, outcome: 'done', kind: 'app' })]);
    // One verification, passed: no failed step before the sweep.
    const verifications = report.steps.filter((step) => step.step === 'verifyAccess');
    expect(verifications).toHaveLength(1);
    expect(verifications[0]).toMatchObject({ outcome: 'done' });
    expect(verifications[0]?.reason).toMatch(/after unassigning the direct apps Okta still listed/);
    expect(report.steps.flatMap((step) => step.items).filter((item) => item.outcome === 'failed')).toEqual([]);

    // Okta's state: deactivated with no app, the unassignment sent after the deactivation.
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'DEPROVISIONED', directApps: [] });
    const writes = (await harness.mutations(userId)).map((entry) => `${entry.method} ${entry.path}`);
    const deactivated = writes.indexOf(`POST /api/v1/users/${userId}/lifecycle/deactivate`);
    expect(deactivated).toBeGreaterThanOrEqual(0);
    expect(writes.indexOf(`DELETE /api/v1/apps/${ledger}/users/${userId}`)).toBeGreaterThan(deactivated);
    const sdk = harness.okta.client();
    expect(await readAll(await sdk.applicationApi.listApplications({ filter: `user.id eq "${userId}"` }))).toEqual([]);

    const rehire = await harness.client.workflow.start<typeof rehireUser>('rehireUser', {
      taskQueue: harness.taskQueue,
      workflowId: rehireWorkflowId(userId),
      args: [{ userId, requestedBy: 'hr' }],
    });
    await rehire.result();
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'ACTIVE', directApps: ['Ledger', 'Wiki'] });
    const appUser = await sdk.applicationApi.getApplicationUser({ appId: ledger, userId });
    expect(appUser.profile).toMatchObject({ seat: 'L-7' });
  });
});

describe('a factor that survives its reset', () => {
  // Okta hides a deactivated user's factors (404), so the check that none is left runs before the deactivation.
  it('is found by the check before deactivation, which parks the run with the user still suspended; retry completes', async () => {
    await harness.seed({
      groups: [{ name: 'Everyone', type: 'BUILT_IN' }],
      apps: [],
      users: [
        {
          login: 'leaver@example.com',
          status: 'ACTIVE',
          groups: ['Everyone'],
          factors: [{ factorType: 'push', provider: 'OKTA', status: 'ACTIVE' }],
        },
      ],
      devices: [],
    });
    const userId = await harness.userId('leaver@example.com');
    // Okta answers the reset, but the factor stays (a reset lost on Okta's side, or a factor enrolled right after it).
    const lost = await harness.admin.addFault({
      route: `/api/v1/users/${userId}/lifecycle/reset_factors`,
      method: 'POST',
      status: 200,
    });
    const { handle } = await harness.start({ userId });
    const parked = await harness.waitForStatus(handle, (status) => status.phase === 'needs-attention', 60_000);
    expect(parked.attention?.message).toMatch(/still grant access: factor/);
    expect(parked.steps.find((step) => step.step === 'verifyRevoked')?.outcome).toBe('failed');
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'SUSPENDED', factors: [expect.anything()] });

    await harness.admin.removeFault(lost);
    await handle.executeUpdate(retryUpdate, { args: [{ requestedBy: 'on-call' }] });
    expect((await handle.result()).outcome).toBe('completed');
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'DEPROVISIONED', factors: [] });
  });
});
