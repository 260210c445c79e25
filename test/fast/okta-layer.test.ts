// The Okta layer against Okta as it really behaves (okta/errors.ts, okta/lookups.ts, the bucket table): what a
// refusal becomes, how long a 429 waits when Okta's clock and the worker's differ, finding a group among
// hundreds of look-alikes, and that every activity runs on the queue of the bucket Okta charges for its call.
// Real Okta SDK clients against in-process emulators; activities through MockActivityEnvironment.
import { generateKeyPairSync } from 'node:crypto';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { startTestEmulator, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import { createActivities } from '../../activities';
import { DEFAULT_POLICY } from '../../activities/policy';
import { createOktaClient } from '../../okta/client';
import { changeOkta } from '../../okta/errors';
import { resolveGroupId } from '../../okta/lookups';
import { BUCKET_OF } from '../../workflows/okta-calls';
import { activityFailure, runActivity } from '../support/activities';
import { employee, standardOrg } from '../support/orgs';

const emulators: TestEmulator[] = [];
const LINKING_IDP = '0oaWorkforceIdp00001';
afterAll(async () => {
  for (const okta of emulators) {
    expect(okta.takeViolations()).toEqual([]);
    await okta.emulator.close();
  }
});

async function emulator(options: Parameters<typeof startTestEmulator>[0] = {}): Promise<TestEmulator> {
  const okta = await startTestEmulator(options);
  emulators.push(okta);
  return okta;
}

const sdk = (okta: TestEmulator) =>
  createOktaClient({ orgUrl: okta.url, auth: { kind: 'api-token', token: 'test-token' } });

async function idOf(okta: TestEmulator, kind: 'users' | 'groups' | 'apps', name: string): Promise<string> {
  const state = await okta.admin.state();
  const found = state[kind].find(
    (item) => ('login' in item ? item.login : 'label' in item ? item.label : item.name) === name,
  );
  if (!found?.id) throw new Error(`no ${kind} ${name}`);
  return found.id;
}

async function groupNamesOf(okta: TestEmulator, userId: string): Promise<string[]> {
  const state = await okta.admin.state();
  const names = new Map(state.groups.map((group) => [group.id, group.name]));
  return (state.users.find((user) => user.id === userId)?.groups ?? []).map((id) => names.get(id) ?? id);
}

/** What an Okta change that must fail leaves as: the Temporal failure `changeOkta` throws. */
const failureOf = (running: Promise<unknown>) => activityFailure(running);

describe('a refused change (403 E0000006) is OktaForbidden, naming the missing right, never a skip', () => {
  let okta: TestEmulator;
  let alice: string;
  let engineering: string;
  const clientId = '0oaoffboarder0000001';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    okta = await emulator();
    const org = standardOrg();
    // The service app was granted user scopes only: no okta.groups.manage.
    org.serviceApps = [
      {
        clientId,
        publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' },
        scopes: ['okta.users.read', 'okta.users.manage', 'okta.groups.read'],
      },
    ];
    await okta.admin.seed(org);
    alice = await idOf(okta, 'users', 'alice@example.com');
    engineering = await idOf(okta, 'groups', 'Engineering');
  });

  it('a token without the scope: the failure names the scope, is never retried, and the membership stays', async () => {
    const service = createOktaClient({
      orgUrl: okta.url,
      auth: {
        kind: 'service-app',
        clientId,
        privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        keyId: 'k1',
        scopes: ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage'],
      },
    });

    const failure = await failureOf(
      changeOkta('removeGroupMembership', () =>
        service.groupApi.unassignUserFromGroup({ groupId: engineering, userId: alice }),
      ),
    );

    expect(failure).toMatchObject({ type: 'OktaForbidden', nonRetryable: true });
    expect(failure.message).toMatch(/missing right: .*okta\.groups\.manage/);
    expect(await groupNamesOf(okta, alice)).toContain('Engineering');
  });

  it('an admin role Okta requires: the failure names it from Okta’s answer', async () => {
    await okta.admin.addFault({
      route: '/api/v1/groups/*/users/*',
      method: 'DELETE',
      status: 403,
      errorCode: 'E0000006',
      errorSummary: 'Only super admins can manage groups with administrative roles',
      count: 1,
    });

    const failure = await failureOf(
      changeOkta('removeGroupMembership', () =>
        sdk(okta).groupApi.unassignUserFromGroup({ groupId: engineering, userId: alice }),
      ),
    );

    expect(failure).toMatchObject({ type: 'OktaForbidden', nonRetryable: true });
    expect(failure.message).toContain('missing right: Only super admins can manage groups with administrative roles');
    expect(await groupNamesOf(okta, alice)).toContain('Engineering');
  });
});

