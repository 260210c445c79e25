// Safe by default: an administrator is refused by role however the role is assigned; a run the offboarding group
// started proves the person is in that group, by id; rehire brings back what the run removed, to the status the
// run found, changes nothing when the run changed nothing, and refuses a protected account as an offboarding does.
// Real dev server, real SDK, the emulator's final state and request log.
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { rehireWorkflowId, type RehireReport } from '../../workflows/definitions';
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
    expect(report.notes.join(' ')).toMatch(/nothing was changed/);
    expect((await oktaUser(harness, userId)).status).toBe('ACTIVE');
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
