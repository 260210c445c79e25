// The worker's configuration, parsed and validated once at start-up from the environment.
import { z } from 'zod';
import type { OktaConfig } from '../okta/client';
import { oktaConfigFromEnv } from '../okta/config';
import { DEFAULT_POLICY, type OffboardingPolicy } from '../activities/policy';
import { temporalConfigFromEnv, type TemporalConfig } from '../runs/temporal';
import { parseDuration } from '../workflows/definitions';
import { DEFAULT_BUDGET, parseBucketTable, type OktaBudget } from './budget';

export interface WorkerConfig {
  temporal: TemporalConfig;
  okta: OktaConfig;
  policy: OffboardingPolicy;
  budget: OktaBudget;
  /** Prometheus scrape address, e.g. `0.0.0.0:9464`; no metrics endpoint when absent. */
  metricsAddress?: string;
  /** The System Log poller's interval. */
  pollInterval: string;
  /** Prebundled workflow code (production); development bundles `workflows/` at start. */
  workflowBundlePath?: string;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const duration = (name: string) =>
  z.string().refine((value) => parseDuration(value) !== undefined, {
    message: `${name} must be a duration such as 72h, 3d, 30m or 0s`,
  });

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const schema = z.object({
    OFFBOARD_DEVICE_WIPE_DELAY: duration('OFFBOARD_DEVICE_WIPE_DELAY').default(DEFAULT_POLICY.deviceWipeDelay),
    OFFBOARD_DELETE_AFTER: duration('OFFBOARD_DELETE_AFTER').optional(),
    OFFBOARD_LOCK_BUDGET: duration('OFFBOARD_LOCK_BUDGET').default(DEFAULT_POLICY.lockBudget),
    OFFBOARD_PHASE_BUDGET: duration('OFFBOARD_PHASE_BUDGET').default(DEFAULT_POLICY.phaseBudget),
    OFFBOARD_RETRY_MAX_INTERVAL: duration('OFFBOARD_RETRY_MAX_INTERVAL')
      .refine((value) => (parseDuration(value) ?? 0) >= (parseDuration(DEFAULT_POLICY.retryInitialInterval) ?? 0), {
        message: `OFFBOARD_RETRY_MAX_INTERVAL must be at least the first retry's ${DEFAULT_POLICY.retryInitialInterval}`,
      })
      .default(DEFAULT_POLICY.retryMaximumInterval),
    OFFBOARD_ITEM_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(DEFAULT_POLICY.itemConcurrency),
    OFFBOARD_POLL_INTERVAL: duration('OFFBOARD_POLL_INTERVAL').default('1m'),
    OFFBOARD_OKTA_RATE_SHARE: z.coerce.number().gt(0).max(1).default(DEFAULT_BUDGET.share),
    OFFBOARD_METRICS_ADDRESS: z.string().optional(),
    OFFBOARD_WORKFLOW_BUNDLE: z.string().optional(),
    OFFBOARD_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  const values = parsed.data;
  return {
    temporal: temporalConfigFromEnv(env),
    okta: oktaConfigFromEnv(env),
    policy: {
      ...DEFAULT_POLICY,
      protectedUsers: list(env.OFFBOARD_PROTECTED_USERS),
      protectedGroups: list(env.OFFBOARD_PROTECTED_GROUPS),
      deviceWipeDelay: values.OFFBOARD_DEVICE_WIPE_DELAY,
      deleteAfter: values.OFFBOARD_DELETE_AFTER,
      lockBudget: values.OFFBOARD_LOCK_BUDGET,
      phaseBudget: values.OFFBOARD_PHASE_BUDGET,
      retryMaximumInterval: values.OFFBOARD_RETRY_MAX_INTERVAL,
      itemConcurrency: values.OFFBOARD_ITEM_CONCURRENCY,
      offboardingGroup: env.OFFBOARD_OKTA_GROUP || undefined,
    },
    budget: {
      perMinute: parseBucketTable(env.OFFBOARD_OKTA_RATE_LIMITS, DEFAULT_BUDGET.perMinute),
      share: values.OFFBOARD_OKTA_RATE_SHARE,
      concurrency: parseBucketTable(env.OFFBOARD_OKTA_CONCURRENCY, DEFAULT_BUDGET.concurrency),
    },
    metricsAddress: values.OFFBOARD_METRICS_ADDRESS,
    pollInterval: values.OFFBOARD_POLL_INTERVAL,
    workflowBundlePath: values.OFFBOARD_WORKFLOW_BUNDLE,
    logLevel: values.OFFBOARD_LOG_LEVEL,
  };
}
