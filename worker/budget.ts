// The Okta budget (docs/architecture.md section 6): Okta's rate limits are org-wide, so they are enforced on
// the Temporal side for all workers together. Each bucket has its own activity task queue whose
// rate the Temporal server enforces across every worker (`maxTaskQueueActivitiesPerSecond`); every
// activity makes one Okta call on its happy path, so activities per second are Okta calls per
// second. Per-worker slot caps keep in-flight calls under Okta's concurrency limit, and priorities
// (lock-phase calls first) decide who goes first when a bucket is the bottleneck.
import { OKTA_BUCKETS, type OktaBucket } from '../workflows/definitions';

/** A bucket's limit, or `cumulative`: Okta's org-wide Management API limit that every call also counts against. */
export type OktaLimit = OktaBucket | 'cumulative';

export interface OktaBudget {
  /** Okta's per-minute limit of each bucket and the cumulative limit (the org's rate-limit dashboard). */
  perMinute: Record<OktaLimit, number>;
  /** Fraction of each bucket this deployment may use; the rest is left to other integrations. */
  share: number;
  /** Activity slots per bucket in one worker process: their sum times the worker count stays below Okta's concurrency limit (75). */
  concurrency: Record<OktaBucket, number>;
}

/**
 * Okta's Workforce per-minute limits, by the bucket ids of Okta's path-to-bucket mapping
 * (packages/okta-emulator/docs/okta-behaviour.md section 3), and the cumulative Management API limit.
 */
export const WORKFORCE_LIMITS: Record<OktaLimit, number> = {
  'users-get': 2000,
  users: 600,
  'users-id': 600,
  groups: 500,
  apps: 100,
  devices: 100,
  'device-users': 100,
  logs: 120,
  default: 1200,
  cumulative: 7000,
};

/**
 * 36 slots per worker: two workers stay below Okta's default concurrency limit of 75. `users` carries the lock-out
 * and most reads of every later step, so it has the most. A queue's slots cap its rate at slots / call latency: the
 * 100/min buckets (apps, devices, device-users) have enough to reach their rate even when a call takes 300 ms of
 * wall time on a busy worker at six times Okta's pace (devices with 2 slots carried 150 of its 180 calls per 20 s
 * window there: docs/performance.md); at Okta's pace one slot would do.
 */
export const DEFAULT_CONCURRENCY: Record<OktaBucket, number> = {
  'users-get': 4,
  users: 12,
  'users-id': 2,
  groups: 4,
  apps: 5,
  devices: 4,
  'device-users': 3,
  logs: 1,
  default: 1,
};

export const DEFAULT_BUDGET: OktaBudget = { perMinute: WORKFORCE_LIMITS, share: 0.9, concurrency: DEFAULT_CONCURRENCY };

/**
 * Calls per minute each bucket's queue may make: `limit × share`, unless the queues together would pass
 * `cumulative × share`. Then the cumulative limit is shared max-min fairly: buckets below an equal share keep
 * their whole limit, and the others split what is left equally. At Okta's Workforce figures the buckets add up
 * to 5,420/min, under the 7,000 cumulative limit, so nothing is cut; an org with raised bucket limits is.
 */
export function queueRatesPerMinute(budget: OktaBudget): Record<OktaBucket, number> {
  const rates = {} as Record<OktaBucket, number>;
  let left = budget.perMinute.cumulative * budget.share;
  const byLimit = [...OKTA_BUCKETS].sort((a, b) => budget.perMinute[a] - budget.perMinute[b]);
  byLimit.forEach((bucket, index) => {
    const rate = Math.min(budget.perMinute[bucket] * budget.share, left / (byLimit.length - index));
    rates[bucket] = rate;
    left -= rate;
  });
  return rates;
}

/** Activities per second the server lets through a bucket's queue. */
export function queueRate(budget: OktaBudget, bucket: OktaBucket): number {
  return queueRatesPerMinute(budget)[bucket] / 60;
}

/** Parses `users=600,apps=100` over the given defaults (their keys are the names it knows). */
export function parseBucketTable<K extends string>(
  text: string | undefined,
  defaults: Record<K, number>,
): Record<K, number> {
  const table = { ...defaults };
  const known = Object.keys(defaults) as K[];
  for (const entry of (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, value] = entry.split('=').map((part) => part.trim());
    if (!known.includes(name as K)) throw new Error(`unknown Okta bucket "${name}" (known: ${known.join(', ')})`);
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0)
      throw new Error(`bucket ${name} needs a positive number, got "${value}"`);
    table[name as K] = number;
  }
  return table;
}
