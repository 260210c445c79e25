// What a run decides, on the test run's Temporal dev server with the project's workers and short
// timers (no device-wipe wait unless a test holds the run there): which of cancel and rehire wins,
// what a dry run plans, and how a run parked in needs-attention resumes. Okta is an in-process
// emulator reached through the real SDK; assertions on its final state and request log.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeEach, describe, expect, it } from 'vitest';
import { cancelSignal, expediteUpdate, rehireSignal, retryUpdate } from '../../workflows/definitions';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

let harness: OffboardingHarness;
let alice: string;

useHarness({ policy: TEST_POLICY }, (started) => (harness = started));
beforeEach(async () => {
  await harness.admin.clearFaults();
  await harness.seed(standardOrg());
  alice = await harness.userId('alice@example.com');
});

/** Okta writes that would undo the offboarding: unsuspend, activate, re-adding a group or an app. */
async function restoreWrites(): Promise<string[]> {
  return (await harness.mutations(alice))
    .map((entry) => `${entry.method} ${entry.path}`)
    .filter((write) =>
      /\/lifecycle\/(unsuspend|activate)$|^PUT \/api\/v1\/groups\/|^POST \/api\/v1\/apps\//.test(write),
    );
}

describe('the first of cancel and rehire wins', () => {
  it('a cancel that arrived first ends the run cancelled: a later rehire restores nothing, and updates are refused', async () => {
    // A slow membership removal holds the run in `revoking` while the messages arrive.
    const slow = await harness.admin.addFault({
      route: '/api/v1/groups/*/users/*',
      method: 'DELETE',
      latencyMs: 3_000,
    });
    const { handle } = await harness.start({ userId: alice });
    await harness.waitForHit(slow);

    await handle.signal(cancelSignal, { requestedBy: 'hr', reason: 'offer rescinded' });
    await handle.signal(rehireSignal, { requestedBy: 'hr' });
    await expect(handle.executeUpdate(expediteUpdate, { args: [{ requestedBy: 'ops' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await expect(handle.executeUpdate(retryUpdate, { args: [{ requestedBy: 'ops' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    const report = await handle.result();

    expect(report.outcome).toBe('cancelled');
    expect(report.messages.map((message) => `${message.name}@${message.phase}`)).toEqual([
      'cancel@revoking',
      'rehire@revoking',
    ]);
    expect(report.steps.map((step) => step.step)).not.toContain('restoreUser');
    expect(await restoreWrites()).toEqual([]);
    expect((await oktaUser(harness, alice)).status).toBe('SUSPENDED');
  });

  it('a rehire that arrived first restores the person: a later cancel does not stop the restore, and updates are refused', async () => {
    const before = await oktaUser(harness, alice);
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    // A slow group re-add holds the run in its restore while the later messages arrive.
    const slow = await harness.admin.addFault({ route: '/api/v1/groups/*/users/*', method: 'PUT', latencyMs: 3_000 });

    await handle.signal(rehireSignal, { requestedBy: 'hr' });
    await harness.waitForHit(slow);
    await handle.signal(cancelSignal, { requestedBy: 'ops' });
    await expect(handle.executeUpdate(retryUpdate, { args: [{ requestedBy: 'ops' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    await expect(handle.executeUpdate(expediteUpdate, { args: [{ requestedBy: 'ops' }] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );
    const report = await handle.result();

    expect(report.outcome).toBe('rehired');
    expect(report.messages.map((message) => `${message.name}@${message.phase}`)).toEqual([
      'rehire@awaiting-device-wipe',
      'cancel@rehired',
    ]);
    const after = await oktaUser(harness, alice);
    expect(['ACTIVE', 'PROVISIONED']).toContain(after.status);
    expect(after.oktaGroupNames).toEqual(before.oktaGroupNames);
    expect(after.directApps).toEqual(before.directApps);
  });
});

/** The runbook change an Okta write in the request log is, as `step:id` (the id a plan item names). */
const CHANGES: Array<[RegExp, string]> = [
  [/^POST \/api\/v1\/users\/([^/]+)\/lifecycle\/suspend$/, 'suspendUser'],
  [/^DELETE \/api\/v1\/users\/([^/]+)\/sessions$/, 'revokeSessions'],
  [/^DELETE \/api\/v1\/users\/([^/]+)\/grants$/, 'revokeGrants'],
  [/^DELETE \/api\/v1\/users\/[^/]+\/clients\/([^/]+)\/tokens$/, 'revokeClientTokens'],
  [/^POST \/api\/v1\/users\/([^/]+)\/lifecycle\/reset_factors$/, 'resetFactors'],
  [/^DELETE \/api\/v1\/groups\/([^/]+)\/users\/[^/]+$/, 'removeGroupMembership'],
  [/^DELETE \/api\/v1\/apps\/([^/]+)\/users\/[^/]+$/, 'unassignApp'],
  [/^POST \/api\/v1\/users\/([^/]+)\/lifecycle\/deactivate$/, 'deactivateUser'],
  [/^POST \/api\/v1\/devices\/([^/]+)\/lifecycle\/deactivate$/, 'deactivateDevice'],
  [/^DELETE \/api\/v1\/devices\/([^/]+)$/, 'deleteDevice'],
];

function changeOf(write: string): string {
  for (const [pattern, step] of CHANGES) {
    const id = pattern.exec(write)?.[1];
    if (id) return `${step}:${id}`;
  }
  return `not a runbook change: ${write}`;
}

describe('a dry run', () => {
  it('plans exactly the changes a real run then makes on the same org, and changes nothing', async () => {
    const dry = await harness.start({ userId: alice, dryRun: true });
    expect(dry.workflowId).toMatch(new RegExp(`^offboard-dryrun-${alice}-`));
    const plan = await dry.handle.result();
    expect(plan.outcome).toBe('dry-run');
    expect(await harness.mutations()).toEqual([]);

    await harness.admin.clearRequests();
    const real = await harness.start({ userId: alice });
    expect((await real.handle.result()).outcome).toBe('completed');

    const planned = (plan.plan ?? []).map((action) => `${action.step}:${action.itemId}`);
    const made = (await harness.mutations()).map((entry) => changeOf(`${entry.method} ${entry.path}`));
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.sort()).toEqual(made.sort());
    await recordHistory('dry-run', dry.handle);
  });
});

describe('a step that keeps failing after the lock', () => {
  it('parks the run in needs-attention, visible by search attribute, until retry after the fix', async () => {
    const fault = await harness.admin.addFault({
      route: '/api/v1/groups/*/users/*',
      method: 'DELETE',
      status: 400,
      errorCode: 'E0000001',
      errorSummary: 'Api validation failed: membership',
    });
    const { handle } = await harness.start({ userId: alice });
    const parked = await harness.waitForStatus(handle, (status) => status.phase === 'needs-attention');
    expect(parked.attention).toMatchObject({ step: 'removeGroupMembership', type: 'OktaRequestRejected' });
    expect((await oktaUser(harness, alice)).status).toBe('SUSPENDED');

    const query = `OffboardingPhase = "needs-attention" AND OktaUserId = "${alice}"`;
    let found: string[] = [];
    for (let attempt = 0; attempt < 50 && found.length === 0; attempt++) {
      found = [];
      for await (const run of harness.client.workflow.list({ query })) found.push(run.workflowId);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(found).toEqual([handle.workflowId]);

    await harness.admin.removeFault(fault);
    await handle.executeUpdate(retryUpdate, { args: [{ requestedBy: 'on-call' }] });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    expect(report.messages.map((message) => message.name)).toEqual(['retry']);
    const user = await oktaUser(harness, alice);
    expect(user.status).toBe('DEPROVISIONED');
    expect(user.oktaGroupNames).toEqual([]);
    expect(user.directApps).toEqual([]);
    expect(user.factors).toEqual([]);
    expect(user.devices).toEqual(['Team iPad:ACTIVE']);
    await recordHistory('needs-attention-then-retry', handle);
  });
});
