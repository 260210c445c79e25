// The System Log poller (docs/architecture.md section 7), run by a Temporal Schedule every
// OFFBOARD_POLL_INTERVAL: starts a run for each add to the offboarding group since the last poll.
// It is the trigger for orgs without a public endpoint and the safety net behind the event hook.
import { workflowInfo } from '@temporalio/workflow';
import { OktaCalls, type CallBudget } from './okta-calls';

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

/**
 * A poll runs every minute by default: a call that keeps failing gives up within 10 minutes, and the next poll
 * reads the same events again. Its calls go at lock priority: each add it finds is someone to lock out.
 */
const POLL_BUDGET: CallBudget = {
  lockBudget: '10m',
  phaseBudget: '10m',
  retryInitialInterval: '1s',
  retryMaximumInterval: '30s',
  attemptTimeout: '1m',
};

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

  const okta = new OktaCalls(POLL_BUDGET);
  const groupId = await okta.call('resolveOffboardingGroup', 'lock', `Find the offboarding group ${input.group}`, {
    group: input.group,
  });
  const since = new Date(Date.parse(cursor) - OVERLAP_MS).toISOString();
  const adds = await okta.call('readOffboardingGroupAdds', 'lock', `Read adds to group ${groupId} since ${since}`, {
    groupId,
    since,
  });

  let started = 0;
  for (const add of adds) {
    if (handled.has(add.uuid)) continue;
    const summary = `Start the offboarding run of ${add.userId} for event ${add.uuid}`;
    const run = await okta.call('startOffboardingForEvent', 'lock', summary, {
      add,
      group: input.group,
      taskQueue: workflowInfo().taskQueue,
    });
    if (run.created) started++;
  }

  const newest = adds.reduce((max, add) => (add.published > max ? add.published : max), cursor);
  const keepAfter = Date.parse(newest) - OVERLAP_MS;
  const recent = [...(last?.recent ?? []), ...adds.map(({ uuid, published }) => ({ uuid, published }))].filter(
    (event, index, all) =>
      Date.parse(event.published) >= keepAfter && all.findIndex((other) => other.uuid === event.uuid) === index,
  );
  return { cursor: newest, recent, started, cursorFrom: last ? 'previous-poll' : 'schedule-start' };
}
