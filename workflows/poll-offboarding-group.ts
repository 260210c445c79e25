// The System Log poller (DESIGN.md section 7), run by a Temporal Schedule every
// OFFBOARD_POLL_INTERVAL: starts a run for each add to the offboarding group since the last poll.
// It is the trigger for orgs without a public endpoint and the safety net behind the event hook.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OffboardingActivities } from '../activities';
import type { GroupAdd } from '../activities/system-log';
import { activityTaskQueue } from './definitions';
import { BUCKET_OF } from './okta-calls';

export interface PollInput {
  /** The offboarding group, id or name. */
  group: string;
  /** Where the first poll starts reading (the schedule's creation time). */
  startFrom: string;
}

export interface PollResult {
  /** The newest `published` seen: the next poll reads from here, less the overlap. */
  cursor: string;
  /** Events already handled inside the overlap, skipped when read again. */
  recent: Array<{ uuid: string; published: string }>;
  started: number;
  /** Whether this poll continued from the previous poll's cursor or from the schedule's start. */
  cursorFrom: 'previous-poll' | 'schedule-start';
}

/**
 * Okta writes an event to the System Log shortly after its `published` time, so an event can appear
 * behind the cursor; each poll re-reads this much before it and skips what it already handled.
 */
const OVERLAP_MS = 5 * 60_000;

function activitiesOn(name: keyof OffboardingActivities) {
  const bucket = BUCKET_OF[name];
  return proxyActivities<OffboardingActivities>({
    taskQueue: bucket === 'worker' ? workflowInfo().taskQueue : activityTaskQueue(workflowInfo().taskQueue, bucket),
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: '10m',
    retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: ['OffboardingGroupNotFound', 'OktaUnauthorized', 'OktaRequestRejected'] },
  });
}

/**
 * The cursor survives between scheduled runs as the run's result: a Schedule hands each run the
 * last completed run's result (`workflowInfo().lastResult`), durably, in Temporal. A failed poll
 * leaves it unchanged, so the next poll reads the same events again; starts are idempotent (the
 * event id and the person's workflow id), so reading an event twice never starts a second run.
 */
export async function pollOffboardingGroup(input: PollInput): Promise<PollResult> {
  const last = workflowInfo().lastResult as PollResult | undefined;
  const cursor = last?.cursor ?? input.startFrom;
  const handled = new Set((last?.recent ?? []).map((event) => event.uuid));

  const groupId = await activitiesOn('resolveOffboardingGroup').resolveOffboardingGroup({ group: input.group });
  const since = new Date(Date.parse(cursor) - OVERLAP_MS).toISOString();
  const adds: GroupAdd[] = await activitiesOn('readOffboardingGroupAdds').readOffboardingGroupAdds({ groupId, since });

  let started = 0;
  const starter = activitiesOn('startOffboardingForEvent');
  for (const add of adds) {
    if (handled.has(add.uuid)) continue;
    const run = await starter.startOffboardingForEvent({ add, group: input.group, taskQueue: workflowInfo().taskQueue });
    if (run.created) started++;
  }

  const newest = adds.reduce((max, add) => (add.published > max ? add.published : max), cursor);
  const keepAfter = Date.parse(newest) - OVERLAP_MS;
  const recent = [...(last?.recent ?? []), ...adds.map(({ uuid, published }) => ({ uuid, published }))].filter(
    (event, index, all) => Date.parse(event.published) >= keepAfter && all.findIndex((other) => other.uuid === event.uuid) === index,
  );
  return { cursor: newest, recent, started, cursorFrom: last ? 'previous-poll' : 'schedule-start' };
}
