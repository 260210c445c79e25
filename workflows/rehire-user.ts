// Rehire after the offboarding run closed: restore from the snapshot in that run's report, what the run removed
// and nothing else. No snapshot (the run failed, or was cancelled before it): nothing changes. A protected
// account (user, group or admin role) is refused as an offboarding is.
import { patched, workflowInfo } from '@temporalio/workflow';
import type { RehireReport, RehireRequest } from './definitions';
import { restoreLinkedOrgs } from './linked-orgs';
import { OktaCalls, readRunPolicy } from './okta-calls';
import { readForCheck, refuse } from './protection';
import { Milestones } from './milestones';
import { REHIRE_AFTER_CANCEL_IN_LOCK, RESTORES_WHAT_WAS_REMOVED, restoreFromSnapshot } from './restore';
import { RunRecord } from './run-record';

export async function rehireUser({ userId, requestedBy }: RehireRequest): Promise<RehireReport> {
  const startedAt = new Date().toISOString();
  const policy = await readRunPolicy();
  const okta = new OktaCalls(policy);
  const last = await okta.call('getLastOffboarding', 'revoke', `Find the last closed offboarding run of ${userId}`, {
    userId,
  });
  const record = new RunRecord(`Rehire ${userId} (requested by ${requestedBy})`, () => 'rehired');
  const notes: string[] = [];
  if (last?.archived)
    notes.push(
      `Restored from the audit archive: run ${last.archived.runId} of ${last.workflowId}, archived at ${last.archived.archivedAt} (Temporal no longer holds it).`,
    );
  if (patched(RESTORES_WHAT_WAS_REMOVED)) {
    if (!last?.snapshot && last?.statusBefore && patched(REHIRE_AFTER_CANCEL_IN_LOCK)) {
      // Cancelled in the lock, before its snapshot: the status it changed comes back, and nothing else was removed.
      const { refusal } = await readForCheck(okta, userId, 'revoke');
      if (refusal) throw refuse(refusal);
      const { statusBefore, steps } = last;
      await restoreFromSnapshot(okta, record, { userId, snapshot: undefined, policy, notes, steps, statusBefore });
    } else if (!last?.snapshot) {
      notes.push(
        last?.ended
          ? `${last.workflowId} ended ${last.ended}; it made no change a rehire could restore, so nothing was changed.`
          : last
            ? `${last.workflowId} ended before its snapshot, so it changed nothing a rehire could restore: nothing was changed.`
            : 'No completed offboarding run was found (it failed, was refused, or never ran): nothing was changed.',
      );
    } else {
      const { refusal } = await readForCheck(okta, userId, 'revoke');
      if (refusal) throw refuse(refusal);
      await restoreFromSnapshot(okta, record, { userId, snapshot: last.snapshot, policy, notes, steps: last.steps });
      await restoreLinkedOrgs(policy, record, notes, { snapshot: last.snapshot, steps: last.steps });
    }
  } else {
    if (!last) notes.push('No closed offboarding run with a report was found: only the user status is restored.');
    await restoreFromSnapshot(okta, record, { userId, snapshot: last?.snapshot, policy, notes, steps: [] });
  }
  const report: RehireReport = {
    workflowId: workflowInfo().workflowId,
    userId,
    fromWorkflowId: last?.workflowId,
    startedAt,
    finishedAt: new Date().toISOString(),
    steps: record.steps,
    notes,
  };
  const reportSoFar = () => ({ kind: 'rehire' as const, report: { ...report, requestedBy } });
  const milestones = new Milestones(reportSoFar, notes, (name) => policy.notify?.includes(name) ?? false);
  milestones.reach('rehired');
  await milestones.settled();
  return report;
}
