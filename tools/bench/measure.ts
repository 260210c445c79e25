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
  /** People with no lockout in the log (never suspended nor revoked). */
  notLocked: number;
  /** Later steps' writes in the lock-out's bucket, `users` (reset factors, deactivate), made before the last person was locked out. */
  laterCallsBeforeLastLock: number;
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

const LOCK_CALL = [
  { method: 'POST', path: /^\/api\/v1\/users\/[^/]+\/lifecycle\/suspend$/ },
  { method: 'DELETE', path: /^\/api\/v1\/users\/[^/]+\/sessions$/ },
  { method: 'DELETE', path: /^\/api\/v1\/users\/[^/]+\/grants$/ },
  { method: 'DELETE', path: /^\/api\/v1\/users\/[^/]+\/clients\/[^/]+\/tokens$/ },
];
const LATER_UPDATE = [{ method: 'POST', path: /^\/api\/v1\/users\/[^/]+\/lifecycle\/(reset_factors|deactivate)$/ }];
const USER_OF_PATH = /^\/api\/v1\/users\/([^/]+)/;

const matches = (entry: RequestEntry, rules: typeof LOCK_CALL) =>
  rules.some((rule) => rule.method === entry.method && rule.path.test(entry.path));
const succeeded = (entry: RequestEntry) => !entry.rateLimited && entry.status >= 200 && entry.status < 300;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** Lockout per person: from their start request to the latest of their suspend / sessions / grants / token revocations. */
export function lockoutFigures(log: RequestEntry[], startedAt: Map<string, number>, t0: number): LockoutFigures {
  const lockedAt = new Map<string, number>();
  for (const entry of log) {
    if (!succeeded(entry) || !matches(entry, LOCK_CALL)) continue;
    const userId = entry.userId ?? USER_OF_PATH.exec(entry.path)?.[1];
    if (!userId || !startedAt.has(userId)) continue;
    const at = Date.parse(entry.at);
    lockedAt.set(userId, Math.max(lockedAt.get(userId) ?? 0, at));
  }
  const times: number[] = [];
  let last = t0;
  for (const [userId, at] of lockedAt) {
    times.push(at - (startedAt.get(userId) as number));
    last = Math.max(last, at);
  }
  times.sort((a, b) => a - b);
  const laterCallsBeforeLastLock = log.filter(
    (entry) => !entry.rateLimited && matches(entry, LATER_UPDATE) && Date.parse(entry.at) < last,
  ).length;
  return {
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    maxMs: times.at(-1) ?? 0,
    makespanMs: last - t0,
    notLocked: startedAt.size - lockedAt.size,
    laterCallsBeforeLastLock,
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
