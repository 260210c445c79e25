// Groups, group rules, apps, OAuth grants and tokens, and devices through the real Okta SDK.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@okta/okta-sdk-nodejs';
import { fixtureOrg, IDS } from './fixtures';
import { all, failure, startTestEmulator, type TestEmulator } from '../src/testing/harness';

let t: TestEmulator;
let okta: Client;

beforeAll(async () => {
  t = await startTestEmulator();
  okta = t.client();
});
afterAll(async () => t.emulator.close());
beforeEach(async () => t.admin.seed(fixtureOrg()));
afterEach(() => expect(t.takeViolations()).toEqual([]));

describe('groups', () => {
  it("lists a user's groups with their type, Everyone included", async () => {
    const groups = await all(okta.userApi.listUserGroups({ userId: IDS.alice }));
    expect(groups.map((g) => [g.profile?.name, g.type])).toEqual([
      ['Everyone', 'BUILT_IN'],
      ['Engineering', 'OKTA_GROUP'],
      ['AD Users', 'APP_GROUP'],
    ]);
  });

  it("answers 404 at iteration time for an unknown user's groups", async () => {
    const col = await okta.userApi.listUserGroups({ userId: 'nobody' });
    const err = await failure(all(col));
    expect(err.status).toBe(404);
  });

  it('adds to an OKTA_GROUP (204, idempotent) and removes from it (204, also when not a member)', async () => {
    await expect(okta.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.alice })).resolves.toBeUndefined();
    await okta.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.alice });
    const members = await all(okta.groupApi.listGroupUsers({ groupId: IDS.sales }));
    expect(members.map((u) => u.id)).toEqual([IDS.bob, IDS.alice]);
    await okta.groupApi.unassignUserFromGroup({ groupId: IDS.sales, userId: IDS.alice });
    await expect(
      okta.groupApi.unassignUserFromGroup({ groupId: IDS.sales, userId: IDS.alice }),
    ).resolves.toBeUndefined();
  });

  it('refuses membership changes of APP_GROUP and BUILT_IN groups with 403 E0000006, and adding to Everyone with 501 E0000060', async () => {
    const app = await failure(okta.groupApi.unassignUserFromGroup({ groupId: IDS.adUsers, userId: IDS.alice }));
    expect([app.status, app.errorCode]).toEqual([403, 'E0000006']);
    const everyone = await failure(okta.groupApi.unassignUserFromGroup({ groupId: IDS.everyone, userId: IDS.alice }));
    expect([everyone.status, everyone.errorCode]).toEqual([403, 'E0000006']);
    const addApp = await failure(okta.groupApi.assignUserToGroup({ groupId: IDS.adUsers, userId: IDS.bob }));
    expect([addApp.status, addApp.errorCode]).toEqual([403, 'E0000006']);
    const addEveryone = await failure(okta.groupApi.assignUserToGroup({ groupId: IDS.everyone, userId: IDS.bob }));
    expect([addEveryone.status, addEveryone.errorCode, addEveryone.errorSummary]).toEqual([
      501,
      'E0000060',
      'Unsupported operation.',
    ]);
  });

  it("removing a rule-managed member succeeds and puts the user on the rule's exclusion list", async () => {
    await okta.groupApi.unassignUserFromGroup({ groupId: IDS.engineering, userId: IDS.alice });
    const rules = await all(okta.groupApi.listGroupRules());
    expect(rules).toHaveLength(1);
    expect(rules[0]?.actions?.assignUserToGroups?.groupIds).toEqual([IDS.engineering]);
    expect(rules[0]?.conditions?.people?.users?.exclude).toEqual([IDS.alice]);
  });

  it('creates, gets, lists with q/filter/search, and deletes groups', async () => {
    const created = await okta.groupApi.createGroup({
      group: { profile: { name: 'Contractors', description: 'Temps' } },
    });
    expect(created.type).toBe('OKTA_GROUP');
    expect((await okta.groupApi.getGroup({ groupId: created.id as string })).profile?.name).toBe('Contractors');
    expect((await all(okta.groupApi.listGroups({ q: 'Contr' }))).map((g) => g.id)).toEqual([created.id]);
    expect((await all(okta.groupApi.listGroups({ filter: 'type eq "APP_GROUP"' }))).map((g) => g.id)).toEqual([
      IDS.adUsers,
    ]);
    expect((await all(okta.groupApi.listGroups({ search: 'profile.name sw "Off"' }))).map((g) => g.id)).toEqual([
      IDS.offboarding,
    ]);
    await expect(okta.groupApi.deleteGroup({ groupId: created.id as string })).resolves.toBeUndefined();
    const gone = await failure(okta.groupApi.getGroup({ groupId: created.id as string }));
    expect([gone.status, gone.errorCode]).toEqual([404, 'E0000007']);
  });

  it('answers a q query in one page of at most 300 groups, while search pages through every match', async () => {
    const org = fixtureOrg();
    for (let i = 0; i < 320; i++) org.groups.push({ name: `Team ${i}`, type: 'OKTA_GROUP' });
    await t.admin.seed(org);
    await t.admin.clearRequests();
    const queried = await all(okta.groupApi.listGroups({ q: 'Team' }));
    expect(queried).toHaveLength(300);
    expect((await t.admin.requests()).filter((r) => r.path === '/api/v1/groups')).toHaveLength(1);
    await t.admin.clearRequests();
    const searched = await all(okta.groupApi.listGroups({ search: 'profile.name sw "Team"', limit: 100 }));
    expect(new Set(searched.map((g) => g.id)).size).toBe(320);
    expect((await t.admin.requests()).filter((r) => r.path === '/api/v1/groups')).toHaveLength(4);
    const one = await all(okta.groupApi.listGroups({ search: 'profile.name eq "Team 7" and type eq "OKTA_GROUP"' }));
    expect(one.map((g) => g.profile?.name)).toEqual(['Team 7']);
    expect((await all(okta.groupApi.listGroups({ search: `id eq "${IDS.sales}"` }))).map((g) => g.id)).toEqual([
      IDS.sales,
    ]);
    const byName = await failure(all(okta.groupApi.listGroups({ filter: 'profile.name eq "Sales"' })));
    expect([byName.status, byName.errorCode]).toEqual([400, 'E0000031']);
  });

  it('pages through group members', async () => {
    const org = fixtureOrg();
    for (let i = 0; i < 12; i++)
      org.users.push({ login: `sales${i}@example.com`, status: 'ACTIVE', groups: ['Sales'] });
    await t.admin.seed(org);
    const members = await all(okta.groupApi.listGroupUsers({ groupId: IDS.sales, limit: 5 }));
    expect(members).toHaveLength(13);
  });
});

