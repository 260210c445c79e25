// What a benchmark phase measured, read from the emulator's request log and state.
import type { Org, RequestEntry } from '@okta-offboarding/okta-emulator';
import type { Residual } from '../results';

export interface LockoutFigures {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** First start request to the last person's lockout. */
  makespanMs: number;
  /** People with no lockout in the log (sign-in not closed, or sessions or grants not revoked). */
  notLocked: number;
  /**
   * Later steps' writes in the lock-out's bucket, `users` (reset factors, deactivate), made before the last
   * person was locked out; a person's own lock-phase deactivation (a status Okta cannot suspend) is their lock.
   */
  laterCallsBeforeLastLock: number;
  /** Every later-phase call in the `users` bucket (snapshot reads, resets, deactivations, verification reads) made before the last lockout. */
  laterUsersBucketCallsBeforeLastLock: number;
}

export interface CallFigures {
  total: number;
  perUser: number;
  byBucket: Record<string, number>;
  perUserByBucket: Record<string, number>;
  rateLimited: number;
  rateLimitedShare: number;
  rateLimitedByBucket: Record<string, number>;
  /** The most calls answered (not 429) in any one Okta minute, by bucket: how close a bucket ran to its limit. */
  peakPerOktaMinuteByBucket: Record<string, number>;
}

const SUSPEND = { method: 'POST', path: /^\/api\/v1\/users\/[^/]+\/lifecycle\/suspend$/ };
const DEACTIVATE = { method: 'POST', path: /^\/api\/v1\/users\/[^/]+\/lifecycle\/deactivate$/ };
const SESSIONS = { method: 'DELETE', path: /^\/api\/v1\/users\/[^/]+\/sessions$/ };
const GRANTS = { method: 'DELETE', path: /^\/api\/v1\/users\/[^/]+\/grants$/ };
const CLIENT_TOKENS = { method: 'DELETE', path: /^\/api\/v1\/users\/[^/]+\/clients\/[^/]+\/tokens$/ };
/** The lock phase's second listing of OAuth clients, after the revocations: part of the lock, not a later step. */
const LIST_CLIENTS = { method: 'GET', path: /^\/api\/v1\/users\/[^/]+\/clients$/ };
const LATER_UPDATE = [{ method: 'POST', path: /^\/api\/v1\/users\/[^/]+\/lifecycle\/(reset_factors|deactivate)$/ }];
const USER_OF_PATH = /^\/api\/v1\/users\/([^/]+)/;
/** Statuses in which a person cannot sign in: nothing to close. */
const CLOSED = new Set(['SUSPENDED', 'DEPROVISIONED']);

type Rule = { method: string; path: RegExp };
const matches = (entry: RequestEntry, ...rules: Rule[]) =>
  rules.some((rule) => rule.method === entry.method && rule.path.test(entry.path));
const succeeded = (entry: RequestEntry) => !entry.rateLimited && entry.status >= 200 && entry.status < 300;
const userOf = (entry: RequestEntry) => entry.userId ?? USER_OF_PATH.exec(entry.path)?.[1];

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** Each offboarded person's status in the seed: which call closes their sign-in. */
export function statusesOf(org: Org, userIds: string[]): Map<string, string> {
  const status = new Map(org.users.map((user) => [user.id ?? user.login, user.status as string]));
  return new Map(userIds.map((id) => [id, status.get(id) ?? 'ACTIVE']));
}

/**
 * When each person was locked out, from the request log: their sign-in closed (an ACTIVE person suspended, a
 * person in any other open status deactivated; nothing for one already SUSPENDED or DEPROVISIONED), their
 * sessions and their grants revoked. The time is the latest of those calls (the first success of each) and of any
 * client-token revocation. People missing any of them are absent from the map.
 */
export function lockoutTimes(log: RequestEntry[], statusAtStart: Map<string, string>): Map<string, number> {
  const seen = new Map<string, { closed: number; sessions: number; grants: number; tokens: number }>();
  for (const entry of log) {
    if (!succeeded(entry)) continue;
    const userId = userOf(entry);
    const status = userId ? statusAtStart.get(userId) : undefined;
    if (!userId || !status) continue;
    const at = Date.parse(entry.at);
    const person = seen.get(userId) ?? { closed: 0, sessions: 0, grants: 0, tokens: 0 };
    const first = (value: number) => (value === 0 ? at : Math.min(value, at));
    const closes = status === 'ACTIVE' ? SUSPEND : DEACTIVATE;
    if (matches(entry, closes)) person.closed = first(person.closed);
    else if (matches(entry, SESSIONS)) person.sessions = first(person.sessions);
    else if (matches(entry, GRANTS)) person.grants = first(person.grants);
    else if (matches(entry, CLIENT_TOKENS)) person.tokens = Math.max(person.tokens, at);
    seen.set(userId, person);
  }
  const lockedAt = new Map<string, number>();
  for (const [userId, person] of seen) {
    const alreadyClosed = CLOSED.has(statusAtStart.get(userId) as string);
    if ((!alreadyClosed && !person.closed) || !person.sessions || !person.grants) continue;
    lockedAt.set(userId, Math.max(person.closed, person.sessions, person.grants, person.tokens));
  }
  return lockedAt;
}

