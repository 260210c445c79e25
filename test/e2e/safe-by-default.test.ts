// Safe by default: an administrator is refused by role however the role is assigned; a run the offboarding group
// started proves the person is in that group, by id; rehire brings back what the run removed, to the status the
// run found, changes nothing when the run changed nothing, and refuses a protected account as an offboarding does.
// Real dev server, real SDK, the emulator's final state and request log.
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { cancelSignal, rehireSignal, rehireWorkflowId, type RehireReport } from '../../workflows/definitions';
import type { rehireUser } from '../../workflows/rehire-user';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { recordHistory } from '../support/temporal';

let harness: OffboardingHarness;
useHarness({ policy: TEST_POLICY }, (started) => (harness = started));

function org(): Org {
  return {
    groups: [
      { name: 'Everyone', type: 'BUILT_IN' },
      { name: 'Engineering', type: 'OKTA_GROUP' },
      { name: 'Sales', type: 'OKTA_GROUP' },
      { name: 'Directory Staff', type: 'APP_GROUP' },
      { name: 'Super Admins', type: 'OKTA_GROUP' },
      { name: 'Offboarding', type: 'OKTA_GROUP' },
    ],
    apps: [{ label: 'Wiki' }, { label: 'Payroll' }],
    users: [
      {
        login: 'on-leave@example.com',
        status: 'SUSPENDED',
        groups: ['Everyone', 'Engineering', 'Directory Staff'],
        apps: [{ app: 'Wiki', scope: 'USER' }],
      },
      { login: 'admin@example.com', status: 'ACTIVE', groups: ['Everyone'], roles: [{ type: 'SUPER_ADMIN' }] },
      { login: 'helpdesk@example.com', status: 'ACTIVE', groups: ['Everyone'], roles: [{ type: 'HELP_DESK_ADMIN' }] },
      { login: 'not-leaving@example.com', status: 'ACTIVE', groups: ['Everyone', 'Sales'] },
      { login: 'leaving@example.com', status: 'ACTIVE', groups: ['Everyone', 'Sales', 'Offboarding'] },
      { login: 'breakglass@example.com', status: 'ACTIVE', groups: ['Everyone'] },
      {
        login: 'alice@example.com',
        status: 'ACTIVE',
        groups: ['Everyone', 'Sales'],
        apps: [{ app: 'Payroll', scope: 'USER' }],
      },
    ],
    devices: [],
  };
}

async function rehire(userId: string) {
  return harness.client.workflow.start<typeof rehireUser>('rehireUser', {
    taskQueue: harness.taskQueue,
    workflowId: rehireWorkflowId(userId),
    args: [{ userId, requestedBy: 'cli:it' }],
  });
}

const itemsOf = (report: { steps: RehireReport['steps'] }, step: string) =>
  report.steps.find((candidate) => candidate.step === step)?.items ?? [];

describe('administrators are refused by role', () => {
  it('a directly assigned SUPER_ADMIN, in no protected group, is refused before any change', async () => {
    await harness.seed(org());
    const admin = await harness.userId('admin@example.com');
    const { handle } = await harness.start({ userId: admin });
    const error = await handle.result().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'ProtectedAccount' });
    expect((error as WorkflowFailedError).cause?.message).toMatch(/admin role SUPER_ADMIN/);
    expect(await harness.mutations()).toEqual([]);
    expect((await oktaUser(harness, admin)).status).toBe('ACTIVE');
    await recordHistory('admin-role-refused', handle);
  });

  it('a role outside the protected list (HELP_DESK_ADMIN) does not protect', async () => {
    await harness.seed(org());
    const helpdesk = await harness.userId('helpdesk@example.com');
    const { handle } = await harness.start({ userId: helpdesk });
    expect((await handle.result()).outcome).toBe('completed');
    expect((await oktaUser(harness, helpdesk)).status).toBe('DEPROVISIONED');
  });
});

describe('a run the offboarding group started proves its trigger', () => {
  it('for someone not in the group: failed TriggerNotConfirmed, and Okta unchanged', async () => {
    await harness.seed(org());
    const userId = await harness.userId('not-leaving@example.com');
    const { handle } = await harness.start({ userId, source: 'okta-group', requestedBy: 'okta-event-hook' });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'TriggerNotConfirmed' } });
    expect(await harness.mutations()).toEqual([]);
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'ACTIVE', oktaGroupNames: ['Sales'] });
    await recordHistory('trigger-not-confirmed', handle);
  });

  it('for a member of the group, by its id: offboarded', async () => {
    await harness.seed(org());
    const userId = await harness.userId('leaving@example.com');
    const { handle } = await harness.start({ userId, source: 'okta-group', requestedBy: 'okta-event-hook' });
    expect((await handle.result()).outcome).toBe('completed');
    expect((await oktaUser(harness, userId)).status).toBe('DEPROVISIONED');
  });

  it('when two groups have the offboarding group’s name: refused, nothing changed', async () => {
    const twice = org();
    twice.groups.push({ name: 'Offboarding', type: 'OKTA_GROUP' });
    await harness.seed(twice);
    const userId = await harness.userId('leaving@example.com');
    const { handle } = await harness.start({ userId, source: 'okta-group', requestedBy: 'okta-event-hook' });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'OktaGroupNameAmbiguous' } });
    expect(await harness.mutations()).toEqual([]);
  });
});