describe('apps', () => {
  it('lists app links for direct and group assignments', async () => {
    const links = await all(okta.userApi.listAppLinks({ userId: IDS.alice }));
    expect(links.map((l) => l.label).sort()).toEqual(['GitHub', 'Salesforce', 'Slack']);
    expect(links.every((l) => l.appInstanceId && l.appAssignmentId)).toBe(true);
  });

  it('lists app users with scope USER or GROUP and gets one', async () => {
    const sf = await all(okta.applicationApi.listApplicationUsers({ appId: IDS.salesforce }));
    expect(sf.map((u) => [u.id, u.scope])).toEqual([[IDS.alice, 'USER']]);
    const gh = await okta.applicationApi.getApplicationUser({ appId: IDS.github, userId: IDS.alice });
    expect(gh.scope).toBe('GROUP');
    const none = await failure(okta.applicationApi.getApplicationUser({ appId: IDS.salesforce, userId: IDS.bob }));
    expect(none.status).toBe(404);
  });

  it('refuses with 403 E0000046 to unassign a user who holds the app directly (scope USER) while a group also grants it', async () => {
    const direct = await okta.applicationApi.assignUserToApplication({
      appId: IDS.github,
      appUser: { id: IDS.alice, scope: 'USER' },
    });
    expect(direct.scope).toBe('USER');
    expect((await okta.applicationApi.getApplicationUser({ appId: IDS.github, userId: IDS.alice })).scope).toBe('USER');
    const err = await failure(
      okta.applicationApi.unassignUserFromApplication({ appId: IDS.github, userId: IDS.alice }),
    );
    expect([err.status, err.errorCode, err.errorCauses?.[0]?.errorSummary]).toEqual([
      403,
      'E0000046',
      'The application cannot be unassigned from the user while their group memberships grant them access',
    ]);
    await okta.groupApi.unassignUserFromGroup({ groupId: IDS.engineering, userId: IDS.alice });
    await expect(
      okta.applicationApi.unassignUserFromApplication({ appId: IDS.github, userId: IDS.alice }),
    ).resolves.toBeUndefined();
    const alice = (await t.admin.state()).users.find((u) => u.id === IDS.alice);
    expect(alice?.apps?.map((a) => a.app)).not.toContain(IDS.github);
  });

  it('refuses an assignment without a required app-profile attribute with 400 E0000001 naming it; unassignment loses the profile', async () => {
    const org = fixtureOrg();
    org.apps.push({ id: IDS.workday, label: 'Workday', requiredProfile: ['role', 'costCenter'] });
    await t.admin.seed(org);
    const missing = await failure(
      okta.applicationApi.assignUserToApplication({
        appId: IDS.workday,
        appUser: { id: IDS.bob, scope: 'USER', profile: { role: 'analyst' } },
      }),
    );
    expect([missing.status, missing.errorCode, missing.errorSummary]).toEqual([
      400,
      'E0000001',
      'Api validation failed: assignment',
    ]);
    expect(missing.errorCauses?.map((c) => c.errorSummary)).toEqual(['costCenter: The field cannot be left blank']);
    const profile = { role: 'analyst', costCenter: 'CC-42' };
    const assigned = await okta.applicationApi.assignUserToApplication({
      appId: IDS.workday,
      appUser: { id: IDS.bob, scope: 'USER', profile },
    });
    expect(assigned.profile).toEqual(profile);
    expect((await okta.applicationApi.getApplicationUser({ appId: IDS.workday, userId: IDS.bob })).profile).toEqual(
      profile,
    );
    expect((await t.admin.state()).users.find((u) => u.id === IDS.bob)?.apps).toContainEqual({
      app: IDS.workday,
      scope: 'USER',
      profile,
    });
    await okta.applicationApi.unassignUserFromApplication({ appId: IDS.workday, userId: IDS.bob });
    const again = await failure(
      okta.applicationApi.assignUserToApplication({ appId: IDS.workday, appUser: { id: IDS.bob, scope: 'USER' } }),
    );
    expect(again.errorCauses?.map((c) => c.errorSummary)).toEqual([
      'role: The field cannot be left blank',
      'costCenter: The field cannot be left blank',
    ]);
  });

  it("lists a user's whole app inventory with filter=user.id, hidden-link apps included and the app user embedded; appLinks leaves those out", async () => {
    const org = fixtureOrg();
    org.apps.push({ id: IDS.workday, label: 'Workday', hideLink: true, requiredProfile: ['role'] });
    org.apps.push({ id: IDS.scim, label: 'SCIM directory', hideLink: true });
    const engineering = org.groups.find((g) => g.id === IDS.engineering);
    engineering?.apps?.push(IDS.scim);
    const alice = org.users.find((u) => u.id === IDS.alice);
    alice?.apps?.push({ app: IDS.workday, scope: 'USER', profile: { role: 'engineer' } });
    await t.admin.seed(org);
    await t.admin.clearRequests();
    const apps = await all(
      okta.applicationApi.listApplications({
        filter: `user.id eq "${IDS.alice}"`,
        expand: `user/${IDS.alice}`,
        limit: 2,
      }),
    );
    expect(apps.map((a) => a.label).sort()).toEqual(['GitHub', 'SCIM directory', 'Salesforce', 'Slack', 'Workday']);
    expect((await t.admin.requests()).filter((r) => r.path === '/api/v1/apps')).toHaveLength(3);
    const embedded = (label: string) =>
      apps.find((a) => a.label === label)?._embedded?.user as Record<string, unknown> | undefined;
    expect([
      embedded('Workday')?.['id'],
      embedded('Workday')?.['scope'],
      embedded('Workday')?.['status'],
      embedded('Workday')?.['profile'],
    ]).toEqual([IDS.alice, 'USER', 'ACTIVE', { role: 'engineer' }]);
    expect([embedded('SCIM directory')?.['scope'], embedded('Slack')?.['scope']]).toEqual(['GROUP', 'GROUP']);
    expect(apps.find((a) => a.label === 'Workday')?.visibility?.hide?.web).toBe(true);
    const links = await all(okta.userApi.listAppLinks({ userId: IDS.alice }));
    expect(links.map((l) => l.label).sort()).toEqual(['GitHub', 'Salesforce', 'Slack']);
    const bad = await failure(all(okta.applicationApi.listApplications({ expand: `user/${IDS.alice}` })));
    expect([bad.status, bad.errorCode]).toEqual([400, 'E0000031']);
  });

  it('after a deactivation lists no direct assignment, but one to an app seeded keepsAssignmentOnDeactivation, which can then be unassigned', async () => {
    const org = fixtureOrg();
    org.apps.push({ id: IDS.workday, label: 'Workday', keepsAssignmentOnDeactivation: true });
    org.users.find((u) => u.id === IDS.alice)?.apps?.push({ app: IDS.workday, scope: 'USER' });
    await t.admin.seed(org);
    await okta.userApi.deactivateUser({ userId: IDS.alice });
    const listed = async () =>
      (await all(okta.applicationApi.listApplications({ filter: `user.id eq "${IDS.alice}"` }))).map((a) => a.label);
    expect(await listed()).toEqual(['Workday']);
    const appUser = await okta.applicationApi.getApplicationUser({ appId: IDS.workday, userId: IDS.alice });
    expect([appUser.id, appUser.scope]).toEqual([IDS.alice, 'USER']);
    const gone = await failure(okta.applicationApi.getApplicationUser({ appId: IDS.salesforce, userId: IDS.alice }));
    expect([gone.status, gone.errorCode]).toEqual([404, 'E0000007']);
    await okta.applicationApi.unassignUserFromApplication({ appId: IDS.workday, userId: IDS.alice });
    expect(await listed()).toEqual([]);
  });

  it('unassigns a direct assignment (204) and refuses a group-scoped one with 403 E0000046', async () => {
    await expect(
      okta.applicationApi.unassignUserFromApplication({ appId: IDS.salesforce, userId: IDS.alice }),
    ).resolves.toBeUndefined();
    const again = await failure(
      okta.applicationApi.unassignUserFromApplication({ appId: IDS.salesforce, userId: IDS.alice }),
    );
    expect([again.status, again.errorCode]).toEqual([404, 'E0000007']);
    const group = await failure(
      okta.applicationApi.unassignUserFromApplication({ appId: IDS.github, userId: IDS.alice }),
    );
    expect([group.status, group.errorCode]).toEqual([403, 'E0000046']);
  });

  it('assigns an app (200 AppUser) and refuses a DEPROVISIONED user with 403 E0000117', async () => {
    const appUser = await okta.applicationApi.assignUserToApplication({
      appId: IDS.salesforce,
      appUser: { id: IDS.bob, scope: 'USER' },
    });
    expect([appUser.id, appUser.scope]).toEqual([IDS.bob, 'USER']);
    const err = await failure(
      okta.applicationApi.assignUserToApplication({ appId: IDS.salesforce, appUser: { id: IDS.carol, scope: 'USER' } }),
    );
    expect([err.status, err.errorCode]).toEqual([403, 'E0000117']);
  });

  it('gives members of a group with an app GROUP-scoped app users, which go when the membership goes', async () => {
    await okta.groupApi.assignUserToGroup({ groupId: IDS.engineering, userId: IDS.bob });
    expect((await okta.applicationApi.getApplicationUser({ appId: IDS.github, userId: IDS.bob })).scope).toBe('GROUP');
    await okta.groupApi.unassignUserFromGroup({ groupId: IDS.engineering, userId: IDS.bob });
    expect((await failure(okta.applicationApi.getApplicationUser({ appId: IDS.github, userId: IDS.bob }))).status).toBe(
      404,
    );
  });

  it('gets an app and lists app users with expand=user kept in next links', async () => {
    expect((await okta.applicationApi.getApplication({ appId: IDS.slack })).label).toBe('Slack');
    const users = await all(okta.applicationApi.listApplicationUsers({ appId: IDS.slack, limit: 2, expand: 'user' }));
    expect(users.map((u) => u.id)).toEqual([IDS.alice, IDS.bob, IDS.dave, IDS.erin, IDS.frank]);
  });
});

