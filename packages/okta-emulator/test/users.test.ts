// Users, lifecycle, sessions and factors through the real Okta SDK.
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

const statusOf = async (id: string) => (await okta.userApi.getUser({ userId: id })).status;

/** Retries `check` until it passes (for what the emulator finishes asynchronously). */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('get and list users', () => {
  it('gets a user by id and by URL-encoded login', async () => {
    const byId = await okta.userApi.getUser({ userId: IDS.alice });
    expect(byId.profile?.login).toBe('alice.adams@example.com');
    expect(byId.profile?.['department']).toBe('Engineering');
    expect(byId._links?.['suspend']).toBeDefined();
    const byLogin = await okta.userApi.getUser({ userId: 'alice.adams@example.com' });
    expect(byLogin.id).toBe(IDS.alice);
  });

  it("answers 404 E0000007 in Okta's message form for an unknown user", async () => {
    const err = await failure(okta.userApi.getUser({ userId: 'missing@example.com' }));
    expect(err.status).toBe(404);
    expect(err.errorCode).toBe('E0000007');
    expect(err.errorSummary).toBe('Not found: Resource not found: missing@example.com (User)');
  });

  it('lists users without deactivated ones unless a filter or search is given', async () => {
    const plain = await all(okta.userApi.listUsers());
    expect(plain.map((u) => u.id)).not.toContain(IDS.carol);
    const deprov = await all(okta.userApi.listUsers({ filter: 'status eq "DEPROVISIONED"' }));
    expect(deprov.map((u) => u.id)).toEqual([IDS.carol]);
  });

  it('filters by login and searches with sw, co and and/or', async () => {
    const byLogin = await all(okta.userApi.listUsers({ filter: 'profile.login eq "bob.brown@example.com"' }));
    expect(byLogin.map((u) => u.id)).toEqual([IDS.bob]);
    const sw = await all(okta.userApi.listUsers({ search: 'profile.firstName sw "Al" or profile.lastName co "oste"' }));
    expect(sw.map((u) => u.id).sort()).toEqual([IDS.alice, IDS.frank].sort());
    const and = await all(
      okta.userApi.listUsers({ search: 'status eq "ACTIVE" and profile.department eq "Engineering"' }),
    );
    expect(and.map((u) => u.id)).toEqual([IDS.alice]);
  });

  it('q matches the start of first name, last name or email', async () => {
    const found = await all(okta.userApi.listUsers({ q: 'eri' }));
    expect(found.map((u) => u.id)).toEqual([IDS.erin]);
  });

  it('answers 400 E0000031 for a malformed or unsupported filter', async () => {
    const bad = await failure(all(okta.userApi.listUsers({ filter: 'status eq' })));
    expect(bad.status).toBe(400);
    expect(bad.errorCode).toBe('E0000031');
    const unsupported = await failure(all(okta.userApi.listUsers({ filter: 'profile.department sw "E"' })));
    expect(unsupported.errorCode).toBe('E0000031');
  });

  it('pages through many users with absolute next links the SDK follows', async () => {
    const org = fixtureOrg();
    for (let i = 0; i < 45; i++) org.users.push({ login: `user${i}@example.com`, status: 'ACTIVE' });
    await t.admin.seed(org);
    await t.admin.clearRequests();
    const users = await all(okta.userApi.listUsers({ limit: 10, search: 'status eq "ACTIVE"' }));
    expect(users).toHaveLength(46);
    expect(new Set(users.map((u) => u.id)).size).toBe(46);
    const requests = (await t.admin.requests()).filter((r) => r.path === '/api/v1/users');
    expect(requests).toHaveLength(5);
    expect(requests[1]?.query).toMatch(/search=status/);
  });
});

