// The audit archive's activity: each milestone a run reaches, written once (archive/trail.ts). A local activity
// (workflows/milestones.ts): a retry, or the replay of a workflow task whose worker died after the write, runs it
// again, and the row's key makes that a no-op.
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditTrail } from '../archive/trail';
import type { Milestone } from '../workflows/definitions';

export function createArchiveActivities(archive: AuditTrail | undefined) {
  return {
    async archiveMilestone(milestone: Milestone): Promise<void> {
      // Retryable: the run waits (its milestones are evidence) until a worker with an archive writes it.
      if (!archive) throw ApplicationFailure.retryable('This worker has no audit archive', 'NoAuditArchive');
      const { inserted } = await archive.record(milestone);
      if (!inserted) log.info('Milestone already archived', { key: milestone.key });
    },
  };
}
