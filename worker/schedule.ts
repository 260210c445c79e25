// The System Log poller's Temporal Schedule, created or brought up to date by every worker at start.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import type { PollInput } from '../workflows/poll-offboarding-group';

export interface PollerScheduleConfig {
  /** The workflow task queue (OFFBOARD_TASK_QUEUE); one poller per deployment. */
  taskQueue: string;
  /** OFFBOARD_OKTA_GROUP, id or name; without it there is nothing to poll. */
  group?: string;
  /** OFFBOARD_POLL_INTERVAL, e.g. `1m`. */
  interval: string;
}

export const pollerScheduleId = (taskQueue: string): string => `offboarding-poller-${taskQueue}`;

/**
 * Idempotent: creates the schedule, or updates its interval and group when it exists (several
 * workers starting at once all end with the same schedule). The first poll's starting point is
 * kept across updates. Overlap SKIP: a slow poll is never run twice at once.
 */
export async function ensurePollerSchedule(
  client: Client,
  config: PollerScheduleConfig,
): Promise<ScheduleHandle | undefined> {
  if (!config.group) return undefined;
  const scheduleId = pollerScheduleId(config.taskQueue);
  const spec = { intervals: [{ every: config.interval }] };
  const input = (startFrom: string): PollInput => ({ group: config.group!, startFrom });
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'pollOffboardingGroup',
    workflowId: `poll-offboarding-group-${config.taskQueue}`,
    taskQueue: config.taskQueue,
    staticSummary: `Poll the Okta System Log for adds to ${config.group}`,
  };
  try {
    return await client.schedule.create({
      scheduleId,
      spec,
      action: { ...action, args: [input(new Date().toISOString())] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  await handle.update((previous) => {
    const startFrom = (previous.action.args?.[0] as PollInput | undefined)?.startFrom ?? new Date().toISOString();
    return {
      ...previous,
      spec,
      action: { ...action, args: [input(startFrom)] },
      policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
    };
  });
  return handle;
}