describe('OAuth grants and refresh tokens', () => {
  it('lists grants, clients and tokens, and revokes them per client and in full', async () => {
    const grants = await all(okta.userApi.listUserGrants({ userId: IDS.alice }));
    expect(grants.map((g) => [g.id, g.clientId])).toEqual([[IDS.aliceGrant, IDS.slack]]);
    const clients = await all(okta.userApi.listUserClients({ userId: IDS.alice }));
    expect(clients.map((c) => [c.client_id, c.client_name])).toEqual([
      [IDS.slack, 'Slack'],
      [IDS.github, 'GitHub'],
    ]);
    const tokens = await all(
      okta.userApi.listRefreshTokensForUserAndClient({ userId: IDS.alice, clientId: IDS.slack }),
    );
    expect(tokens.map((r) => r.id)).toEqual([IDS.aliceToken]);
    await expect(
      okta.userApi.revokeTokensForUserAndClient({ userId: IDS.alice, clientId: IDS.slack }),
    ).resolves.toBeUndefined();
    await okta.userApi.revokeTokenForUserAndClient({
      userId: IDS.alice,
      clientId: IDS.github,
      tokenId: IDS.aliceToken2,
    });
    await okta.userApi.revokeGrantsForUserAndClient({ userId: IDS.alice, clientId: IDS.slack });
    await expect(okta.userApi.revokeUserGrants({ userId: IDS.alice })).resolves.toBeUndefined();
    expect(await all(okta.userApi.listUserClients({ userId: IDS.alice }))).toEqual([]);
    const missing = await failure(
      okta.userApi.revokeTokenForUserAndClient({ userId: IDS.alice, clientId: IDS.github, tokenId: IDS.aliceToken2 }),
    );
    expect(missing.status).toBe(404);
  });
});

