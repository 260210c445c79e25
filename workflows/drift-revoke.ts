// A revoke run: access came back after a verified offboarding (the drift watch found it, workflows/drift-watch.ts)
// and the policy is `revoke`. It removes what is there now with the runbook's own activities (lock, sessions and
// grants, OKTA_GROUP memberships, direct apps, deactivate), takes no new snapshot (the offboarding's stays the one
// rehire restores from), and verifies as the offboarding did. A protected account is refused, as an offboarding is.
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { OffboardingDrift, OktaUserId, type Phase, type Residue, type StepRecord } from './definitions';
import { OktaCalls, readRunPolicy, type ActivityArgs } from './okta-calls';
import { readForCheck, REFUSE_ADMIN_ROLES } from './protection';
import { forEachLimited, RunRecord } from './run-record';
import { findResidue } from './verify';

export interface RevokeRequest {
  userId: string;
  /** The drift event that started it: an Okta event uuid, or `residue-<watch run id>`. */
  eventKey: string;
  /** What came back, Okta ids and event types only. */
  reason: string;
}

export interface RevokeReport {
  workflowId: string;
  userId: string;
  eventKey: string;
  outcome: 'revoked' | 'residue-left' | 'refused';
  startedAt: string;
  finishedAt: string;
  steps: StepRecord[];
  residue: Residue[];
  notes: string[];
}

/**
 * Runs that started before it decided the admin-role check after the run policy's local activity: a patch taken
 * just after a local activity may land in a later workflow task than a replay expects (GUARD_DECIDED_FIRST in
 * offboard-user.ts). Taken in the first activation, it cannot move.
 */
const ROLE_CHECK_DECIDED_FIRST = 'role-check-decided-in-first-activation';

/** One revoke run per person and drift event (REJECT_DUPLICATE): a drift event read twice starts one run. */
export const revokeWorkflowId = (userId: string, eventKey: string): string => `revoke-${userId}-${eventKey}`;

export async function revokeReturnedAccess({ userId, eventKey, reason }: RevokeRequest): Promise<RevokeReport> {
  const startedAt = new Date().toISOString();
  upsertSearchAttributes([
    { key: OktaUserId, value: userId },
    { key: OffboardingDrift, value: [userId] },
  ]);
  let phase: Phase = 'checking';
  const record = new RunRecord(`Revoke access that came back to ${userId}: ${reason}`, () => phase);
  const notes: string[] = [];
  const report = (outcome: RevokeReport['outcome'], residue: Residue[] = []): RevokeReport => ({
    workflowId: workflowInfo().workflowId,
    userId,
    eventKey,
    outcome,
    startedAt,
    finishedAt: new Date().toISOString(),
    steps: record.steps,
    residue,
    notes,
  });
  const withRoles = patched(ROLE_CHECK_DECIDED_FIRST) ? patched(REFUSE_ADMIN_ROLES) : undefined;
  const policy = await readRunPolicy();
  const okta = new OktaCalls(policy);

  const check = record.begin('checkUser', 'checking');
  const checked = await readForCheck(okta, userId, 'lock', withRoles);
  if (checked.refusal) {
    record.finish(check, 'failed', checked.refusal);
    notes.push(`Refused: ${checked.refusal}. Nothing was changed; the drift event stays an alert.`);
    return report('refused');
  }
  const status = checked.user.transitioningToStatus ?? checked.user.status;
  record.add(check, { id: userId, kind: 'user', outcome: 'done', reason: `status ${status}` });
  record.finish(check, 'done');

  // Lock first, at lock priority: a returned account is suspended and its sessions end before anything else.
  phase = 'locking';
  const suspend = record.begin('suspendUser', 'locking');
  let knownStatus = status;
  if (status === 'ACTIVE') {
    const suspended = await okta.call('suspendUser', 'lock', `Suspend user ${userId}`, { userId, knownStatus });
    record.add(suspend, { id: userId, kind: 'user', outcome: suspended.outcome, reason: suspended.reason });
    if (suspended.outcome === 'done') knownStatus = 'SUSPENDED';
  }
  record.finish(suspend, undefined, status === 'ACTIVE' ? undefined : `status ${status}: deactivation follows`);
  const sessions = record.begin('revokeSessions', 'locking');
  const grants = record.begin('revokeGrants', 'locking');
  const [ended, revoked] = await Promise.all([
    okta.call('revokeSessions', 'lock', `Revoke sessions and OAuth tokens of ${userId}`, { userId }),
    okta.call('revokeGrants', 'lock', `Revoke OAuth consent grants of ${userId}`, { userId }),
  ]);
  record.add(sessions, { id: userId, kind: 'session', ...ended });
  record.add(grants, { id: userId, kind: 'grant', ...revoked });
  record.finish(sessions);
  record.finish(grants);

  phase = 'revoking';
  const groupStep = record.begin('removeGroupMembership', 'revoking');
  await forEachLimited(
    checked.groups.filter((group) => group.type === 'OKTA_GROUP'),
    policy.itemConcurrency,
    async (group) => {
      const summary = `Remove ${userId} from group ${group.id} (${group.name})`;
      const removed = await okta.call('removeGroupMembership', 'revoke', summary, { groupId: group.id, userId });
      record.add(groupStep, { id: group.id, kind: 'group', ...removed });
    },
  );
  record.finish(groupStep);
  const appStep = record.begin('unassignApp', 'revoking');
  const apps = await okta.call('listAssignedApps', 'revoke', `List apps assigned to ${userId}`, { userId });
  await forEachLimited(
    apps.filter((app) => app.scope === 'USER'),
    policy.itemConcurrency,
    async (app) => {
      const summary = `Unassign app ${app.id} (${app.label}) from ${userId}`;
      const unassigned = await okta.call('unassignApp', 'revoke', summary, { appId: app.id, userId });
      record.add(appStep, { id: app.id, kind: 'app', ...unassigned });
    },
  );
  record.finish(appStep);

  phase = 'deactivating';
  const deactivate = record.begin('deactivateUser', 'deactivating');
  if (status !== 'DEPROVISIONED') {
    const result = await okta.call('deactivateUser', 'revoke', `Deactivate user ${userId}`, { userId, knownStatus });
    record.add(deactivate, { id: userId, kind: 'user', outcome: result.outcome, reason: result.reason });
  }
  record.finish(deactivate, undefined, status === 'DEPROVISIONED' ? 'already DEPROVISIONED' : undefined);

  // The same verification as the offboarding's; it counts as the person's latest one for the watch.
  phase = 'verifying';
  const verification = record.begin('verifyOffboarded', 'verifying');
  const residue = await findResidue(okta, {
    userId,
    expectDeleted: false,
    deletedDeviceIds: [],
    itemConcurrency: policy.itemConcurrency,
  });
  record.finish(
    verification,
    residue.length ? 'failed' : 'done',
    residue.length ? `${residue.length} item(s) left` : 'no access left',
  );
  const { workflowId, runId } = workflowInfo();
  const row: ActivityArgs<'recordReverifications'>['rows'][number] = {
    key: `${workflowId}/${runId}/${userId}`,
    userId,
    verifiedAt: new Date().toISOString(),
    outcome: residue.length ? 'residue' : 'clean',
    residue: residue.length,
    workflowId,
    runId,
  };
  await okta.call('recordReverifications', 'revoke', `Record the verification of ${userId}`, { rows: [row] });
  phase = residue.length ? 'needs-attention' : 'completed';
  record.publish();
  if (residue.length) notes.push('Access is still left after the revoke: see the residue; an operator must look.');
  return report(residue.length ? 'residue-left' : 'revoked', residue);
}
