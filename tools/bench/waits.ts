// Where a run's time goes between its start and its person's lockout, read from each run's history: every
// instant of that span is in one of four states, taken in this order when several overlap (parallel
// activities, a workflow task beside an activity):
//   workflow task waiting   a workflow task is scheduled and no worker has it yet (worker slots, this machine's CPU)
//   workflow task running   the worker runs the workflow code (and its local activities)
//   activity waiting        an activity is scheduled and not started: its bucket's rate limit, a lock-first
//                           priority holding it behind others, or the bucket's worker slots
//   activity running        the Okta call itself (and the activity worker around it)
// The remainder (before the first workflow task, between events) is `other`. If workflow tasks of lock-phase runs
// waited behind later steps' workflow tasks, the lockout's time would be in `workflow task waiting`: what a
// lock-first order for workflow tasks (a workflow priority, or a workflow task queue of its own) could win back.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const T = temporal.api.enums.v1.EventType;
const CLOSED = new Set<number>([
  T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
]);

export const WAIT_KINDS = [
  'workflow task waiting',
  'workflow task running',
  'activity waiting',
  'activity running',
  'other',
] as const;
export type WaitKind = (typeof WAIT_KINDS)[number];

export interface LockPathWaits {
  /** Runs whose history was read (people locked out by the stop). */
  runs: number;
  /** Mean milliseconds per run in each state, from the run's start to its person's lockout. */
  meanMs: Record<WaitKind, number>;
  /** The same for the tenth of the people locked out last: they make the makespan. */
  lastTenthMeanMs: Record<WaitKind, number>;
  /** The same from the start to the run's close, for the runs that closed (none when stopped at the lockout). */
  wholeRunMeanMs?: Record<WaitKind, number>;
  /** Histories that could not be read. */
  unread: number;
}

type Interval = { kind: WaitKind; from: number; to: number };

const millis = (time: { seconds?: unknown; nanos?: unknown } | null | undefined): number =>
  Number(time?.seconds ?? 0) * 1000 + Math.floor(Number(time?.nanos ?? 0) / 1e6);

const zero = (): Record<WaitKind, number> =>
  Object.fromEntries(WAIT_KINDS.map((kind) => [kind, 0])) as Record<WaitKind, number>;

/** One run's span from start to `lockedAtMs`, split into the states above. */
export function splitLockPath(
  events: temporal.api.history.v1.IHistoryEvent[],
  lockedAtMs: number,
): Record<WaitKind, number> {
  const intervals: Interval[] = [];
  const scheduledAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  let startMs: number | undefined;
  // A task's wait ends at its start event, its run at its close event: each names the event it follows.
  const from = (kind: WaitKind, since: Map<string, number>, eventId: unknown, to: number) => {
    const at = since.get(String(eventId));
    if (at !== undefined) intervals.push({ kind, from: at, to });
  };
  for (const event of events) {
    const at = millis(event.eventTime);
    const id = String(event.eventId);
    switch (event.eventType) {
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        startMs = at;
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduledAt.set(id, at);
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        from('workflow task waiting', scheduledAt, event.workflowTaskStartedEventAttributes?.scheduledEventId, at);
        startedAt.set(id, at);
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        from('activity waiting', scheduledAt, event.activityTaskStartedEventAttributes?.scheduledEventId, at);
        startedAt.set(id, at);
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case T.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: {
        const closed =
          event.workflowTaskCompletedEventAttributes ??
          event.workflowTaskFailedEventAttributes ??
          event.workflowTaskTimedOutEventAttributes;
        from('workflow task running', startedAt, closed?.startedEventId, at);
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case T.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case T.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const closed =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        from('activity running', startedAt, closed?.startedEventId, at);
        break;
      }
    }
  }
  const totals = zero();
  if (startMs === undefined || lockedAtMs <= startMs) return totals;
  const clipped = intervals
    .map((interval) => ({
      ...interval,
      from: Math.max(interval.from, startMs as number),
      to: Math.min(interval.to, lockedAtMs),
    }))
    .filter((interval) => interval.to > interval.from);
  const bounds = [
    ...new Set([startMs, lockedAtMs, ...clipped.flatMap((interval) => [interval.from, interval.to])]),
  ].sort((a, b) => a - b);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i] as number;
    const to = bounds[i + 1] as number;
    const active = new Set(clipped.filter((interval) => interval.from <= from && interval.to >= to).map((i) => i.kind));
    const kind = WAIT_KINDS.find((candidate) => active.has(candidate)) ?? 'other';
    totals[kind] += to - from;
  }
  return totals;
}

/** Reads the histories of the locked-out people's runs (a few at a time) and averages their lock paths. */
export async function lockPathWaits(
  client: Client,
  lockedAt: Map<string, number>,
  workflowIdOf: (userId: string) => string,
  onProgress?: (done: number, total: number) => void,
): Promise<LockPathWaits> {
  const people = [...lockedAt.entries()].sort(([, a], [, b]) => a - b);
  const split = new Array<Record<WaitKind, number> | undefined>(people.length);
  const whole: Array<Record<WaitKind, number>> = [];
  let next = 0;
  let done = 0;
  let unread = 0;
  const lane = async () => {
    while (next < people.length) {
      const index = next++;
      const [userId, at] = people[index] as [string, number];
      try {
        const history = await client.workflow.getHandle(workflowIdOf(userId)).fetchHistory();
        const events = history.events ?? [];
        split[index] = splitLockPath(events, at);
        const last = events[events.length - 1];
        if (typeof last?.eventType === 'number' && CLOSED.has(last.eventType))
          whole.push(splitLockPath(events, millis(last.eventTime)));
      } catch {
        unread++;
      }
      onProgress?.(++done, people.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  const mean = (rows: Array<Record<WaitKind, number> | undefined>) => {
    const read = rows.filter((row) => row !== undefined);
    const totals = zero();
    for (const row of read) for (const kind of WAIT_KINDS) totals[kind] += row[kind] / read.length;
    return totals;
  };
  return {
    runs: split.filter((row) => row !== undefined).length,
    meanMs: mean(split),
    lastTenthMeanMs: mean(split.slice(Math.floor(split.length * 0.9))),
    ...(whole.length ? { wholeRunMeanMs: mean(whole) } : {}),
    unread,
  };
}