describe('rehire restores what the run changed, to where it was', () => {
  it('a person SUSPENDED before the run comes back SUSPENDED, with the memberships and apps the run removed', async () => {
    await harness.seed(org());
    const userId = await harness.userId('on-leave@example.com');
    const { handle } = await harness.start({ userId });
    expect((await handle.result()).outcome).toBe('completed');
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'DEPROVISIONED', oktaGroupNames: [] });

    const run = await rehire(userId);
    const report = await run.result();
    await recordHistory('rehire-suspended-stays-suspended', run);

    const user = await oktaUser(harness, userId);
    expect(user.status).toBe('SUSPENDED');
    expect(user.oktaGroupNames).toEqual(['Engineering']);
    expect(user.directApps).toEqual(['Wiki']);
    expect(itemsOf(report, 'restoreUser')[0]?.reason).toMatch(/-> SUSPENDED \(SUSPENDED before the run/);
    // Item by item: the directory-mastered membership was never removed, so it is not "restored".
    const groups = new Map(itemsOf(report, 'addGroupMembership').map((item) => [item.id, item]));
    const state = await harness.admin.state();
    const idOfGroup = (name: string) => state.groups.find((group) => group.name === name)?.id ?? '';
    expect(groups.get(idOfGroup('Engineering'))?.outcome).toBe('done');
    expect(groups.get(idOfGroup('Directory Staff'))).toMatchObject({
      outcome: 'not-needed',
      reason: 'the run did not remove this membership',
    });
    // Nobody was mailed an activation link for a suspended account.
    const activation = (await harness.admin.requests()).find((entry) => entry.path.endsWith('/lifecycle/activate'));
    expect(activation?.query).toMatch(/sendEmail=false/);
  });

  it('after a run that was refused (protected): no Okta call at all, and the reason in the report', async () => {
    await harness.seed(org());
    const userId = await harness.userId('breakglass@example.com');
    const { handle } = await harness.start({ userId });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'ProtectedAccount' } });
    await harness.admin.clearRequests();

    const report = await (await rehire(userId)).result();
    expect(await harness.admin.requests()).toEqual([]);
    expect(report.steps).toEqual([]);
    // The note says how that run ended, and why.
    expect(report.notes.join(' ')).toMatch(
      /ended FAILED \(ProtectedAccount: Refused: .*\); it made no change a rehire could restore/,
    );
    expect((await oktaUser(harness, userId)).status).toBe('ACTIVE');
  });

  it('after a cancel in the lock, before the snapshot: the status the run changed comes back, nothing else', async () => {
    await harness.seed(org());
    const userId = await harness.userId('not-leaving@example.com');
    // The suspend is slow: the cancel arrives while it is in flight, and stops the run before the next change.
    const slow = await harness.admin.addFault({
      route: `/api/v1/users/${userId}/lifecycle/suspend`,
      method: 'POST',
      latencyMs: 1500,
    });
    const { handle } = await harness.start({ userId });
    await harness.waitForHit(slow);
    await handle.signal(cancelSignal, { requestedBy: 'vitest', reason: 'wrong person' });
    const cancelled = await handle.result();
    await recordHistory('cancelled-in-lock-before-snapshot', handle);
    expect(cancelled).toMatchObject({ outcome: 'cancelled', statusBefore: 'ACTIVE' });
    expect(cancelled.snapshot).toBeUndefined();
    expect(cancelled.notes.join(' ')).toMatch(/`rehire` restores them/);
    expect((await oktaUser(harness, userId)).status).toBe('SUSPENDED');
    await harness.admin.clearRequests();

    const run = await rehire(userId);
    const report = await run.result();
    await recordHistory('rehire-after-cancel-in-lock', run);
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'ACTIVE', oktaGroupNames: ['Sales'] });
    expect((await harness.mutations()).map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      `POST /api/v1/users/${userId}/lifecycle/unsuspend`,
    ]);
    expect(itemsOf(report, 'restoreUser')[0]).toMatchObject({ outcome: 'done' });
    expect(report.notes.join(' ')).toMatch(/only the account status is restored/);
  });

  it('of an open run whose account became protected meanwhile: refused, and what the run changed stays', async () => {
    await harness.seed(org());
    const userId = await harness.userId('not-leaving@example.com');
    const { handle } = await harness.start({ userId, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    const state = await harness.admin.state();
    const superAdmins = state.groups.find((group) => group.name === 'Super Admins')?.id ?? '';
    await harness.okta.client().groupApi.assignUserToGroup({ groupId: superAdmins, userId });
    await harness.admin.clearRequests();

    await handle.signal(rehireSignal, { requestedBy: 'vitest' });
    const error = await handle.result().catch((failure: unknown) => failure);
    await recordHistory('rehire-of-open-run-refused', handle);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'ProtectedAccount' });
    expect(await harness.mutations()).toEqual([]);
    expect(await oktaUser(harness, userId)).toMatchObject({
      status: 'DEPROVISIONED',
      oktaGroupNames: ['Super Admins'],
    });
  });

  it('of an account protected since its offboarding: refused, nothing changed', async () => {
    await harness.seed(org());
    const userId = await harness.userId('alice@example.com');
    const { handle } = await harness.start({ userId });
    expect((await handle.result()).outcome).toBe('completed');
    const state = await harness.admin.state();
    const superAdmins = state.groups.find((group) => group.name === 'Super Admins')?.id ?? '';
    await harness.okta.client().groupApi.assignUserToGroup({ groupId: superAdmins, userId });
    await harness.admin.clearRequests();

    const run = await rehire(userId);
    const error = await run.result().catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'ProtectedAccount' });
    expect(await harness.mutations()).toEqual([]);
    expect(await oktaUser(harness, userId)).toMatchObject({ status: 'DEPROVISIONED', directApps: [] });
  });
});
