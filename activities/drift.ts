// The drift watch's activities (workflows/drift-watch.ts): one filtered read of the System Log per interval, kept to
// the people the archive watches; whether a rehire explains what came back; and the watch's bookkeeping in the
// archive (archive/drift.ts). Okta ids and event types only: no login, name or e-mail leaves these activities.
import type { Client as OktaClient, LogEvent } from '@okta/okta-sdk-nodejs';
import { WorkflowNotFoundError, type Client as TemporalClient } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ArchiveDb } from '../archive/db';
import { DriftArchive, type DriftEventRow, type DriftPollRow, type VerificationRow } from '../archive/drift';
import { callOkta } from '../okta/errors';
import { offboardingHandle } from '../runs/offboardings';
import { rehireWorkflowId, statusQuery, type DriftNotice } from '../workflows/definitions';

/** What the watch reads: returning accounts, memberships and assignments, and sign-ins. */
export const STATUS_EVENTS = ['user.lifecycle.activate', 'user.lifecycle.unsuspend', 'user.lifecycle.reactivate'];
export const SIGN_IN_EVENTS = ['user.session.start', 'user.authentication.*'];

/**
 * One filter for every kind (docs/operations.md, "The drift watch"): Okta's System Log filter takes SCIM operators,
 * `sw` included (`eventType sw "user.authentication."`, Okta's System Log query guide). Sign-ins only when they
 * succeeded: a deactivated account's failed attempts are not access.
 */
export const DRIFT_FILTER = [
  ...STATUS_EVENTS.map((type) => `eventType eq "${type}"`),
  'eventType eq "group.user_membership.add"',
  'eventType eq "application.user_membership.add"',
  '((eventType eq "user.session.start" or eventType sw "user.authentication.") and outcome.result eq "SUCCESS")',
].join(' or ');

/** Okta writes an event shortly after its `published` time: each poll reads this much before its cursor again. */
export const OVERLAP_MS = 5 * 60_000;
const PAGE_SIZE = 1000;

export interface DriftCandidate {
  /** `<userId>/<kind>/<event uuid>`: the drift event's idempotency key. */
  key: string;
  userId: string;
  kind: DriftNotice['kind'];
  at: string;
  eventType: string;
  eventUuid: string;
  /** The group, the app, or the event type of a status change. */
  itemId?: string;
  clientIp?: string;
  appId?: string;
  /** Okta ids and event types only. */
  detail: string;
  completedAt: string;
}

export interface DriftRead {
  readFrom: string;
  readUntil: string;
  pages: number;
  eventsRead: number;
  /** People watched when the poll read. */
  watched: number;
  /** Events about watched people, after their completion, not recorded yet. */
  candidates: DriftCandidate[];
}

export interface DriftReadRequest {
  /** Where the first poll starts reading (the schedule's creation), when no poll has completed yet. */
  startFrom: string;
  /** The watch window, in ms: nobody who completed before now minus this is watched. */
  watchMs: number;
  /** Groups whose adds are not drift (the offboarding group: an add there starts an offboarding), ids or names. */
  ignoreGroups: string[];
  /** Pages read at most; a window with more continues at the next poll. */
  maxPages: number;
}

const isSignIn = (type: string) => type === 'user.session.start' || type.startsWith('user.authentication.');
const publishedOf = (event: LogEvent) =>
  event.published instanceof Date ? event.published.toISOString() : new Date(String(event.published)).toISOString();

/** The user ids an event names: its actor, when a user, and its User and AppUser targets. */
function userIdsOf(event: LogEvent): { actor?: string; targets: string[] } {
  const actor = event.actor?.type === 'User' && event.actor.id ? event.actor.id : undefined;
  const targets = (event.target ?? [])
    .filter((target) => (target.type === 'User' || target.type === 'AppUser') && target.id)
    .map((target) => String(target.id));
  return { actor, targets: [...new Set(targets)] };
}

/** What the event means for one watched person, or nothing (an add to an ignored group). */
function classify(
  event: LogEvent,
  userId: string,
  asActor: boolean,
  ignoreGroups: Set<string>,
): Pick<DriftCandidate, 'kind' | 'itemId' | 'clientIp' | 'appId' | 'detail'> | undefined {
  const type = String(event.eventType);
  const actor = event.actor?.id ? `actor ${event.actor.id}` : 'actor unknown';
  const app = event.target?.find((target) => target.type === 'AppInstance');
  const appId = app?.id ? String(app.id) : undefined;
  const clientIp = event.client?.ipAddress ? String(event.client.ipAddress) : undefined;
  if (asActor || isSignIn(type)) {
    // The person acted: a sign-in, or anything done with their session.
    return {
      kind: 'sign-in',
      itemId: appId,
      clientIp,
      appId,
      detail: `${type} by ${userId}${appId ? ` to app ${appId}` : ''}${clientIp ? ` from ${clientIp}` : ''}`,
    };
  }
  if (STATUS_EVENTS.includes(type)) return { kind: 'status', itemId: type, detail: `${type} of ${userId} (${actor})` };
  if (type === 'group.user_membership.add') {
    const group = event.target?.find((target) => target.type === 'UserGroup');
    const groupId = group?.id ? String(group.id) : undefined;
    if (groupId && (ignoreGroups.has(groupId) || (group?.displayName && ignoreGroups.has(group.displayName))))
      return undefined;
    return { kind: 'group', itemId: groupId, detail: `${userId} added to group ${groupId ?? 'unknown'} (${actor})` };
  }
  if (type === 'application.user_membership.add')
    return {
      kind: 'app',
      itemId: appId,
      appId,
      detail: `${userId} assigned to app ${appId ?? 'unknown'} (${actor})`,
    };
  return undefined;
}

