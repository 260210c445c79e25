// Reads of the project's own Temporal runs (no Okta call), for rehire after a run closed; once Temporal no longer
// holds the run (deleted, or past the namespace's retention), the audit archive's record of it.
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AuditTrail } from '../archive/trail';
import { offboardingHandle } from '../runs/offboardings';
import type { OffboardingReport } from '../workflows/definitions';

export function createTemporalRunActivities(temporal: Client | undefined, archive?: AuditTrail) {
  return {
    /**
     * The report of the person's last closed offboarding run; for a run that ended without one (failed, terminated,
     * timed out), how it ended (`ended`, with the failure's type and message); when Temporal has no run of the
     * person, the last offboarding the archive holds with a snapshot (`archived` says so).
     */
    async getLastOffboarding({ userId }: { userId: string }): Promise<
      | (Pick<OffboardingReport, 'workflowId' | 'snapshot' | 'steps' | 'statusBefore'> & {
          archived?: { runId: string; archivedAt: string };
          ended?: string;
        })
      | undefined
    > {
      if (!temporal) throw ApplicationFailure.nonRetryable('The worker has no Temporal client for rehire lookups');
      const handle = offboardingHandle(temporal, userId);
      try {
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') {
          throw ApplicationFailure.create({
            type: 'OffboardingStillOpen',
            message: `${handle.workflowId} is still running: send it the rehire signal instead`,
            nonRetryable: true,
          });
        }
        if (description.status.name !== 'COMPLETED') {
          const ended = await handle.result().then(
            () => description.status.name,
            (error: unknown) => {
              const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
              const why = cause instanceof ApplicationFailure ? ` (${cause.type ?? 'Error'}: ${cause.message})` : '';
              return `${description.status.name}${why}`;
            },
          );
          return { workflowId: handle.workflowId, steps: [], ended };
        }
        const report = await handle.result();
        const { workflowId, snapshot, steps, statusBefore } = report;
        return { workflowId, snapshot, steps, ...(statusBefore ? { statusBefore } : {}) };
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        const found = await archive?.lastOffboardingWithSnapshot(userId);
        if (!found) return undefined;
        const { workflowId, runId, archivedAt, snapshot, steps } = found;
        return { workflowId, snapshot, steps, archived: { runId, archivedAt } };
      }
    },
  };
}
