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
  return ensureSchedule(client, scheduleId, {
    spec,
    workflowType: 'pollOffboardingGroup',
    workflowId: `poll-offboarding-group-${config.taskQueue}`,
    taskQueue: config.taskQueue,
    staticSummary: `Poll the Okta System Log for adds to ${config.group}`,
    input,
  });
}

/** A schedule that starts one workflow whose only argument carries `startFrom`, its reading's first point. */
export interface IntervalSchedule<Input extends { startFrom: string }> {
  spec: { intervals: Array<{ every: string }> };
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  staticSummary: string;
  input: (startFrom: string) => Input;
}

/**
 * Creates the schedule, or brings it up to date (spec and input) when it exists, keeping the `startFrom` the
 * first creation set: several workers starting at once all end with the same schedule. Overlap SKIP.
 */
export async function ensureSchedule<Input extends { startFrom: string }>(
  client: Client,
  scheduleId: string,
  { spec, input, ...workflow }: IntervalSchedule<Input>,
): Promise<ScheduleHandle> {
  const action = { type: 'startWorkflow' as const, ...workflow };
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
    const startFrom = (previous.action.args?.[0] as Input | undefined)?.startFrom ?? new Date().toISOString();
    return {
      ...previous,
      spec,
      action: { ...action, args: [input(startFrom)] },
      policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP },
    };
  });
  return handle;
}
