// Linked orgs (Org2Org), end to end: the workforce org (WIC) is the identity provider of a customer-identity org
// (CIC, linked by its Org2Org IdP) and of a partner org (linked by a profile attribute), each its own emulator on
// its own port, reached through the real SDK by workers on that org's own queues.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { all, startTestEmulator, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import type { Org, RequestEntry, UserStatus } from '@okta-offboarding/okta-emulator';
import { queueRate, type OktaBudget } from '../../worker/budget';
import {
  activityTaskQueue,
  linkedOrgTaskQueue,
  rehireSignal,
  rehireWorkflowId,
  statusQuery,
  type LinkedOrg,
  type OffboardingReport,
  type OffboardingStatus,
  type StepRecord,
} from '../../workflows/definitions';
import type { rehireUser } from '../../workflows/rehire-user';
import { GENEROUS_BUDGET, OffboardingHarness, oktaUser, TEST_POLICY } from '../support/offboarding';
import { employee, standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

const CIC_IDP = '0oaWorkforceIdp00001';
const LINKED: LinkedOrg[] = [
  { name: 'cic', link: { by: 'idp', idpId: CIC_IDP } },
  { name: 'partners', link: { by: 'attribute', attribute: 'workforceId' } },
];
/** The linked org's own, much lower limit on its users bucket: the rate its queue must carry, not the workforce's. */
const CIC_BUDGET: OktaBudget = { ...GENEROUS_BUDGET, perMinute: { ...GENEROUS_BUDGET.perMinute, users: 1200 } };
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
type Person = (typeof PEOPLE)[number];
/** Everyone but bob has a customer account linked to their workforce account. */
const LINKED_IN_CIC: Person[] = ['alice', 'carol', 'dave', 'erin'];
const MOBILE_CLIENT = '0oaCicMobileApp00001';

let harness: OffboardingHarness;
let cic: TestEmulator;
let partners: TestEmulator;
/** Workforce ids by person, as the workforce emulator gave them at seed time. */
let wic: Record<Person, string>;
/** Linked users' ids in the customer-identity org. */
let cicIds: Record<string, string>;

function workforceOrg(): Org {
  const org = standardOrg();
  org.users.push(employee('carol@example.com'), employee('dave@example.com'), employee('erin@example.com'));
  return org;
}

/** A customer-identity org: a customer account per person, linked to the workforce account by the Org2Org IdP. */
function customerOrg(workforceIds: Record<Person, string>, statuses: Partial<Record<Person, UserStatus>> = {}): Org {
  return {
    groups: [
      { name: 'Everyone', type: 'BUILT_IN' },
      { name: 'Premium Support', type: 'OKTA_GROUP', apps: ['Billing'] },
      { name: 'Beta Testers', type: 'OKTA_GROUP' },
    ],
    apps: [{ label: 'Support Portal', requiredProfile: ['tier'] }, { label: 'Billing' }],
    users: PEOPLE.map((person) => ({
      login: `${person}@customers.example.com`,
      status: statuses[person] ?? 'ACTIVE',
      groups: ['Everyone', 'Premium Support', 'Beta Testers'],
      apps: [{ app: 'Support Portal', scope: 'USER' as const, profile: { tier: 'gold' } }],
      sessions: 3,
      grants: [{ clientId: MOBILE_CLIENT }],
      refreshTokens: [{ clientId: MOBILE_CLIENT }],
    })),
    devices: [],
    identityProviders: [
      {
        id: CIC_IDP,
        name: 'Workforce (Org2Org)',
        users: LINKED_IN_CIC.map((person) => ({
          user: `${person}@customers.example.com`,
          externalId: workforceIds[person],
        })),
      },
    ],
  };
}

/** A partner org: alice's account there carries her workforce id in a profile attribute. */
function partnerOrg(workforceIds: Record<Person, string>): Org {
  return {
    groups: [{ name: 'Resellers', type: 'OKTA_GROUP' }],
    apps: [],
    users: [
      {
        login: 'alice@partners.example.com',
        status: 'ACTIVE',
        profile: { workforceId: workforceIds.alice },
        groups: ['Resellers'],
        sessions: 1,
      },
    ],
    devices: [],
  };
}

beforeAll(async () => {
  [cic, partners] = await Promise.all([startTestEmulator(), startTestEmulator()]);
  harness = await OffboardingHarness.start({
    policy: { ...TEST_POLICY, linkedOrgs: LINKED },
    linkedOrgs: [
      { name: 'cic', url: cic.url, budget: CIC_BUDGET },
      { name: 'partners', url: partners.url },
    ],
  });
});

afterAll(async () => {
  expect(harness?.okta.takeViolations()).toEqual([]);
  expect(cic?.takeViolations()).toEqual([]);
  expect(partners?.takeViolations()).toEqual([]);
  await harness?.close();
  await Promise.all([cic?.emulator.close(), partners?.emulator.close()]);
});

beforeEach(async () => {
  await harness.seed(workforceOrg());
  wic = Object.fromEntries(
    await Promise.all(PEOPLE.map(async (person) => [person, await harness.userId(`${person}@example.com`)])),
  ) as Record<Person, string>;
  for (const [org, seed] of [
    [cic, customerOrg(wic)],
    [partners, partnerOrg(wic)],
  ] as const) {
    await org.admin.reset();
    await org.admin.seed(seed);
  }
  cicIds = Object.fromEntries(
    (await cic.admin.state()).users.map((user) => [user.login.split('@')[0] ?? '', user.id ?? '']),
  );
});

/** One user of a linked org as its Okta answers through the real SDK. */
async function linkedUser(org: TestEmulator, userId: string) {
  const client = org.client();
  const user = await client.userApi.getUser({ userId });
  const groups = await all(client.userApi.listUserGroups({ userId }));
  const apps = await all(
    client.applicationApi.listApplications({ filter: `user.id eq "${userId}"`, expand: `user/${userId}` }),
  );
  const state = (await org.admin.state()).users.find((candidate) => candidate.id === userId);
  return {
    status: String(user.transitioningToStatus ?? user.status),
    oktaGroups: groups.filter((group) => group.type === 'OKTA_GROUP').map((group) => group.profile?.name),
    directApps: apps
      .filter((app) => (app._embedded?.['user'] as { scope?: string } | undefined)?.scope === 'USER')
      .map((app) => ({ label: app.label, profile: (app._embedded?.['user'] as { profile?: unknown }).profile })),
    sessions: state?.sessions ?? 0,
    grants: state?.grants ?? [],
    refreshTokens: state?.refreshTokens ?? [],
  };
}

/** Waits until a request to `org` has met the fault. */
async function untilHit(org: TestEmulator, faultId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await org.admin.faults()).some((fault) => fault.id === faultId && fault.hits > 0)) {
    if (Date.now() > deadline) throw new Error(`no request met fault ${faultId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const changes = (requests: RequestEntry[], userId: string) =>
  requests.filter((entry) => entry.method !== 'GET' && entry.status < 400 && entry.userId === userId);
const stepsOf = (steps: StepRecord[], org: string) => steps.filter((step) => step.step.startsWith(`${org}:`));
/** The workforce lock: its lock-phase steps, the linked orgs' left out. */
const workforceLock = (steps: StepRecord[]) =>
  steps.filter((step) => step.phase === 'locking' && !step.step.includes(':'));
const spanMs = (steps: StepRecord[]) =>
  Math.max(...steps.map((step) => Date.parse(step.finishedAt ?? ''))) -
  Math.min(...steps.map((step) => Date.parse(step.startedAt)));

describe('a person linked in the customer-identity org', () => {
  it('is offboarded in both orgs: the linked lock comes right after the workforce lock, each org on its own queues', async () => {
    const { handle } = await harness.start({ userId: wic.alice });
    const report: OffboardingReport = await handle.result();
    await recordHistory('linked-orgs-full-run', handle);
    expect(report.outcome).toBe('completed');

    // The workforce org, as in every run.
    const workforce = await oktaUser(harness, wic.alice);
    expect(workforce.status).toBe('DEPROVISIONED');
    expect(workforce.sessions).toBe(0);
    expect(workforce.oktaGroupNames).toEqual([]);

    // The customer-identity org, read through the real SDK: deactivated, no group, no direct app, nothing left.
    const customer = await linkedUser(cic, cicIds.alice!);
    expect(customer).toMatchObject({ status: 'DEPROVISIONED', oktaGroups: [], directApps: [], sessions: 0 });
    expect(customer.grants).toEqual([]);
    expect(customer.refreshTokens).toEqual([]);
    // Its request log: the sessions revoked with their OAuth tokens, the grants and the suspension first.
    const cicRequests = await cic.admin.requests();
    const cicChanges = changes(cicRequests, cicIds.alice!).map((entry) => `${entry.method} ${entry.path}`);
    expect(cicChanges.slice(0, 3).sort()).toEqual(
      [
        `DELETE /api/v1/users/${cicIds.alice}/grants`,
        `DELETE /api/v1/users/${cicIds.alice}/sessions`,
        `POST /api/v1/users/${cicIds.alice}/lifecycle/suspend`,
      ].sort(),
    );
    expect(cicRequests.find((entry) => entry.path === `/api/v1/users/${cicIds.alice}/sessions`)?.query).toContain(
      'oauthTokens=true',
    );
    expect(cicChanges).toContain(`POST /api/v1/users/${cicIds.alice}/lifecycle/deactivate`);
    // Nobody else's customer account was touched; bob's has no link.
    for (const person of PEOPLE.filter((name) => name !== 'alice'))
      expect(changes(cicRequests, cicIds[person]!), person).toEqual([]);

    // Lock first: the customer account is locked after the workforce one, before any later workforce change.
    const wicRequests = await harness.admin.requests();
    const at = (entry: RequestEntry | undefined) => Date.parse(entry?.at ?? '');
    const wicSuspend = wicRequests.find((entry) => entry.path.endsWith(`${wic.alice}/lifecycle/suspend`));
    const cicSuspend = cicRequests.find((entry) => entry.path.endsWith(`${cicIds.alice}/lifecycle/suspend`));
    const cicLockEnd = Math.max(
      ...cicRequests
        .filter((entry) => entry.method === 'DELETE' && /\/(sessions|grants)$/.test(entry.path))
        .map((entry) => at(entry)),
    );
    const firstWicRemoval = wicRequests.find((entry) => entry.method === 'DELETE' && entry.path.includes('/groups/'));
    expect(at(wicSuspend)).toBeLessThanOrEqual(at(cicSuspend));
    expect(cicLockEnd).toBeLessThanOrEqual(at(firstWicRemoval));

    // The partner org, found by the profile attribute: deactivated and out of its group.
    const partner = (await partners.admin.state()).users[0]!;
    expect(partner.status).toBe('DEPROVISIONED');
    expect(partner.sessions).toBe(0);
    expect(partner.groups).toEqual([(await partners.admin.state()).groups.find((g) => g.name === 'Everyone')?.id]);

    // The report names each org's steps and keeps what it found there.
    expect(stepsOf(report.steps, 'cic').map((step) => `${step.step}:${step.outcome}`)).toEqual([
      'cic:findLinkedUser:done',
      'cic:suspendUser:done',
      'cic:revokeSessions:done',
      'cic:revokeGrants:done',
      'cic:revokeClientTokens:not-needed',
      'cic:takeSnapshot:done',
      'cic:removeGroupMembership:done',
      'cic:unassignApp:done',
      'cic:verifyRevoked:done',
      'cic:deactivateUser:done',
      'cic:verifyOffboarded:done',
    ]);
    expect(stepsOf(report.steps, 'cic')[0]?.items).toEqual([
      expect.objectContaining({ id: cicIds.alice, outcome: 'done', reason: expect.stringContaining(CIC_IDP) }),
    ]);
    expect(report.snapshot?.linkedOrgs?.map((entry) => [entry.org, entry.user.id, entry.user.status])).toEqual([
      ['cic', cicIds.alice, 'ACTIVE'],
      ['partners', partner.id, 'ACTIVE'],
    ]);
    const apps = [...(report.snapshot?.linkedOrgs?.[0]?.apps ?? [])].sort((a, b) => b.label.localeCompare(a.label));
    expect(apps).toEqual([
      expect.objectContaining({ label: 'Support Portal', scope: 'USER', profile: { tier: 'gold' } }),
      expect.objectContaining({ label: 'Billing', scope: 'GROUP' }),
    ]);
  });

  it('is restored in both orgs by a rehire after the run closed', async () => {
    const { handle } = await harness.start({ userId: wic.alice });
    await handle.result();
    const rehire = await harness.client.workflow.start<typeof rehireUser>('rehireUser', {
      taskQueue: harness.taskQueue,
      workflowId: rehireWorkflowId(wic.alice),
      args: [{ userId: wic.alice, requestedBy: 'vitest' }],
    });
    const report = await rehire.result();
    await recordHistory('linked-orgs-rehire-after-close', rehire);

    expect((await oktaUser(harness, wic.alice)).status).toBe('ACTIVE');
    const customer = await linkedUser(cic, cicIds.alice!);
    expect(customer.status).toBe('ACTIVE');
    expect(customer.oktaGroups.sort()).toEqual(['Beta Testers', 'Premium Support']);
    expect(customer.directApps).toEqual([{ label: 'Support Portal', profile: { tier: 'gold' } }]);
    const partner = (await partners.admin.state()).users[0]!;
    expect(partner.status).toBe('ACTIVE');
    expect(partner.groups).toHaveLength(2); // Everyone and Resellers again
    expect(stepsOf(report.steps, 'cic').map((step) => `${step.step}:${step.outcome}`)).toEqual([
      'cic:restoreUser:done',
      'cic:addGroupMembership:done',
      'cic:assignApp:done',
    ]);
  });

  it('is restored in both orgs by a rehire while the run waits for the device wipe', async () => {
    const { handle } = await harness.start({ userId: wic.alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe', 60_000);
    await handle.signal(rehireSignal, { requestedBy: 'vitest' });
    const report = await handle.result();
    expect(report.outcome).toBe('rehired');
    expect((await linkedUser(cic, cicIds.alice!)).status).toBe('ACTIVE');
    expect((await linkedUser(cic, cicIds.alice!)).oktaGroups.sort()).toEqual(['Beta Testers', 'Premium Support']);
    expect((await partners.admin.state()).users[0]?.status).toBe('ACTIVE');
    expect(report.notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Org cic, linked user .*: Sessions, OAuth tokens/)]),
    );
  });

  it('is deactivated within the lock when Okta cannot suspend them (LOCKED_OUT), its apps read first', async () => {
    await cic.admin.seed(customerOrg(wic, { erin: 'LOCKED_OUT' }));
    cicIds = Object.fromEntries(
      (await cic.admin.state()).users.map((user) => [user.login.split('@')[0] ?? '', user.id ?? '']),
    );
    const report = await (await harness.start({ userId: wic.erin })).handle.result();
    expect(report.outcome).toBe('completed');
    // Everything up to the deactivation happens before the workforce snapshot, in the lock.
    const beforeWorkforceSnapshot = report.steps.slice(
      0,
      report.steps.findIndex((step) => step.step === 'takeSnapshot'),
    );
    expect(stepsOf(beforeWorkforceSnapshot, 'cic').map((step) => `${step.step}:${step.outcome}`)).toEqual([
      'cic:findLinkedUser:done',
      'cic:suspendUser:skipped',
      'cic:revokeSessions:done',
      'cic:revokeGrants:done',
      'cic:revokeClientTokens:not-needed',
      'cic:takeSnapshot:done',
      'cic:deactivateUser:done',
    ]);
    const cicDeactivate = (await cic.admin.requests()).find((entry) => entry.path.endsWith('/lifecycle/deactivate'));
    const firstWicRemoval = (await harness.admin.requests()).find(
      (entry) => entry.method === 'DELETE' && entry.path.includes('/groups/'),
    );
    expect(Date.parse(cicDeactivate?.at ?? '')).toBeLessThanOrEqual(Date.parse(firstWicRemoval?.at ?? ''));
    expect((await linkedUser(cic, cicIds.erin!)).status).toBe('DEPROVISIONED');
    expect(report.snapshot?.linkedOrgs?.[0]?.apps.map((app) => app.label).sort()).toEqual([
      'Billing',
      'Support Portal',
    ]);
  });

  it('plans the linked orgs in a dry run and changes nothing there', async () => {
    const { handle } = await harness.start({ userId: wic.alice, dryRun: true });
    const report = await handle.result();
    expect(report.outcome).toBe('dry-run');
    expect(report.plan?.filter((action) => action.itemId === cicIds.alice).map((action) => action.step)).toEqual([
      'suspendUser',
      'revokeSessions',
      'revokeGrants',
      'deactivateUser',
    ]);
    expect(changes(await cic.admin.requests(), cicIds.alice!)).toEqual([]);
    expect(changes(await partners.admin.requests(), (await partners.admin.state()).users[0]!.id!)).toEqual([]);
  });
});

describe('a person without a linked user', () => {
  it('is reported as not linked in each linked org, and the run completes', async () => {
    const { handle } = await harness.start({ userId: wic.bob });
    const report = await handle.result();
    await recordHistory('linked-orgs-not-linked', handle);
    expect(report.outcome).toBe('completed');
    for (const org of ['cic', 'partners']) {
      const steps = stepsOf(report.steps, org);
      expect(steps.map((step) => `${step.step}:${step.outcome}`)).toEqual([`${org}:findLinkedUser:not-needed`]);
      expect(steps[0]?.items).toEqual([
        expect.objectContaining({ id: wic.bob, outcome: 'not-needed', reason: expect.stringContaining('has no user') }),
      ]);
    }
    expect((await cic.admin.requests()).filter((entry) => entry.method !== 'GET')).toEqual([]);
    expect(report.snapshot?.linkedOrgs ?? []).toEqual([]);
    expect((await linkedUser(cic, cicIds.bob!)).status).toBe('ACTIVE');
  });
});

describe("each org's rate limits", () => {
  it('are enforced on its own queues: a 429 storm in the linked org does not slow the workforce lock', async () => {
    // The server holds each queue to the rate of its own org's limits.
    const rate = async (taskQueue: string) =>
      (
        await harness.client.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
          reportConfig: true,
        })
      ).effectiveRateLimit?.requestsPerSecond;
    const cicUsers = linkedOrgTaskQueue(harness.taskQueue, 'cic', 'users');
    const wicUsers = activityTaskQueue(harness.taskQueue, 'users');
    expect(queueRate(CIC_BUDGET, 'users')).toBeLessThan(queueRate(GENEROUS_BUDGET, 'users'));
    expect(await rate(cicUsers)).toBeCloseTo(queueRate(CIC_BUDGET, 'users'), 3);
    expect(await rate(wicUsers)).toBeCloseTo(queueRate(GENEROUS_BUDGET, 'users'), 3);

    // Without a storm: carol's workforce lock.
    const calm = await harness.start({ userId: wic.carol });
    const calmLock = spanMs(workforceLock((await calm.handle.result()).steps));

    // A storm in the linked org: every /api/v1/users call there answers 429 until the fault is removed.
    const storm = await cic.admin.addFault({ route: '/api/v1/users/*', status: 429, resetAfterS: 1 });
    const stormed = await harness.start({ userId: wic.alice });
    await untilHit(cic, storm);
    const during = await harness.start({ userId: wic.dave });
    const lockedInWorkforce = (status: OffboardingStatus) =>
      status.steps.some((step) => step.step === 'cic:findLinkedUser' && step.finishedAt !== undefined);
    const daveStatus = await harness.waitForStatus(during.handle, lockedInWorkforce, 60_000);
    // dave's workforce lock finished while the storm still held both customer accounts' locks.
    const aliceStatus = await stormed.handle.query(statusQuery);
    expect(aliceStatus.steps.find((step) => step.step === 'cic:suspendUser')?.finishedAt).toBeUndefined();
    expect(
      (await cic.admin.requests()).filter(
        (entry) =>
          [cicIds.alice, cicIds.dave].includes(entry.userId) &&
          entry.path.endsWith('/lifecycle/suspend') &&
          entry.status < 400,
      ),
    ).toEqual([]);
    const stormLock = spanMs(workforceLock(daveStatus.steps));
    expect(workforceLock(daveStatus.steps).every((step) => step.outcome === 'done')).toBe(true);
    // As fast as without the storm, within a margin no loaded machine should reach.
    expect(stormLock).toBeLessThan(calmLock * 5 + 5_000);

    await cic.admin.removeFault(storm);
    const [aliceReport, daveReport] = await Promise.all([stormed.handle.result(), during.handle.result()]);
    expect([aliceReport.outcome, daveReport.outcome]).toEqual(['completed', 'completed']);
    expect((await linkedUser(cic, cicIds.alice!)).status).toBe('DEPROVISIONED');
    expect((await linkedUser(cic, cicIds.dave!)).status).toBe('DEPROVISIONED');
    // The storm was the linked org's alone: 429s there, none in the workforce org.
    expect((await cic.admin.requests()).filter((entry) => entry.status === 429).length).toBeGreaterThan(0);
    expect((await harness.admin.requests()).filter((entry) => entry.rateLimited)).toEqual([]);
  });
});
