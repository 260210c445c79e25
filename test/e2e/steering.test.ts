// Steering a run (docs/architecture.md section 4): schedule, reschedule, expedite, cancel, rehire,
// wipeDevicesNow, and the Temporal UI's Cancel; assertions on Okta's final state.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  cancelSignal,
  expediteUpdate,
  rehireSignal,
  rehireWorkflowId,
  rescheduleUpdate,
  retryUpdate,
  wipeDevicesNowSignal,
  type RehireReport,
} from '../../workflows/definitions';
import type { rehireUser } from '../../workflows/rehire-user';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

let harness: OffboardingHarness;
let alice: string;

useHarness({ policy: TEST_POLICY }, (started) => (harness = started));
beforeEach(async () => {
  const org = standardOrg();
  // alice was put in the Offboarding group by an admin (the group trigger); rehire must not re-add her.
  org.users.find((user) => user.login === 'alice@example.com')?.groups?.push('Offboarding');
  await harness.seed(org);
  alice = await harness.userId('alice@example.com');
});

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('a scheduled run', () => {
  it('changes nothing in Okta before its effective date, and reschedule moves the date', async () => {
    const { handle } = await harness.start({ userId: alice, effectiveAt: inSeconds(3600) });
    const waiting = await harness.waitForStatus(
      handle,
      (status) => status.phase === 'scheduled' && status.nextTimer !== undefined,
    );
    expect(waiting.nextTimer?.kind).toBe('effective-at');

    await expect(
      handle.executeUpdate(rescheduleUpdate, { args: [{ effectiveAt: inSeconds(-60) }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(
      handle.executeUpdate(rescheduleUpdate, { args: [{ effectiveAt: 'not a date' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await harness.mutations()).toEqual([]);

    const newDate = inSeconds(3);
    await handle.executeUpdate(rescheduleUpdate, { args: [{ effectiveAt: newDate, requestedBy: 'hr' }] });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    const firstChange = (await harness.mutations(alice))[0];
    expect(Date.parse(firstChange?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(newDate) - 1000);
    expect(report.messages.map((message) => message.name)).toEqual(['reschedule']);
    await recordHistory('scheduled-rescheduled', handle);
  });

  it('rejects reschedule and expedite once the run has left scheduled', async () => {
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    await expect(
      handle.executeUpdate(rescheduleUpdate, { args: [{ effectiveAt: inSeconds(600) }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(handle.executeUpdate(expediteUpdate, { args: [{ requestedBy: 'ops' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await expect(handle.executeUpdate(retryUpdate, { args: [{ requestedBy: 'ops' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await handle.signal(cancelSignal, { requestedBy: 'vitest' });
    await handle.result();
  });

  it('expedite ends the wait now', async () => {
    const { handle } = await harness.start({ userId: alice, effectiveAt: inSeconds(3600) });
    await harness.waitForStatus(handle, (status) => status.phase === 'scheduled' && status.nextTimer !== undefined);
    await handle.executeUpdate(expediteUpdate, { args: [{ requestedBy: 'ops', reason: 'security incident' }] });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    expect((await oktaUser(harness, alice)).status).toBe('DEPROVISIONED');
  });

  it('cancel while scheduled makes no Okta change at all', async () => {
    const { handle } = await harness.start({ userId: alice, effectiveAt: inSeconds(3600) });
    await harness.waitForStatus(handle, (status) => status.phase === 'scheduled' && status.nextTimer !== undefined);
    await handle.signal(cancelSignal, { requestedBy: 'hr', reason: 'offer rescinded' });
    const report = await handle.result();
    expect(report.outcome).toBe('cancelled');
    expect(report.steps).toEqual([]);
    expect(await harness.mutations()).toEqual([]);
    expect((await oktaUser(harness, alice)).status).toBe('ACTIVE');
    await recordHistory('cancel-while-scheduled', handle);
  });
});

describe('while devices wait for their wipe', () => {
  it('cancel ends the run with devices untouched and the user left deactivated', async () => {
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    const devicesBefore = (await oktaUser(harness, alice)).devices;
    await handle.signal(cancelSignal, { requestedBy: 'ops' });
    const report = await handle.result();
    expect(report.outcome).toBe('cancelled');
    const user = await oktaUser(harness, alice);
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.devices).toEqual(devicesBefore);
    expect(devicesBefore).toEqual(['Laptop A1:ACTIVE', 'Team iPad:ACTIVE']);
    expect(report.notes.join(' ')).toMatch(/stays deactivated/);
    expect(report.steps.map((step) => step.step)).not.toContain('decommissionDevice');
  });

  it('rehire restores the user, OKTA_GROUP memberships but the Offboarding group, and direct apps; devices untouched', async () => {
    const before = await oktaUser(harness, alice);
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    expect((await oktaUser(harness, alice)).oktaGroupNames).toEqual([]);
    await handle.signal(rehireSignal, { requestedBy: 'hr' });
    const report = await handle.result();
    expect(report.outcome).toBe('rehired');

    const after = await oktaUser(harness, alice);
    expect(['ACTIVE', 'PROVISIONED']).toContain(after.status);
    expect(after.oktaGroupNames).toEqual(before.oktaGroupNames.filter((name) => name !== 'Offboarding'));
    expect(after.directApps).toEqual(before.directApps);
    expect(after.devices).toEqual(before.devices);
    expect(report.notes.join(' ')).toMatch(/not restorable/);
    expect(report.notes.join(' ')).toMatch(/exclusion list/);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toMatch(/activationToken|activationUrl/);
    await recordHistory('rehire-while-awaiting-wipe', handle);
  });

  it('wipeDevicesNow ends the wait at once; a device shared with an ACTIVE user is kept', async () => {
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    await handle.signal(wipeDevicesNowSignal, { requestedBy: 'it', reason: 'laptop returned' });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    expect((await oktaUser(harness, alice)).devices).toEqual(['Team iPad:ACTIVE']);
    const devices = report.steps.find((step) => step.step === 'decommissionDevice');
    expect(devices?.items.find((item) => item.outcome === 'skipped')?.reason).toMatch(/shared with ACTIVE/);
  });

  it('cancel during the final verification still ends the run cancelled, the user left deactivated', async () => {
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    // Slow factor reads hold the run in `verifying` long enough for the cancel to land there.
    await harness.admin.addFault({ route: '/api/v1/users/*/factors', method: 'GET', latencyMs: 3000 });
    await handle.signal(wipeDevicesNowSignal, { requestedBy: 'it' });
    await harness.waitForStatus(handle, (status) => status.phase === 'verifying');
    await handle.signal(cancelSignal, { requestedBy: 'ops' });
    const report = await handle.result();
    expect(report.messages.map((message) => `${message.name}@${message.phase}`)).toEqual([
      'wipeDevicesNow@awaiting-device-wipe',
      'cancel@verifying',
    ]);
    expect(report.outcome).toBe('cancelled');
    expect(report.notes.join(' ')).toMatch(/stays deactivated/);
    const user = await oktaUser(harness, alice);
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.devices).toEqual(['Team iPad:ACTIVE']);
  });

  it('wipeDevicesNow sent before the wait is remembered', async () => {
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h', effectiveAt: inSeconds(1) });
    await handle.signal(wipeDevicesNowSignal, { requestedBy: 'it' });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    expect(report.messages.map((message) => `${message.name}@${message.phase}`)).toEqual(['wipeDevicesNow@scheduled']);
  });
});

describe('the Temporal UI Cancel button (a cancellation request)', () => {
  it('ends the run like the cancel signal, with a report', async () => {
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    await handle.cancel();
    const report = await handle.result();
    expect(report.outcome).toBe('cancelled');
    expect(report.messages.map((message) => message.name)).toEqual(['temporal-cancel']);
    expect((await oktaUser(harness, alice)).devices).toEqual(['Laptop A1:ACTIVE', 'Team iPad:ACTIVE']);
  });
});

describe('rehireUser after the run closed', () => {
  it("restores from the closed run's snapshot", async () => {
    const before = await oktaUser(harness, alice);
    const { handle } = await harness.start({ userId: alice });
    expect((await handle.result()).outcome).toBe('completed');

    const rehire = await harness.client.workflow.start<typeof rehireUser>('rehireUser', {
      taskQueue: harness.taskQueue,
      workflowId: rehireWorkflowId(alice),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ userId: alice, requestedBy: 'hr' }],
    });
    const report: RehireReport = await rehire.result();
    expect(report.fromWorkflowId).toBe(handle.workflowId);
    const after = await oktaUser(harness, alice);
    expect(['ACTIVE', 'PROVISIONED']).toContain(after.status);
    expect(after.oktaGroupNames).toEqual(before.oktaGroupNames.filter((name) => name !== 'Offboarding'));
    expect(after.directApps).toEqual(before.directApps);
    expect(JSON.stringify(await rehire.fetchHistory())).not.toMatch(/activationToken|activationUrl/);
    await recordHistory('rehire-user-after-close', rehire);
  });
});