/** Lockout per person (lockoutTimes), from their start request; makespan from the first start to the last lockout. */
export function lockoutFigures(
  log: RequestEntry[],
  startedAt: Map<string, number>,
  t0: number,
  statusAtStart: Map<string, string>,
): LockoutFigures {
  const lockedAt = lockoutTimes(log, statusAtStart);
  const times: number[] = [];
  let last = t0;
  for (const [userId, at] of lockedAt) {
    const start = startedAt.get(userId);
    if (start === undefined) continue;
    times.push(at - start);
    last = Math.max(last, at);
  }
  times.sort((a, b) => a - b);
  // A call for a person after their own lockout is a later step's; before the last lockout it took the
  // bucket from someone still waiting for theirs. (People never locked out are counted in notLocked.)
  const later = (entry: RequestEntry) => {
    const userId = userOf(entry);
    const lockedAtOfUser = userId ? lockedAt.get(userId) : undefined;
    if (entry.rateLimited || lockedAtOfUser === undefined) return false;
    const at = Date.parse(entry.at);
    return at > lockedAtOfUser && at < last;
  };
  let laterCallsBeforeLastLock = 0;
  let laterUsersBucketCallsBeforeLastLock = 0;
  for (const entry of log) {
    if (!later(entry)) continue;
    if (matches(entry, ...LATER_UPDATE)) laterCallsBeforeLastLock++;
    if (entry.bucket === 'users' && !matches(entry, LIST_CLIENTS)) laterUsersBucketCallsBeforeLastLock++;
  }
  return {
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    maxMs: times.at(-1) ?? 0,
    makespanMs: last - t0,
    notLocked: [...startedAt.keys()].filter((userId) => !lockedAt.has(userId)).length,
    laterCallsBeforeLastLock,
    laterUsersBucketCallsBeforeLastLock,
  };
}

/** Most entries within any window of `windowMs`, over sorted times. */
function peakInWindow(times: number[], windowMs: number): number {
  let peak = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

export function callFigures(log: RequestEntry[], users: number, oktaMinuteMs = 60_000): CallFigures {
  const byBucket: Record<string, number> = {};
  const rateLimitedByBucket: Record<string, number> = {};
  let rateLimited = 0;
  for (const entry of log) {
    byBucket[entry.bucket] = (byBucket[entry.bucket] ?? 0) + 1;
    if (entry.rateLimited || entry.status === 429) {
      rateLimited++;
      rateLimitedByBucket[entry.bucket] = (rateLimitedByBucket[entry.bucket] ?? 0) + 1;
    }
  }
  const timesByBucket = new Map<string, number[]>();
  for (const entry of log) {
    if (entry.rateLimited) continue;
    const times = timesByBucket.get(entry.bucket) ?? [];
    times.push(Date.parse(entry.at));
    timesByBucket.set(entry.bucket, times);
  }
  const peakPerOktaMinuteByBucket = Object.fromEntries(
    [...timesByBucket].map(([bucket, times]) => [
      bucket,
      peakInWindow(
        times.sort((a, b) => a - b),
        oktaMinuteMs,
      ),
    ]),
  );
  const n = Math.max(users, 1);
  return {
    peakPerOktaMinuteByBucket,
    total: log.length,
    perUser: log.length / n,
    byBucket,
    perUserByBucket: Object.fromEntries(Object.entries(byBucket).map(([bucket, calls]) => [bucket, calls / n])),
    rateLimited,
    rateLimitedShare: log.length ? rateLimited / log.length : 0,
    rateLimitedByBucket,
  };
}

/**
 * People who keep any access in the org's state: not DEPROVISIONED, an OKTA_GROUP membership, a
 * direct app, a factor, a grant, a refresh token, a session, or a device only offboarded people held.
 */
export function residualOf(state: Org, userIds: string[]): Residual {
  const wanted = new Set(userIds);
  const groupType = new Map(state.groups.map((group) => [group.id, group.type]));
  const statusOf = new Map(state.users.map((user) => [user.id, user.status]));
  const left = new Set<string>();
  for (const user of state.users) {
    if (!user.id || !wanted.has(user.id)) continue;
    const keeps =
      user.status !== 'DEPROVISIONED' ||
      (user.groups ?? []).some((group) => groupType.get(group) === 'OKTA_GROUP') ||
      (user.apps ?? []).some((app) => app.scope === 'USER') ||
      (user.factors ?? []).length > 0 ||
      (user.grants ?? []).length > 0 ||
      (user.refreshTokens ?? []).length > 0 ||
      (user.sessions ?? 0) > 0;
    if (keeps) left.add(user.id);
  }
  for (const device of state.devices) {
    const holders = device.users;
    const sharedWithActive = holders.some((id) => !wanted.has(id) && statusOf.get(id) === 'ACTIVE');
    if (sharedWithActive) continue;
    for (const id of holders) if (wanted.has(id)) left.add(id);
  }
  return { count: left.size, userIds: [...left].sort() };
}

/**
 * People who can still sign in or hold a live credential in the org's state, the lock-out's own check (a run
 * stopped at its lockout has not removed apps, groups or devices yet): a status other than SUSPENDED or
 * DEPROVISIONED, an open session, a grant or a refresh token.
 */
export function lockResidualOf(state: Org, userIds: string[]): Residual {
  const wanted = new Set(userIds);
  const left = state.users
    .filter((user) => user.id && wanted.has(user.id))
    .filter(
      (user) =>
        !CLOSED.has(user.status) ||
        (user.sessions ?? 0) > 0 ||
        (user.grants ?? []).length > 0 ||
        (user.refreshTokens ?? []).length > 0,
    )
    .map((user) => user.id as string)
    .sort();
  return { count: left.length, userIds: left };
}