describe('other refusals Okta gives for a change', () => {
  let okta: TestEmulator;

  beforeAll(async () => {
    okta = await emulator({ activationDelayMs: 60_000 });
  });

  it('403 E0000046 (a direct assignment a group also grants) is OktaAppHeldByGroup, and the assignment stays', async () => {
    await okta.admin.seed({
      ...standardOrg(),
      users: [employee('alice@example.com', { apps: [{ app: 'Jira', scope: 'USER' }] })],
      devices: [],
    });
    const [alice, jira] = [await idOf(okta, 'users', 'alice@example.com'), await idOf(okta, 'apps', 'Jira')];

    const failure = await failureOf(
      changeOkta('unassignApp', () =>
        sdk(okta).applicationApi.unassignUserFromApplication({ appId: jira, userId: alice }),
      ),
    );

    expect(failure).toMatchObject({ type: 'OktaAppHeldByGroup', nonRetryable: true });
    expect(failure.message).toMatch(/group memberships grant them access/);
    expect(await okta.client().applicationApi.getApplicationUser({ appId: jira, userId: alice })).toMatchObject({
      id: alice,
    });
  });

  it('409 E0000112 (the user is still being activated) is OktaUserActivating and retried', async () => {
    await okta.admin.seed({
      ...standardOrg(),
      users: [employee('alice@example.com', { status: 'DEPROVISIONED', groups: ['Everyone'], apps: [] })],
      devices: [],
    });
    const [alice, engineering] = [
      await idOf(okta, 'users', 'alice@example.com'),
      await idOf(okta, 'groups', 'Engineering'),
    ];
    await okta.client().userApi.activateUser({ userId: alice, sendEmail: false });

    const failure = await failureOf(
      changeOkta('addGroupMembership', () =>
        sdk(okta).groupApi.assignUserToGroup({ groupId: engineering, userId: alice }),
      ),
    );

    expect(failure).toMatchObject({
      type: 'OktaUserActivating',
      nonRetryable: false,
      category: ApplicationFailureCategory.BENIGN,
    });
    expect(await groupNamesOf(okta, alice)).not.toContain('Engineering');
  });
});

describe('a 429 waits until X-Rate-Limit-Reset by Okta’s clock (the answer’s Date), whatever the worker’s clock says', () => {
  it.each([
    ['30 s behind', -30_000],
    ['30 s ahead of', 30_000],
  ])('Okta’s clock %s the worker’s: the retry still waits the 30 s Okta asked for', async (_how, clockOffsetMs) => {
    const okta = await emulator({ clockOffsetMs });
    await okta.admin.seed({ ...standardOrg(), users: [employee('alice@example.com')], devices: [] });
    const alice = await idOf(okta, 'users', 'alice@example.com');
    await okta.admin.addFault({ route: '/api/v1/users/*/lifecycle/suspend', status: 429, resetAfterS: 30, count: 1 });
    const activities = createActivities(sdk(okta), DEFAULT_POLICY);

    const failure = await activityFailure(
      runActivity(activities.suspendUser, { userId: alice, knownStatus: 'ACTIVE' }),
    );

    expect(failure).toMatchObject({ type: 'OktaRateLimited', nonRetryable: false });
    // Reset and Date are whole seconds 30 s apart; up to half a second of jitter is added.
    expect(failure.nextRetryDelay).toBeGreaterThanOrEqual(29_000);
    expect(failure.nextRetryDelay).toBeLessThanOrEqual(31_500);
    expect((await okta.admin.state()).users.find((user) => user.id === alice)?.status).toBe('ACTIVE');
  });
});