describe('create users', () => {
  it('creates an ACTIVE user with a password, PROVISIONED without, STAGED with activate=false', async () => {
    const withPw = await okta.userApi.createUser({
      body: {
        profile: { login: 'new.one@example.com', email: 'new.one@example.com', firstName: 'New', lastName: 'One' },
        credentials: { password: { value: 'Sup3r-secret!' } },
      },
    });
    expect(withPw.status).toBe('ACTIVE');
    const noPw = await okta.userApi.createUser({
      body: {
        profile: { login: 'new.two@example.com', email: 'new.two@example.com', firstName: 'New', lastName: 'Two' },
      },
    });
    expect(noPw.status).toBe('PROVISIONED');
    const staged = await okta.userApi.createUser({
      activate: false,
      body: {
        profile: {
          login: 'new.three@example.com',
          email: 'new.three@example.com',
          firstName: 'New',
          lastName: 'Three',
        },
      },
    });
    expect(staged.status).toBe('STAGED');
    expect((await okta.userApi.getUser({ userId: 'new.three@example.com' })).id).toBe(staged.id);
    expect(staged.id).toMatch(/^00u[A-Za-z0-9]{17}$/);
  });

  it('rejects a duplicate login with 400 E0000001', async () => {
    const err = await failure(
      okta.userApi.createUser({
        body: { profile: { login: 'alice.adams@example.com', email: 'a@example.com', firstName: 'A', lastName: 'A' } },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('E0000001');
    expect(err.errorCauses?.[0]?.errorSummary).toMatch(/already exists/);
  });
});

describe('user lifecycle', () => {
  it('suspends an ACTIVE user (200, clearing sessions) and unsuspends them', async () => {
    await expect(okta.userApi.suspendUser({ userId: IDS.alice })).resolves.toBeUndefined();
    expect(await statusOf(IDS.alice)).toBe('SUSPENDED');
    const state = await t.admin.state();
    expect(state.users.find((u) => u.id === IDS.alice)?.sessions).toBe(0);
    await okta.userApi.unsuspendUser({ userId: IDS.alice });
    expect(await statusOf(IDS.alice)).toBe('ACTIVE');
  });

  it('answers 400 E0000001 when suspending a SUSPENDED user or unsuspending an ACTIVE one', async () => {
    const again = await failure(okta.userApi.suspendUser({ userId: IDS.bob }));
    expect([again.status, again.errorCode]).toEqual([400, 'E0000001']);
    const notSuspended = await failure(okta.userApi.unsuspendUser({ userId: IDS.alice }));
    expect([notSuspended.status, notSuspended.errorCode]).toEqual([400, 'E0000001']);
  });

  it('deactivates any non-deactivated user (200) keeping groups, dropping direct apps and sessions', async () => {
    await expect(okta.userApi.deactivateUser({ userId: IDS.alice })).resolves.toBeUndefined();
    const state = await t.admin.state();
    const alice = state.users.find((u) => u.id === IDS.alice);
    expect(alice?.status).toBe('DEPROVISIONED');
    expect(alice?.groups).toContain(IDS.engineering);
    expect(alice?.apps).toEqual([]);
    expect(alice?.sessions).toBe(0);
  });

  it('answers 404 E0000007 when deactivating a deactivated user', async () => {
    const err = await failure(okta.userApi.deactivateUser({ userId: IDS.carol }));
    expect([err.status, err.errorCode]).toEqual([404, 'E0000007']);
  });

  it('deactivates asynchronously with Prefer: respond-async, showing transitioningToStatus meanwhile', async () => {
    await okta.userApi.deactivateUser({ userId: IDS.alice, prefer: 'respond-async' });
    const during = await okta.userApi.getUser({ userId: IDS.alice });
    expect(during.status).toBe('ACTIVE');
    expect(during.transitioningToStatus).toBe('DEPROVISIONED');
    await new Promise((r) => setTimeout(r, 500));
    const after = await okta.userApi.getUser({ userId: IDS.alice });
    expect(after.status).toBe('DEPROVISIONED');
    expect(after.transitioningToStatus).toBeUndefined();
  });

  it('deletes in two DELETEs: the first deactivates, the second deletes, a third is 404', async () => {
    await expect(okta.userApi.deleteUser({ userId: IDS.alice })).resolves.toBeUndefined();
    expect(await statusOf(IDS.alice)).toBe('DEPROVISIONED');
    await okta.userApi.deleteUser({ userId: IDS.alice });
    const gone = await failure(okta.userApi.getUser({ userId: IDS.alice }));
    expect(gone.status).toBe(404);
    const third = await failure(okta.userApi.deleteUser({ userId: IDS.alice }));
    expect([third.status, third.errorCode]).toEqual([404, 'E0000007']);
    const state = await t.admin.state();
    expect(state.users.map((u) => u.id)).not.toContain(IDS.alice);
    expect(state.devices.find((d) => d.id === IDS.ipad)?.users).toEqual([IDS.bob]);
  });

  it('activates a STAGED or DEPROVISIONED user asynchronously: the answer comes at once ({} or a token), the status later', async () => {
    const withEmail = await okta.userApi.activateUser({ userId: IDS.dave, sendEmail: true });
    expect(withEmail.activationToken).toBeUndefined();
    const token = await okta.userApi.activateUser({ userId: IDS.carol, sendEmail: false });
    expect(token.activationToken).toEqual(expect.any(String));
    expect(token.activationUrl).toContain(token.activationToken);
    const during = await okta.userApi.getUser({ userId: IDS.dave });
    expect([during.status, during.transitioningToStatus]).toEqual(['STAGED', 'ACTIVE']);
    expect((await okta.userApi.getUser({ userId: IDS.carol })).status).toBe('DEPROVISIONED');
    await eventually(async () => expect(await statusOf(IDS.dave)).toBe('PROVISIONED'));
    await eventually(async () => expect(await statusOf(IDS.carol)).toBe('ACTIVE'));
    expect((await okta.userApi.getUser({ userId: IDS.dave })).transitioningToStatus).toBeUndefined();
  });

  it('answers 409 E0000112 to a group add, an app assignment and a second activate while the user is still being activated', async () => {
    await okta.userApi.activateUser({ userId: IDS.dave, sendEmail: true });
    const group = await failure(okta.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.dave }));
    expect([group.status, group.errorCode]).toEqual([409, 'E0000112']);
    const app = await failure(
      okta.applicationApi.assignUserToApplication({ appId: IDS.salesforce, appUser: { id: IDS.dave, scope: 'USER' } }),
    );
    expect([app.status, app.errorCode]).toEqual([409, 'E0000112']);
    const again = await failure(okta.userApi.activateUser({ userId: IDS.dave }));
    expect([again.status, again.errorCode]).toEqual([409, 'E0000112']);
    let dave = (await t.admin.state()).users.find((u) => u.id === IDS.dave);
    expect([dave?.groups, dave?.apps?.filter((a) => a.scope === 'USER')]).toEqual([[IDS.everyone], []]);
    await eventually(async () => expect(await statusOf(IDS.dave)).toBe('PROVISIONED'));
    await okta.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.dave });
    await okta.applicationApi.assignUserToApplication({
      appId: IDS.salesforce,
      appUser: { id: IDS.dave, scope: 'USER' },
    });
    dave = (await t.admin.state()).users.find((u) => u.id === IDS.dave);
    expect(dave?.groups).toContain(IDS.sales);
    expect(dave?.apps).toContainEqual({ app: IDS.salesforce, scope: 'USER' });
  });

  it('activates at once with activationDelayMs 0', async () => {
    const sync = await startTestEmulator({ seed: fixtureOrg(), activationDelayMs: 0 });
    try {
      const client = sync.client();
      await client.userApi.activateUser({ userId: IDS.dave, sendEmail: true });
      const dave = await client.userApi.getUser({ userId: IDS.dave });
      expect([dave.status, dave.transitioningToStatus]).toEqual(['PROVISIONED', undefined]);
      expect(sync.takeViolations()).toEqual([]);
    } finally {
      await sync.emulator.close();
    }
  });

  it('answers 403 E0000016 when activating an ACTIVE user', async () => {
    const err = await failure(okta.userApi.activateUser({ userId: IDS.alice, sendEmail: false }));
    expect([err.status, err.errorCode]).toEqual([403, 'E0000016']);
  });

  it('reactivates PROVISIONED users and answers 403 E0000038 otherwise', async () => {
    const token = await okta.userApi.reactivateUser({ userId: IDS.frank, sendEmail: false });
    expect(token.activationToken).toEqual(expect.any(String));
    const err = await failure(okta.userApi.reactivateUser({ userId: IDS.alice }));
    expect([err.status, err.errorCode]).toEqual([403, 'E0000038']);
  });

  it('unlocks a LOCKED_OUT user and answers 403 E0000032 for a SUSPENDED one', async () => {
    await okta.userApi.unlockUser({ userId: IDS.erin });
    expect(await statusOf(IDS.erin)).toBe('ACTIVE');
    const err = await failure(okta.userApi.unlockUser({ userId: IDS.bob }));
    expect([err.status, err.errorCode]).toEqual([403, 'E0000032']);
  });

  it('updates a profile partially with POST', async () => {
    const updated = await okta.userApi.updateUser({
      userId: IDS.alice,
      user: { profile: { title: 'Staff Engineer' } },
    });
    expect(updated.profile?.['title']).toBe('Staff Engineer');
    expect(updated.profile?.login).toBe('alice.adams@example.com');
  });
});

