// The Okta budget (docs/architecture.md section 6): Okta's rate limits are org-wide, so they are enforced on
// the Temporal side for all workers together. Each bucket has its own activity task queue whose
// rate the Temporal server enforces across every worker (`maxTaskQueueActivitiesPerSecond`); every
// activity makes one Okta call on its happy path, so activities per second are Okta calls per
// second. Per-worker slot caps keep in-flight calls under Okta's concurrency limit, and priorities
// (lock-phase calls first) decide who goes first when a bucket is the bottleneck.
import { OKTA_BUCKETS, type OktaBucket } from '../workflows/definitions';

export interface OktaBudget {
  /** Okta's per-minute limit of each bucket (the org's rate-limit dashboard). */
  perMinute: Record<OktaBucket, number>;
  /** Fraction of each bucket this deployment may use; the rest is left to other integrations. */
  share: number;
  /** Activity slots per bucket in one worker process: their sum times the worker count stays below Okta's concurrency limit (75). */
  concurrency: Record<OktaBucket, number>;
}

/** Okta's Workforce per-minute limits (packages/okta-emulator/docs/okta-behaviour.md section 3). */
export const WORKFORCE_LIMITS: Record<OktaBucket, number> = {
  'users-get': 2000,
  'users-update': 600,
  groups: 500,
  'groups-id': 1000,
  apps: 100,
  devices: 100,
  logs: 120,
};

/** 31 slots per worker: two workers stay below Okta's default concurrency limit of 75. */
export const DEFAULT_CONCURRENCY: Record<OktaBucket, number> = {
  'users-get': 8,
  'users-update': 8,
  groups: 2,
  'groups-id': 4,
  apps: 4,
  devices: 4,
  logs: 1,
};

export const DEFAULT_BUDGET: OktaBudget = { perMinute: WORKFORCE_LIMITS, share: 0.9, concurrency: DEFAULT_CONCURRENCY };

/** Activities per second the server lets through a bucket's queue. */
export function queueRate(budget: OktaBudget, bucket: OktaBucket): number {
  return (budget.perMinute[bucket] * budget.share) / 60;
}

/** Parses `users-get=2000,apps=100` over the given defaults. */
export function parseBucketTable(
  text: string | undefined,
  defaults: Record<OktaBucket, number>,
): Record<OktaBucket, number> {
  const table = { ...defaults };
  for (const entry of (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, value] = entry.split('=').map((part) => part.trim());
    if (!OKTA_BUCKETS.includes(name as OktaBucket))
      throw new Error(`unknown Okta bucket "${name}" (known: ${OKTA_BUCKETS.join(', ')})`);
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0)
      throw new Error(`bucket ${name} needs a positive number, got "${value}"`);
    table[name as OktaBucket] = number;
  }
  return table;
}
