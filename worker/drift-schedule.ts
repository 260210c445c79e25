// The drift watch's settings and its Temporal Schedule: one for the whole org (per workflow task queue), created
// or brought up to date by every worker at start, like the System Log poller's (worker/schedule.ts).
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { ScheduleHandle } from '@temporalio/client';
import { z } from 'zod';
import { parseDuration, type OktaBucket } from '../workflows/definitions';
import type { DriftAction, DriftWatchInput } from '../workflows/drift-watch';
import type { OktaBudget } from './budget';
import { ensureSchedule } from './schedule';

export interface DriftConfig {
  /** OFFBOARD_DRIFT_WATCH: how long a person is watched after a completed offboarding; `0s` turns the watch off. */
  watch: string;
  /** OFFBOARD_DRIFT_POLL: the schedule's interval. */
  poll: string;
  /** OFFBOARD_DRIFT_REVERIFY: re-verify a watched person once their last verification is this old. */
  reverify: string;
  /** OFFBOARD_DRIFT_SHARE: the share of each bucket the re-verifications may use. */
  share: number;
  /** OFFBOARD_DRIFT_ACTION: `alert`, or `revoke` what came back. */
  action: DriftAction;
}

export const DEFAULT_DRIFT: DriftConfig = { watch: '30d', poll: '5m', reverify: '7d', share: 0.1, action: 'alert' };

/**
 * The Okta calls one re-verification makes, per bucket: `findResidue` (workflows/verify.ts) reads the status
 * (`users-get`), the groups (`users`) and the apps (`apps`) of a deactivated person who has no devices to check.
 */
export const REVERIFY_CALLS: Partial<Record<OktaBucket, number>> = { 'users-get': 1, users: 1, apps: 1 };

const duration = (name: string, minMs = 0) =>
  z.string().refine((value) => (parseDuration(value) ?? -1) >= minMs, {
    message: `${name} must be a duration such as 30d, 7d or 5m${minMs > 0 ? ' (more than 0s)' : ''}`,
  });

export function driftConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DriftConfig {
  const unset = (value: unknown) => (value === '' ? undefined : value);
  const schema = z.object({
    OFFBOARD_DRIFT_WATCH: z.preprocess(unset, duration('OFFBOARD_DRIFT_WATCH').default(DEFAULT_DRIFT.watch)),
    OFFBOARD_DRIFT_POLL: z.preprocess(unset, duration('OFFBOARD_DRIFT_POLL', 1_000).default(DEFAULT_DRIFT.poll)),
    OFFBOARD_DRIFT_REVERIFY: z.preprocess(
      unset,
      duration('OFFBOARD_DRIFT_REVERIFY', 1_000).default(DEFAULT_DRIFT.reverify),
    ),
    OFFBOARD_DRIFT_SHARE: z.preprocess(
      unset,
      z.coerce
        .number({ message: 'OFFBOARD_DRIFT_SHARE must be a number from 0 to 1, such as 0.1' })
        .min(0, 'OFFBOARD_DRIFT_SHARE must be a number from 0 to 1, such as 0.1')
        .max(1, 'OFFBOARD_DRIFT_SHARE must be a number from 0 to 1, such as 0.1')
        .default(DEFAULT_DRIFT.share),
    ),
    OFFBOARD_DRIFT_ACTION: z.preprocess(
      unset,
      z
        .enum(['alert', 'revoke'], { message: 'OFFBOARD_DRIFT_ACTION must be alert or revoke' })
        .default(DEFAULT_DRIFT.action),
    ),
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  const values = parsed.data;
  return {
    watch: values.OFFBOARD_DRIFT_WATCH,
    poll: values.OFFBOARD_DRIFT_POLL,
    reverify: values.OFFBOARD_DRIFT_REVERIFY,
    share: values.OFFBOARD_DRIFT_SHARE,
    action: values.OFFBOARD_DRIFT_ACTION,
  };
}

/**
 * Re-verifications one watch run may make: `share` of what each bucket a re-verification reads allows in one
 * interval, divided by that re-verification's calls in the bucket; the tightest bucket decides (at Workforce limits,
 * `apps`: 100/min × 0.1 × 5 min = 50 people per run).
 */
export function reverificationsPerInterval(perMinute: OktaBudget['perMinute'], poll: string, share: number): number {
  const minutes = (parseDuration(poll) ?? 0) / 60_000;
  const allowed = Object.entries(REVERIFY_CALLS).map(([bucket, calls]) =>
    Math.floor((perMinute[bucket as OktaBucket] * share * minutes) / (calls ?? 1)),
  );
  return Math.max(0, Math.min(...allowed));
}

export const driftScheduleId = (taskQueue: string): string => `offboarding-drift-watch-${taskQueue}`;

export interface DriftScheduleConfig {
  taskQueue: string;
  drift: DriftConfig;
  /** The worker's Okta budget: its per-minute limits bound the re-verifications. */
  perMinute: OktaBudget['perMinute'];
  /** OFFBOARD_OKTA_GROUP: adds to it start offboardings, they are not drift. */
  offboardingGroup?: string;
}

/**
 * Idempotent: creates the schedule, or updates its interval and input when it exists (several workers starting
 * at once all end with the same schedule; the first poll's starting point is kept). Overlap SKIP: a slow watch run
 * is never run twice at once, and the cursor in the archive makes the next one read what it skipped. With the watch
 * off (`OFFBOARD_DRIFT_WATCH=0s`) the schedule is deleted.
 */
export async function ensureDriftSchedule(
  client: Client,
  config: DriftScheduleConfig,
): Promise<ScheduleHandle | undefined> {
  const scheduleId = driftScheduleId(config.taskQueue);
  if (!parseDuration(config.drift.watch)) {
    await client.schedule
      .getHandle(scheduleId)
      .delete()
      .catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
    return undefined;
  }
  const spec = { intervals: [{ every: config.drift.poll }] };
  const input = (startFrom: string): DriftWatchInput => ({
    watch: config.drift.watch,
    reverifyAfter: config.drift.reverify,
    reverifyLimit: reverificationsPerInterval(config.perMinute, config.drift.poll, config.drift.share),
    action: config.drift.action,
    startFrom,
    ignoreGroups: config.offboardingGroup ? [config.offboardingGroup] : [],
  });
  return ensureSchedule(client, scheduleId, {
    spec,
    workflowType: 'watchForDrift',
    workflowId: `watch-for-drift-${config.taskQueue}`,
    taskQueue: config.taskQueue,
    staticSummary: `Watch for access that comes back within ${config.drift.watch} of an offboarding (${config.drift.action})`,
    input,
  });
}