describe('devices', () => {
  it("lists a user's devices and all devices with expand=user", async () => {
    const mine = await all(okta.userApi.listUserDevices({ userId: IDS.alice }));
    expect(mine.map((d) => d.device?.id)).toEqual([IDS.mac, IDS.ipad]);
    const devices = await all(okta.deviceApi.listDevices({ expand: 'user' }));
    const ipad = devices.find((d) => d.id === IDS.ipad);
    expect(ipad?._embedded?.users?.map((u) => u.user?.id)).toEqual([IDS.alice, IDS.bob]);
    expect((await all(okta.deviceApi.listDeviceUsers({ deviceId: IDS.ipad }))).map((u) => u.user?.id)).toEqual([
      IDS.alice,
      IDS.bob,
    ]);
  });

  it("lists a shared device's holders with each one's status, SUSPENDED, LOCKED_OUT and PASSWORD_EXPIRED included", async () => {
    const org = fixtureOrg();
    org.users.push({ id: IDS.gina, login: 'gina.green@example.com', status: 'PASSWORD_EXPIRED' });
    org.devices.push({
      id: IDS.kiosk,
      displayName: 'Front desk kiosk',
      platform: 'WINDOWS',
      status: 'ACTIVE',
      users: [IDS.alice, IDS.bob, IDS.erin, IDS.gina],
    });
    await t.admin.seed(org);
    const holders = await all(okta.deviceApi.listDeviceUsers({ deviceId: IDS.kiosk }));
    expect(holders.map((h) => [h.user?.id, h.user?.status])).toEqual([
      [IDS.alice, 'ACTIVE'],
      [IDS.bob, 'SUSPENDED'],
      [IDS.erin, 'LOCKED_OUT'],
      [IDS.gina, 'PASSWORD_EXPIRED'],
    ]);
  });

  it("answers 404 E0000007 '(GenericUDObject)' for an unknown device", async () => {
    const err = await failure(okta.deviceApi.getDevice({ deviceId: 'guoNOPE' }));
    expect([err.status, err.errorSummary]).toEqual([404, 'Not found: Resource not found: guoNOPE (GenericUDObject)']);
  });

  it('suspends, unsuspends and deactivates with 204; deactivation removes the user links; delete only when DEACTIVATED', async () => {
    await expect(okta.deviceApi.suspendDevice({ deviceId: IDS.mac })).resolves.toBeUndefined();
    await okta.deviceApi.unsuspendDevice({ deviceId: IDS.mac });
    const early = await failure(okta.deviceApi.deleteDevice({ deviceId: IDS.mac }));
    expect([early.status, early.errorCode]).toEqual([403, 'E0000152']);
    await okta.deviceApi.deactivateDevice({ deviceId: IDS.mac });
    expect((await okta.deviceApi.getDevice({ deviceId: IDS.mac })).status).toBe('DEACTIVATED');
    expect(await all(okta.deviceApi.listDeviceUsers({ deviceId: IDS.mac }))).toEqual([]);
    await expect(okta.deviceApi.deleteDevice({ deviceId: IDS.mac })).resolves.toBeUndefined();
    expect((await failure(okta.deviceApi.getDevice({ deviceId: IDS.mac }))).status).toBe(404);
  });

  it('answers 400 E0000001 for transitions from the wrong state', async () => {
    for (const call of [
      okta.deviceApi.suspendDevice({ deviceId: IDS.bobPhone }),
      okta.deviceApi.unsuspendDevice({ deviceId: IDS.mac }),
      okta.deviceApi.deactivateDevice({ deviceId: IDS.oldLaptop }),
      okta.deviceApi.activateDevice({ deviceId: IDS.mac }),
    ]) {
      const err = await failure(call);
      expect([err.status, err.errorCode]).toEqual([400, 'E0000001']);
    }
    await expect(okta.deviceApi.activateDevice({ deviceId: IDS.oldLaptop })).resolves.toBeUndefined();
  });
});