export function createDriftActivities(
  okta: OktaClient,
  temporal: TemporalClient | undefined,
  archive: ArchiveDb | undefined,
) {
  const drift = (): DriftArchive => {
    if (!archive)
      throw ApplicationFailure.nonRetryable('The worker has no audit archive: the drift watch needs one', 'NoArchive');
    return new DriftArchive(archive);
  };

  return {
    /**
     * logs bucket: one filtered, bounded `GET /api/v1/logs` from the cursor (less the overlap) to now, and its pages,
     * whatever the number of people watched; then the watched people among the ids each page names, by one query.
     */
    async readDriftEvents({ startFrom, watchMs, ignoreGroups, maxPages }: DriftReadRequest): Promise<DriftRead> {
      const archived = drift();
      const now = Date.now();
      const completedAfter = new Date(now - watchMs).toISOString();
      const cursor = (await archived.cursor()) ?? startFrom;
      const readFrom = new Date(Math.max(Date.parse(cursor) - OVERLAP_MS, now - watchMs)).toISOString();
      let readUntil = new Date(now).toISOString();
      const collection = await callOkta('listLogEvents', () =>
        okta.systemLogApi.listLogEvents({ since: readFrom, until: readUntil, filter: DRIFT_FILTER, limit: PAGE_SIZE }),
      );
      const ignored = new Set(ignoreGroups);
      const found: DriftCandidate[] = [];
      let pages = 0;
      let eventsRead = 0;
      while (collection.nextUri && pages < maxPages) {
        const page = (await callOkta('listLogEvents', () => collection.getNextPage())) as LogEvent[];
        pages++;
        eventsRead += page.length;
        if (collection.nextUri && pages === maxPages && page.length > 0) readUntil = publishedOf(page.at(-1)!);
        const named = page.map((event) => ({ event, ...userIdsOf(event) }));
        const ids = named.flatMap(({ actor, targets }) => (actor ? [actor, ...targets] : targets));
        const watched = new Map((await archived.watchedAmong(ids, completedAfter)).map((user) => [user.userId, user]));
        for (const { event, actor, targets } of named) {
          if (!event.uuid || !event.eventType) continue;
          const at = publishedOf(event);
          const people = new Map<string, boolean>(targets.map((id) => [id, false]));
          if (actor) people.set(actor, true);
          for (const [userId, asActor] of people) {
            const user = watched.get(userId);
            if (!user || !(Date.parse(at) > Date.parse(user.completedAt))) continue;
            const meaning = classify(event, userId, asActor, ignored);
            if (!meaning) continue;
            found.push({
              key: `${userId}/${meaning.kind}/${event.uuid}`,
              userId,
              at,
              eventType: String(event.eventType),
              eventUuid: event.uuid,
              completedAt: user.completedAt,
              ...meaning,
            });
          }
        }
      }
      const recorded = await archived.recordedKeys(found.map((candidate) => candidate.key));
      const candidates = found.filter(
        (candidate, index) =>
          !recorded.has(candidate.key) && found.findIndex((other) => other.key === candidate.key) === index,
      );
      const watched = await archived.watchedCount(completedAfter);
      return { readFrom, readUntil, pages, eventsRead, watched, candidates };
    },

    /**
     * Whether a rehire explains access that came back: a `rehireUser` run open or closed since the completion, an
     * open offboarding run that received `rehire`, or a rehire in the archive after the completion.
     */
    async explainByRehire({
      userId,
      completedAt,
    }: {
      userId: string;
      completedAt: string;
    }): Promise<string | undefined> {
      const archived = await drift().rehiredAfter(userId, completedAt);
      if (archived) return archived;
      if (!temporal) throw ApplicationFailure.nonRetryable('The worker has no Temporal client for rehire lookups');
      const describe = async (workflowId: string) => {
        try {
          return await temporal.workflow.getHandle(workflowId).describe();
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return undefined;
          throw error;
        }
      };
      const rehire = await describe(rehireWorkflowId(userId));
      if (rehire?.status.name === 'RUNNING') return `${rehire.workflowId} is rehiring the person`;
      if (rehire?.closeTime && rehire.closeTime.getTime() >= Date.parse(completedAt))
        return `${rehire.workflowId} rehired the person at ${rehire.closeTime.toISOString()}`;
      const offboarding = await describe(offboardingHandle(temporal, userId).workflowId);
      if (offboarding?.status.name === 'RUNNING') {
        const status = await temporal.workflow.getHandle(offboarding.workflowId).query(statusQuery);
        if (status.phase === 'rehired' || status.lastMessage?.name === 'rehire')
          return `${offboarding.workflowId} received rehire`;
      }
      return undefined;
    },

    /** Records drift events; answers the keys this watch run recorded, the ones it acts on. */
    async recordDriftEvents({ events, runId }: { events: DriftEventRow[]; runId: string }): Promise<string[]> {
      return drift().recordEvents(events, runId);
    },

    /** The watched people whose last verification is older than `reverifyMs`, at most `limit`. */
    async pickDueForReverification({
      watchMs,
      reverifyMs,
      limit,
    }: {
      watchMs: number;
      reverifyMs: number;
      limit: number;
    }): Promise<Array<{ userId: string; completedAt: string }>> {
      const now = Date.now();
      const due = await drift().dueForReverification(
        new Date(now - watchMs).toISOString(),
        new Date(now - reverifyMs).toISOString(),
        limit,
      );
      return due.map(({ userId, completedAt }) => ({ userId, completedAt }));
    },

    async recordReverifications({ rows }: { rows: VerificationRow[] }): Promise<void> {
      await drift().recordVerifications(rows);
    },

    /** The poll's row: its `readUntil` is the next poll's cursor. */
    async recordDriftPoll(poll: DriftPollRow): Promise<void> {
      await drift().recordPoll(poll);
    },
  };
}
