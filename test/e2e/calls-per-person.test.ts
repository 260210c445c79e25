// What an offboarding costs in Okta calls, bucket by bucket, read from the emulator's request log: exactly the
// runbook's minimum (tools/bench/floor.ts, which the benchmark's floor is computed with), and the cuts that keep
// the guarantees (no OAuth client list in the lock, nothing read twice around deactivation, no device read before
// its deactivation, no holders read in the snapshot, no user lookup when HR sends an Okta id).
import { beforeEach, describe, expect, it } from 'vitest';
import { workforceTable } from '@okta-offboarding/okta-emulator';
import type { RequestEntry } from '@okta-offboarding/okta-emulator';
import { GROUP_RULES_SHARED_MS } from '../../activities/groups';
import { startOrReschedule } from '../../runs/offboardings';
import { runbookFloor } from '../../tools/bench/floor';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { employee, standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

let harness: OffboardingHarness;

// The production sharing of the group-rules listing: both people's snapshots are answered by one listing.
useHarness({ policy: TEST_POLICY, groupRulesSharedMs: GROUP_RULES_SHARED_MS }, (started) => (harness = started));
beforeEach(async () => {
  const org = standardOrg();
  // A direct app that Everyone also grants: Okta refuses to unassign it (403 E0000046) until deactivation.
  org.groups = org.groups.map((group) => (group.name === 'Everyone' ? { ...group, apps: ['GitHub'] } : group));
  org.users.push(employee('carol@example.com', { status: 'STAGED', sessions: 0, refreshTokens: [], grants: [] }));
  await harness.seed(org);
});

const byBucket = (log: RequestEntry[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const entry of log) if (entry.bucket) counts[entry.bucket] = (counts[entry.bucket] ?? 0) + 1;
  return counts;
};
const calls = (log: RequestEntry[], method: string, path: RegExp) =>
  log.filter((entry) => entry.method === method && path.test(entry.path)).length;

describe('the Okta calls of one offboarding', () => {
  it('are the runbook floor, bucket by bucket, for a user Okta suspends and one it cannot', async () => {
    const state = await harness.admin.state();
    const people = [await harness.userId('alice@example.com'), await harness.userId('carol@example.com')];
    await harness.admin.clearRequests();
    for (const userId of people) {
      const { handle } = await harness.start({ userId });
      expect((await handle.result()).outcome).toBe('completed');
      if (userId === people[0]) await recordHistory('fewer-calls-full-run', handle);
    }
    const log = await harness.admin.requests();
    const floor = runbookFloor(state, workforceTable(1), 'completion', { userIds: people });
    const expected = Object.fromEntries(Object.entries(floor.byBucket).map(([bucket, { calls }]) => [bucket, calls]));
    delete expected.cumulative;
    // The access-token lifetime is read once per worker and cached (activities/tokens.ts): not a per-person call.
    const { default: tokenLifetimeReads, ...measured } = byBucket(log);
    expect(tokenLifetimeReads).toBe(1);
    // So are the org's group rules (activities/groups.ts): one listing for both people, in the groups bucket.
    expect(calls(log, 'GET', /^\/api\/v1\/groups\/rules$/), 'group rules: one listing shared by both runs').toBe(1);
    expect(measured).toEqual({ ...expected, groups: (expected.groups ?? 0) + 1 });

    // The cuts, each visible in the log.
    const alice = people[0] as string;
    const user = `/api/v1/users/${alice}`;
    expect(calls(log, 'GET', new RegExp(`^${user}/clients$`)), 'clients: once, before deactivation').toBe(1);
    expect(calls(log, 'GET', new RegExp(`^${user}/grants$`)), 'grants: covered by the clients list').toBe(0);
    expect(calls(log, 'GET', new RegExp(`^${user}/groups$`)), 'groups: at the check and after deactivation').toBe(2);
    expect(calls(log, 'GET', new RegExp(`^${user}/factors$`)), 'factors: once, after their reset').toBe(1);
    expect(
      calls(log, 'DELETE', new RegExp(`^/api/v1/apps/[^/]+/users/${alice}$`)),
      'direct apps: deprovisioned by the deactivation, no unassignment',
    ).toBe(0);
    expect(calls(log, 'GET', /^\/api\/v1\/devices\/[^/]+$/), 'no device read: the DELETE answers for it').toBe(0);
    expect(calls(log, 'GET', /^\/api\/v1\/devices\/[^/]+\/users$/), 'holders: once per device, at wipe time').toBe(2);
    const after = await harness.admin.state();
    expect((await oktaUser(harness, alice)).status).toBe('DEPROVISIONED');
    expect(
      (after.users.find((candidate) => candidate.id === alice)?.apps ?? []).filter((a) => a.scope === 'USER'),
    ).toEqual([]);
    // Only the device a colleague who stays still holds is left.
    expect(after.devices.filter((device) => device.users.includes(alice)).map((device) => device.displayName)).toEqual([
      'Team iPad',
    ]);
  });

  it('revokes the tokens of a client still listed after the lock, before deactivation, and verifies them gone', async () => {
    const alice = await harness.userId('alice@example.com');
    // Okta answers the sessions revocation but keeps the refresh tokens (as a client Okta cannot reach would).
    await harness.admin.addFault({ route: `/api/v1/users/${alice}/sessions`, method: 'DELETE', status: 204 });
    const { handle } = await harness.start({ userId: alice });
    const report = await handle.result();
    await harness.admin.clearFaults();

    expect(report.outcome).toBe('completed');
    const tokens = report.steps.find((step) => step.step === 'revokeClientTokens');
    expect(tokens?.phase).toBe('revoking');
    expect(tokens?.items.map((item) => `${item.id}:${item.outcome}`).sort()).toEqual([
      '0oaCliTool000000001a:done',
      '0oaMobileApp00000001:done',
    ]);
    const state = await harness.admin.state();
    expect(state.users.find((candidate) => candidate.id === alice)?.refreshTokens ?? []).toEqual([]);
  });

  it('starts from an Okta id without looking the user up, and an unknown id fails the run before any change', async () => {
    await harness.admin.clearRequests();
    const unknown = '00u00000000000000000';
    const hrEvent = { reason: 'HR', source: 'hr' as const, requestedBy: 'workday', correlationId: 'hr-unknown-id' };
    const started = await startOrReschedule(harness.client, harness.okta.client(), harness.taskQueue, {
      ...hrEvent,
      user: unknown,
    });
    const handle = harness.client.workflow.getHandle(started.workflowId, started.runId);
    const failure = (await handle.result().catch((error: unknown) => error)) as { cause?: { type?: string } };
    expect(failure.cause?.type).toBe('UserNotFound');
    // The run's own check reads are the only calls: no lookup at the start, no change after the refusal.
    const log = await harness.admin.requests();
    expect(log.map((entry) => `${entry.method} ${entry.path}`).sort()).toEqual(
      [
        `GET /api/v1/users/${unknown}`,
        `GET /api/v1/users/${unknown}/groups`,
        `GET /api/v1/users/${unknown}/roles`,
      ].sort(),
    );

    // A login is still looked up before the run starts.
    await harness.admin.clearRequests();
    const byLogin = await startOrReschedule(harness.client, harness.okta.client(), harness.taskQueue, {
      ...hrEvent,
      correlationId: 'hr-by-login',
      user: 'alice@example.com',
    });
    const first = (await harness.admin.requests())[0];
    await harness.client.workflow.getHandle(byLogin.workflowId, byLogin.runId).terminate('test done');
    expect(`${first?.method} ${first?.path}`).toBe('GET /api/v1/users/alice%40example.com');
  });
});