describe('a deactivated user', () => {
  it('answers 404 E0000007 (User) for the factors and the other sub-resources, while the user and the groups keep answering', async () => {
    await okta.userApi.deactivateUser({ userId: IDS.alice });
    const gone = `Not found: Resource not found: ${IDS.alice} (User)`;
    for (const call of [
      () => all(okta.userFactorApi.listFactors({ userId: IDS.alice })),
      () => all(okta.userApi.listAppLinks({ userId: IDS.alice })),
      () => all(okta.userApi.listUserDevices({ userId: IDS.alice })),
      () => all(okta.userApi.listUserClients({ userId: IDS.alice })),
      () => all(okta.userApi.listUserGrants({ userId: IDS.alice })),
      () => all(okta.userApi.listRefreshTokensForUserAndClient({ userId: IDS.alice, clientId: IDS.slack })),
      () => all(okta.roleAssignmentApi.listAssignedRolesForUser({ userId: IDS.alice })),
      () => okta.userApi.revokeUserSessions({ userId: IDS.alice }),
    ]) {
      const err = await failure(call());
      expect([err.status, err.errorCode, err.errorSummary]).toEqual([404, 'E0000007', gone]);
    }
    expect(await statusOf(IDS.alice)).toBe('DEPROVISIONED');
    expect((await all(okta.userApi.listUserGroups({ userId: IDS.alice }))).map((g) => g.id)).toContain(IDS.engineering);
    expect(await all(okta.applicationApi.listApplications({ filter: `user.id eq "${IDS.alice}"` }))).toEqual([]);
    const alice = (await t.admin.state()).users.find((u) => u.id === IDS.alice);
    expect(alice?.factors).toHaveLength(3);
    expect(alice?.grants).toHaveLength(1);
  });
});

