// The drift watch (docs/operations.md, "The drift watch"), run by one Temporal Schedule for the whole org every
// OFFBOARD_DRIFT_POLL: for OFFBOARD_DRIFT_WATCH after a completed offboarding, does access come back? Each run reads
// the System Log once (plus its pages) for returning accounts, memberships, assignments and sign-ins of the people
// the archive watches, re-verifies a bounded share of them the way the offboarding verified, and for what it finds
// records a drift event, warns, tags itself, notifies, and by policy starts a revoke run, unless a rehire explains it.
import {
  ApplicationFailure,
  log,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { OffboardingActivities } from '../activities';
import type { DriftCandidate } from '../activities/drift';
import { activityTaskQueue, OffboardingDrift, parseDuration, type DriftNotice, type Residue } from './definitions';
import { describeFailure } from './needs-attention';
import { BUCKET_OF, OktaCalls, type ActivityArgs, type CallBudget } from './okta-calls';
import { revokeReturnedAccess, revokeWorkflowId } from './drift-revoke';
import { forEachLimited } from './run-record';
import { findResidue } from './verify';

export type DriftAction = 'alert' | 'revoke';

export interface DriftWatchInput {
  /** OFFBOARD_DRIFT_WATCH: how long after a completed offboarding a person is watched (`30d`). */
  watch: string;
  /** OFFBOARD_DRIFT_REVERIFY: a watched person is re-verified once their last verification is this old (`7d`). */
  reverifyAfter: string;
  /**
   * Re-verifications per run: OFFBOARD_DRIFT_SHARE of what the tightest bucket the verification reads allows in one
   * interval (worker/drift-schedule.ts).
   */
  reverifyLimit: number;
  /** OFFBOARD_DRIFT_ACTION: `alert`, or `revoke` what came back (sign-ins are always alerts). */
  action: DriftAction;
  /** Where the first poll reads from: the schedule's creation. */
  startFrom: string;
  /** Groups whose adds are not drift, ids or names: the offboarding group (an add there starts an offboarding). */
  ignoreGroups: string[];
  /** System Log pages read at most per run (1,000 events each); a longer window continues at the next run. */
  maxPages?: number;
}

export interface DriftFound {
  key: string;
  userId: string;
  kind: DriftNotice['kind'];
  action: DriftNotice['action'];
  revokeWorkflowId?: string;
}

export interface DriftWatchResult {
  readFrom: string;
  readUntil: string;
  pages: number;
  eventsRead: number;
  watched: number;
  reverified: number;
  /** The drift events this run recorded. */
  drift: DriftFound[];
  notes: string[];
}

/** Retried for 10 minutes; the next run reads the same window again (the cursor moves only when a run completes). */
const DRIFT_BUDGET: CallBudget = {
  lockBudget: '10m',
  phaseBudget: '10m',
  retryInitialInterval: '1s',
  retryMaximumInterval: '30s',
  attemptTimeout: '1m',
};
const REVERIFY_CONCURRENCY = 8;
const DEFAULT_MAX_PAGES = 10;

type Finding = Omit<DriftCandidate, 'eventType' | 'eventUuid'> & {
  source: 'system-log' | 're-verification';
  eventType?: string;
  eventUuid?: string;
  /** The part of the revoke run's id that names this finding. */
  eventKey: string;
};
type EventRow = ActivityArgs<'recordDriftEvents'>['events'][number];
type VerificationRow = ActivityArgs<'recordReverifications'>['rows'][number];

/** A notification never holds the watch: after its retries a failure is a note in the result. */
function notifyDrift(notice: DriftNotice): Promise<unknown> {
  const bucket = BUCKET_OF.notifyDrift;
  const { taskQueue } = workflowInfo();
  const { notifyDrift: notify } = proxyActivities<OffboardingActivities>({
    taskQueue: bucket === 'worker' ? taskQueue : activityTaskQueue(taskQueue, bucket),
    summary: `Notify: access came back to ${notice.userId} (${notice.kind})`,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '5m',
    retry: {
      initialInterval: '1s',
      maximumInterval: '30s',
      maximumAttempts: 8,
      nonRetryableErrorTypes: ['BadTemplate'],
    },
  });
  return notify(notice);
}

/** A person deleted after the offboarding (`deleteAfter`, or by hand) has nothing left to come back. */
const isGone = (residue: Residue[]): boolean =>
  residue.length === 1 && residue[0]!.kind === 'user-status' && residue[0]!.detail.startsWith('user no longer exists');

const describeResidue = (residue: Residue[]): string =>
  residue.map((item) => (item.kind === 'user-status' ? `user ${item.detail}` : `${item.kind} ${item.id}`)).join(', ');

export async function watchForDrift(input: DriftWatchInput): Promise<DriftWatchResult> {
  const { workflowId, runId } = workflowInfo();
  const watchMs = parseDuration(input.watch);
  const reverifyMs = parseDuration(input.reverifyAfter);
  if (!watchMs || reverifyMs === undefined)
    throw ApplicationFailure.nonRetryable(`Bad watch settings: watch ${input.watch}, reverify ${input.reverifyAfter}`);
  const okta = new OktaCalls(DRIFT_BUDGET);
  const notes: string[] = [];

  // 1. The System Log since the cursor: one filtered read for the whole org, kept to the watched people.
  const read = await okta.call('readDriftEvents', 'revoke', 'Read the System Log for access that came back', {
    startFrom: input.startFrom,
    watchMs,
    ignoreGroups: input.ignoreGroups,
    maxPages: input.maxPages ?? DEFAULT_MAX_PAGES,
  });
  const findings: Finding[] = read.candidates.map((candidate) => ({
    ...candidate,
    source: 'system-log',
    eventKey: candidate.eventUuid,
  }));

  // 2. Re-verification of those whose last verification is oldest, within the share of the buckets it reads.
  const due = await okta.call('pickDueForReverification', 'revoke', 'Pick the watched people due for re-verification', {
    watchMs,
    reverifyMs,
    limit: input.reverifyLimit,
  });
  const verifications: VerificationRow[] = [];
  await forEachLimited(due, REVERIFY_CONCURRENCY, async ({ userId, completedAt }) => {
    let residue: Residue[];
    try {
      residue = await findResidue(okta, { userId, expectDeleted: false, deletedDeviceIds: [], itemConcurrency: 4 });
    } catch (error) {
      notes.push(`The re-verification of ${userId} failed (${describeFailure(error).message}); it is due again.`);
      return;
    }
    const gone = isGone(residue);
    const key = `${workflowId}/${runId}/${userId}`;
    const verifiedAt = new Date().toISOString();
    verifications.push({
      key,
      userId,
      verifiedAt,
      outcome: gone ? 'deleted' : residue.length ? 'residue' : 'clean',
      residue: gone ? 0 : residue.length,
      workflowId,
      runId,
    });
    if (gone || residue.length === 0) return;
    findings.push({
      key: `${userId}/residue/${key}`,
      userId,
      kind: 'residue',
      at: verifiedAt,
      source: 're-verification',
      detail: `re-verification found ${describeResidue(residue)}`,
      completedAt,
      eventKey: `residue-${runId}`,
    });
  });
  await okta.call('recordReverifications', 'revoke', `Record ${verifications.length} re-verification(s)`, {
    rows: verifications,
  });

  // 3. What each finding means: explained by a rehire, an alert, or (by policy, never for a sign-in) a revoke.
  const explanations = new Map<string, string | undefined>();
  for (const { userId, completedAt } of findings) {
    if (explanations.has(userId)) continue;
    const summary = `Does a rehire explain the access that came back to ${userId}?`;
    explanations.set(userId, await okta.call('explainByRehire', 'revoke', summary, { userId, completedAt }));
  }
  // One revoke run per person and watch run, named after the first finding that asks for it.
  const revokes = new Map<string, { workflowId: string; eventKey: string; reasons: string[] }>();
  const rows: EventRow[] = findings.map((finding) => {
    const explained = explanations.get(finding.userId);
    const action: DriftNotice['action'] = explained
      ? 'explained-by-rehire'
      : input.action === 'revoke' && finding.kind !== 'sign-in'
        ? 'revoke'
        : 'alert';
    let revoke = action === 'revoke' ? revokes.get(finding.userId) : undefined;
    if (action === 'revoke' && !revoke) {
      revoke = {
        workflowId: revokeWorkflowId(finding.userId, finding.eventKey),
        eventKey: finding.eventKey,
        reasons: [],
      };
      revokes.set(finding.userId, revoke);
    }
    revoke?.reasons.push(finding.detail);
    const { eventKey: _eventKey, ...row } = finding;
    return {
      ...row,
      action,
      detail: explained ? `${finding.detail}; explained: ${explained}` : finding.detail,
      revokeWorkflowId: revoke?.workflowId,
      workflowId,
      runId,
    };
  });
  const mine = new Set(
    await okta.call('recordDriftEvents', 'revoke', `Record ${rows.length} drift event(s)`, { events: rows, runId }),
  );
  const recorded = rows.filter((row) => mine.has(row.key));

  // 4. Tell the world about what is not explained; revoke by policy.
  const reported = recorded.filter((row) => row.action !== 'explained-by-rehire');
  for (const row of reported)
    log.warn('Access came back after a completed offboarding', {
      userId: row.userId,
      kind: row.kind,
      eventType: row.eventType ?? 're-verification',
      itemId: row.itemId,
      action: row.action,
      key: row.key,
    });
  const people = [...new Set(reported.map((row) => row.userId))];
  if (people.length > 0) upsertSearchAttributes([{ key: OffboardingDrift, value: people }]);
  const notified = reported.map((row) =>
    notifyDrift({
      key: row.key,
      userId: row.userId,
      at: row.at,
      kind: row.kind,
      detail: row.detail,
      ...(row.clientIp ? { clientIp: row.clientIp } : {}),
      ...(row.appId ? { appId: row.appId } : {}),
      action: row.action,
    }).catch((error: unknown) => {
      notes.push(`The drift notification ${row.key} could not be sent: ${describeFailure(error).message}.`);
    }),
  );
  for (const userId of new Set(reported.filter((row) => row.action === 'revoke').map((row) => row.userId))) {
    const revoke = revokes.get(userId)!;
    try {
      await startChild(revokeReturnedAccess, {
        workflowId: revoke.workflowId,
        args: [{ userId, eventKey: revoke.eventKey, reason: revoke.reasons.join('; ') }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Revoke the access that came back to ${userId}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      notes.push(`${revoke.workflowId} was already started.`);
    }
  }

  // 5. The poll's row moves the cursor: a run that failed before here leaves it, and the next run reads again.
  const poll = {
    key: `${workflowId}/${runId}`,
    readFrom: read.readFrom,
    readUntil: read.readUntil,
    pages: read.pages,
    eventsRead: read.eventsRead,
    matched: read.candidates.length,
    watched: read.watched,
    reverified: verifications.length,
    workflowId,
    runId,
  };
  await okta.call('recordDriftPoll', 'revoke', `Record the poll up to ${read.readUntil}`, poll);
  await Promise.all(notified);
  return {
    readFrom: read.readFrom,
    readUntil: read.readUntil,
    pages: read.pages,
    eventsRead: read.eventsRead,
    watched: read.watched,
    reverified: verifications.length,
    drift: recorded.map(({ key, userId, kind, action, revokeWorkflowId }) => ({
      key,
      userId,
      kind,
      action,
      ...(revokeWorkflowId ? { revokeWorkflowId } : {}),
    })),
    notes,
  };
}