describe('the offboarding group by name', () => {
  let okta: TestEmulator;
  const lookalikes = (n: number): Org['groups'] =>
    Array.from({ length: n }, (_, i) => ({
      name: `Offboarding ${String(i).padStart(3, '0')}`,
      type: 'OKTA_GROUP' as const,
    }));

  beforeAll(async () => {
    okta = await emulator();
  });

  it('is found behind 301 groups whose names start with it (Okta’s q stops at 300)', async () => {
    await okta.admin.seed({
      groups: [...lookalikes(301), { name: 'Offboarding', type: 'OKTA_GROUP' }],
      apps: [],
      users: [],
      devices: [],
    });

    expect(await resolveGroupId(sdk(okta), 'Offboarding')).toBe(await idOf(okta, 'groups', 'Offboarding'));
    expect(await resolveGroupId(sdk(okta), 'Offboarding 300')).toBe(await idOf(okta, 'groups', 'Offboarding 300'));
    expect(await resolveGroupId(sdk(okta), 'Offboard')).toBeUndefined();
  });

  it('is refused when two groups have that name: the id must be given', async () => {
    await okta.admin.seed({
      groups: [
        { name: 'Offboarding', type: 'OKTA_GROUP' },
        { name: 'Offboarding', type: 'OKTA_GROUP' },
      ],
      apps: [],
      users: [],
      devices: [],
    });

    const error = await resolveGroupId(sdk(okta), 'Offboarding').then(
      () => undefined,
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({
      type: 'OktaGroupNameAmbiguous',
      nonRetryable: true,
      message: expect.stringContaining('2 groups named Offboarding'),
    });
  });
});

describe('every activity runs on the queue of the bucket Okta charges for its call', () => {
  let okta: TestEmulator;

  beforeAll(async () => {
    okta = await emulator({ activationDelayMs: 0 });
    // An Org2Org IdP, as a linked org has one (activities/idps.ts).
    const identityProviders = [
      { id: LINKING_IDP, name: 'Workforce', users: [{ user: 'bob@example.com', externalId: 'x' }] },
    ];
    await okta.admin.seed({ ...standardOrg(), identityProviders });
  });

  it('in Okta’s published mapping, as the emulator classifies it', async () => {
    const state = await okta.admin.state();
    const alice = await idOf(okta, 'users', 'alice@example.com');
    const engineering = await idOf(okta, 'groups', 'Engineering');
    const slack = await idOf(okta, 'apps', 'Slack');
    const [laptop, ipad] = ['Laptop A1', 'Team iPad'].map(
      (name) => state.devices.find((device) => device.displayName === name)?.id ?? '',
    );
    const user = { userId: alice };
    // Deleted as the runbook deletes: after deactivation.
    const bob = await idOf(okta, 'users', 'bob@example.com');
    await okta.client().userApi.deactivateUser({ userId: bob, sendEmail: false });
    // In an order Okta accepts: reads, the lock-out, removals, deactivation, rehire, deletion.
    const calls: Array<[keyof typeof BUCKET_OF, unknown]> = [
      ['getUser', user],
      ['readUserStatus', user],
      ['listUserGroups', user],
      ['listAdminRoles', user],
      ['listOAuthClients', user],
      ['listAppLinks', user],
      ['listAssignedApps', user],
      ['listFactors', user],
      ['listUserDevices', user],
      ['listUserGrants', user],
      ['listGroupRules', { groupIds: [engineering] }],
      ['resolveOffboardingGroup', { group: 'Offboarding' }],
      ['readOffboardingGroupAdds', { groupId: engineering, since: new Date(Date.now() - 60_000).toISOString() }],
      ['getAppAssignment', { appId: slack, label: 'Slack', userId: alice }],
      ['listOtherDeviceUsers', { deviceId: ipad, userId: alice }],
      ['readDeviceHolders', { deviceId: ipad, userId: alice }],
      ['getDevice', { deviceId: laptop }],
      ['readAccessTokenLifetime', undefined],
      ['findLinkedUsersByIdp', { idpId: LINKING_IDP, externalId: 'x' }],
      ['findLinkedUsersByAttribute', { attribute: 'workforceId', value: 'x' }],
      ['suspendUser', { userId: alice, knownStatus: 'ACTIVE' }],
      ['revokeSessions', user],
      ['revokeGrants', user],
      ['revokeClientTokens', { userId: alice, clientId: '0oaCliTool000000001a' }],
      ['resetFactors', user],
      ['removeGroupMembership', { groupId: engineering, userId: alice }],
      ['unassignApp', { appId: slack, userId: alice }],
      ['deactivateDevice', { deviceId: laptop }],
      ['deleteDevice', { deviceId: laptop }],
      ['deactivateUser', { userId: alice, knownStatus: 'SUSPENDED' }],
      ['restoreUser', user],
      ['addGroupMembership', { groupId: engineering, userId: alice }],
      ['assignApp', { appId: slack, userId: alice }],
      ['deleteUser', { userId: bob }],
    ];
    const activities = createActivities(sdk(okta), {
      ...DEFAULT_POLICY,
      offboardingGroup: 'Offboarding',
    }) as unknown as Record<string, (args: unknown) => Promise<unknown>>;
    const oktaActivities = Object.entries(BUCKET_OF)
      .filter(([, bucket]) => bucket !== 'worker')
      // The notifications' reads need a configured channel to deliver to: test/fast/notify-activity.test.ts charges them.
      .filter(([name]) => name !== 'notifyMilestone' && name !== 'notifyDrift')
      // The drift watch's System Log read needs its archive: test/e2e/drift-watch.test.ts counts its logs-bucket calls.
      .filter(([name]) => name !== 'readDriftEvents')
      .map(([name]) => name);
    expect(calls.map(([name]) => name).sort(), 'every activity that calls Okta is checked').toEqual(
      oktaActivities.sort(),
    );

    const charged: Record<string, string[]> = {};
    for (const [name, args] of calls) {
      await okta.admin.clearRequests();
      await runActivity(activities[name]!, args);
      // A lifecycle change that first learns the status reads the user itself (users-get); every other call is the activity's own.
      const own = (await okta.admin.requests()).filter(
        (entry) => BUCKET_OF[name] === 'users-get' || !(entry.method === 'GET' && entry.bucket === 'users-get'),
      );
      charged[name] = [...new Set(own.map((entry) => entry.bucket))];
    }

    expect(charged).toEqual(Object.fromEntries(calls.map(([name]) => [name, [BUCKET_OF[name]]])));
  });
});