describe('admin roles', () => {
  it("lists a user's admin role assignments with type, label, status and assignmentType USER; none is []", async () => {
    const org = fixtureOrg();
    const alice = org.users.find((u) => u.id === IDS.alice);
    if (alice) alice.roles = [{ type: 'SUPER_ADMIN' }, { type: 'HELP_DESK_ADMIN' }];
    await t.admin.seed(org);
    const roles = await all(okta.roleAssignmentApi.listAssignedRolesForUser({ userId: IDS.alice }));
    expect(roles.map((r) => [r.type, r.label, r.status, r.assignmentType])).toEqual([
      ['SUPER_ADMIN', 'Super Administrator', 'ACTIVE', 'USER'],
      ['HELP_DESK_ADMIN', 'Help Desk Administrator', 'ACTIVE', 'USER'],
    ]);
    expect(roles.every((r) => typeof r.id === 'string' && r.id.length === 20)).toBe(true);
    expect(await all(okta.roleAssignmentApi.listAssignedRolesForUser({ userId: IDS.bob }))).toEqual([]);
    expect((await t.admin.state()).users.find((u) => u.id === IDS.alice)?.roles?.map((r) => r.type)).toEqual([
      'SUPER_ADMIN',
      'HELP_DESK_ADMIN',
    ]);
  });
});

