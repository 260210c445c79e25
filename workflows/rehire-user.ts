// Rehire after the offboarding run closed: restore from the snapshot in that run's report.
import { workflowInfo } from '@temporalio/workflow';
import type { RehireReport, RehireRequest } from './definitions';
import { OktaCalls, readRunPolicy } from './okta-calls';
import { restoreFromSnapshot } from './restore';
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
  if (!last) notes.push('No closed offboarding run with a report was found: only the user status is restored.');
  await restoreFromSnapshot(okta, record, { userId, snapshot: last?.snapshot, policy, notes });
  return {
    workflowId: workflowInfo().workflowId,
    userId,
    fromWorkflowId: last?.workflowId,
    startedAt,
    finishedAt: new Date().toISOString(),
    steps: record.steps,
    notes,
  };
}
