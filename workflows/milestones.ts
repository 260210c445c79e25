// What a run tells the world as it goes. Each milestone (started, awaiting approval, locked out, device wipe
// scheduled, needs attention, and the end: completed, cancelled, rehired, failed) is written to the audit archive,
// which outlives Temporal's retention, and sent to the people who need to know. Neither is in the runbook's path:
// the lock goes on while the archive row is written, and the run waits for its milestones only when it ends.
import {
  CancellationScope,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { OffboardingActivities } from '../activities';
import { activityTaskQueue, PRIORITY, type Milestone, type MilestoneName } from './definitions';
import { describeFailure } from './needs-attention';
import { BUCKET_OF } from './okta-calls';

/** Runs that started before it write no archive and send no notification. */
export const MILESTONES = 'milestones-archive-and-notify';

// The archive is evidence: a write is retried until the database answers (the run waits for it before it ends).
// First as a local activity, one attempt beside the workflow task (no task-queue round trip per milestone); if that
// fails, as an activity retried until it succeeds, so that a database outage never holds the workflow task (and with
// it the lock) open.
const { archiveMilestone: archiveNow } = proxyLocalActivities<OffboardingActivities>({
  summary: 'Write the milestone to the audit archive',
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});
const { archiveMilestone: archiveUntilWritten } = proxyActivities<OffboardingActivities>({
  summary: 'Write the milestone to the audit archive (retried until the database answers)',
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});
const archiveMilestone = (milestone: Milestone): Promise<void> =>
  archiveNow(milestone).catch(() => archiveUntilWritten(milestone));

/**
 * A notification never holds the runbook: after its retries a failure is a note in the report, not needs-attention.
 * It reads the person and their manager from Okta, so it runs on that bucket's queue, behind the lock-out's calls.
 */
function notifyMilestone(milestone: Milestone): Promise<unknown> {
  const bucket = BUCKET_OF.notifyMilestone;
  const { taskQueue } = workflowInfo();
  return proxyActivities<OffboardingActivities>({
    taskQueue: bucket === 'worker' ? taskQueue : activityTaskQueue(taskQueue, bucket),
    summary: 'Notify the people who need to know',
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '10m',
    retry: {
      initialInterval: '1s',
      maximumInterval: '30s',
      maximumAttempts: 8,
      nonRetryableErrorTypes: ['BadTemplate'],
    },
    priority: { priorityKey: PRIORITY.revoke },
  }).notifyMilestone(milestone);
}

export class Milestones {
  private readonly pending: Promise<void>[] = [];
  private readonly reached = new Map<MilestoneName, number>();
  private readonly enabled: boolean;

  /**
   * `notifies` says whether the worker's policy sends anything for a milestone (no activity is scheduled when it
   * sends nothing).
   */
  constructor(
    private readonly reportSoFar: () => Pick<Milestone, 'kind' | 'report'>,
    private readonly notes: string[],
    private readonly notifies: (name: MilestoneName) => boolean,
    dryRun = false,
  ) {
    this.enabled = !dryRun && patched(MILESTONES);
  }

  /**
   * Records the milestone and notifies, without waiting. Started outside the run's cancellation scope, so that
   * Temporal's Cancel does not cancel the archive write of a milestone the run already passed.
   */
  reach(name: MilestoneName): void {
    if (!this.enabled) return;
    const sequence = (this.reached.get(name) ?? 0) + 1;
    this.reached.set(name, sequence);
    const { workflowId, runId } = workflowInfo();
    const milestone = {
      name,
      at: new Date().toISOString(),
      key: `${workflowId}/${runId}/${name}/${sequence}`,
      workflowId,
      runId,
      ...this.reportSoFar(),
    } as Milestone;
    const notify = this.notifies(name);
    const work = CancellationScope.nonCancellable(async () => {
      if (!notify) return archiveMilestone(milestone);
      const notified = notifyMilestone(milestone).catch((error: unknown) => {
        const { message } = describeFailure(error);
        log.warn('A notification could not be sent', { workflowId, milestone: name, message });
        this.notes.push(`The ${name} notification could not be sent: ${message}.`);
      });
      await archiveMilestone(milestone);
      await notified;
    });
    this.pending.push(work);
  }

  /** Every milestone written and notified: the run may end. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }
}