describe('sessions', () => {
  it('clears sessions (204), and with oauthTokens=true also the refresh tokens; repeating is 204', async () => {
    await okta.userApi.revokeUserSessions({ userId: IDS.alice });
    let alice = (await t.admin.state()).users.find((u) => u.id === IDS.alice);
    expect(alice?.sessions).toBe(0);
    expect(alice?.refreshTokens).toHaveLength(2);
    await okta.userApi.revokeUserSessions({ userId: IDS.alice, oauthTokens: true, forgetDevices: false });
    alice = (await t.admin.state()).users.find((u) => u.id === IDS.alice);
    expect(alice?.refreshTokens).toEqual([]);
  });

  it('answers 404 for an unknown user', async () => {
    const err = await failure(okta.userApi.revokeUserSessions({ userId: 'nobody' }));
    expect(err.status).toBe(404);
  });
});

describe('factors', () => {
  it('lists only factors REQUIRED or OPTIONAL in the enrollment policy; the state shows all, reset_factors resets all', async () => {
    await t.admin.seed({ ...fixtureOrg(), factorEnrollmentPolicy: { sms: 'NOT_ALLOWED', push: 'REQUIRED' } });
    const listed = await all(okta.userFactorApi.listFactors({ userId: IDS.alice }));
    expect(listed.map((f) => f.factorType)).toEqual(['push', 'token:software:totp']);
    const alice = () => t.admin.state().then((s) => s.users.find((u) => u.id === IDS.alice));
    expect((await alice())?.factors?.map((f) => f.factorType)).toEqual(['push', 'token:software:totp', 'sms']);
    expect((await t.admin.state()).factorEnrollmentPolicy).toEqual({ sms: 'NOT_ALLOWED', push: 'REQUIRED' });
    await okta.userApi.resetFactors({ userId: IDS.alice });
    expect((await alice())?.factors).toEqual([]);
  });

  it('lists factors as typed models', async () => {
    const factors = await all(okta.userFactorApi.listFactors({ userId: IDS.alice }));
    expect(factors.map((f) => f.factorType)).toEqual(['push', 'token:software:totp', 'sms']);
    expect(factors[2]?.profile).toHaveProperty('phoneNumber');
  });

  it('unenrolling push also unenrolls the other Okta Verify factors; a second unenroll is 404', async () => {
    await expect(
      okta.userFactorApi.unenrollFactor({ userId: IDS.alice, factorId: IDS.alicePush }),
    ).resolves.toBeUndefined();
    const left = await all(okta.userFactorApi.listFactors({ userId: IDS.alice }));
    expect(left.map((f) => f.id)).toEqual([IDS.aliceSms]);
    const again = await failure(okta.userFactorApi.unenrollFactor({ userId: IDS.alice, factorId: IDS.alicePush }));
    expect([again.status, again.errorCode]).toEqual([404, 'E0000007']);
  });

  it('refuses to unenroll a factor of a deactivated user with 403 E0000038', async () => {
    await okta.userApi.deactivateUser({ userId: IDS.alice });
    const err = await failure(okta.userFactorApi.unenrollFactor({ userId: IDS.alice, factorId: IDS.aliceSms }));
    expect([err.status, err.errorCode]).toEqual([403, 'E0000038']);
  });

  it('resets all factors with an empty 200, also when there are none', async () => {
    await expect(okta.userApi.resetFactors({ userId: IDS.alice })).resolves.toBeUndefined();
    expect(await all(okta.userFactorApi.listFactors({ userId: IDS.alice }))).toEqual([]);
    await expect(okta.userApi.resetFactors({ userId: IDS.alice })).resolves.toBeUndefined();
  });
});
