// The worker's configuration, parsed and validated once at start-up from the environment.
import { z } from 'zod';
import type { OktaConfig } from '../okta/client';
import { oktaConfigFromEnv } from '../okta/config';
import { archiveConfigFromEnv, type ArchiveConfig } from '../archive/config';
import { notifiedMilestones, type NotifySettings } from '../activities/notify-settings';
import { DEFAULT_POLICY, type OffboardingPolicy } from '../activities/policy';
import { temporalConfigFromEnv, type TemporalConfig } from '../runs/temporal';
import { parseDuration } from '../workflows/definitions';
import { DEFAULT_BUDGET, parseBucketTable, type OktaBudget } from './budget';
import { DEFAULT_FOOTPRINT, type WorkflowFootprint } from './workers';
import { driftConfigFromEnv, type DriftConfig } from './drift-schedule';
import { notifySettingsFromEnv } from './notify-config';
import { linkedOrgPolicy, orgsFromEnv, type LinkedOrgConfig } from './orgs';

export interface WorkerConfig {
  temporal: TemporalConfig;
  okta: OktaConfig;
  policy: OffboardingPolicy;
  budget: OktaBudget;
  /** Linked orgs (Org2Org) from OKTA_ORGS_FILE, each with its credential, budget and link method; none without it. */
  linkedOrgs: LinkedOrgConfig[];
  /** The audit archive: PostgreSQL (OFFBOARD_ARCHIVE_DATABASE_URL) or the embedded folder (OFFBOARD_ARCHIVE_DIR). */
  archive: ArchiveConfig;
  /** Prometheus scrape address, e.g. `0.0.0.0:9464`; no metrics endpoint when absent. */
  metricsAddress?: string;
  /** The System Log poller's interval. */
  pollInterval: string;
  /** The drift watch (OFFBOARD_DRIFT_*): its window, interval, re-verification and policy. */
  drift: DriftConfig;
  /** Notifications (OFFBOARD_NOTIFY_FILE, worker/notify-config.ts); none without the file. */
  notifications?: NotifySettings;
  /** Prebundled workflow code (production); development bundles `workflows/` at start. */
  workflowBundlePath?: string;
  /** The workflow worker's footprint (OFFBOARD_MAX_CACHED_WORKFLOWS, OFFBOARD_WORKFLOW_TASK_SLOTS): see docs/performance.md. */
  footprint: WorkflowFootprint;
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

/**
 * OFFBOARD_PROTECTED_ROLES: admin role types never offboarded (`SUPER_ADMIN,ORG_ADMIN` when unset; `none` for none).
 * Okta's standard types (schema `RoleType`); a custom role's assignment lists its type as `CUSTOM`.
 */
function protectedRoles(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return DEFAULT_POLICY.protectedRoles;
  if (value.trim().toLowerCase() === 'none') return [];
  return list(value).map((role) => role.toUpperCase());
}

const THRESHOLD_MESSAGE = 'OFFBOARD_APPROVAL_THRESHOLD must be a whole number of starts (0 turns the count off)';

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
    // An empty value is unset, not 0: turning the guard off takes an explicit 0.
    OFFBOARD_APPROVAL_THRESHOLD: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.coerce
        .number({ message: THRESHOLD_MESSAGE })
        .int(THRESHOLD_MESSAGE)
        .min(0, THRESHOLD_MESSAGE)
        .default(DEFAULT_POLICY.approvalThreshold),
    ),
    OFFBOARD_APPROVAL_WINDOW: z
      .string()
      .refine((value) => (parseDuration(value) ?? 0) > 0, {
        message: 'OFFBOARD_APPROVAL_WINDOW must be a duration longer than 0s, such as 1h or 30m',
      })
      .default(DEFAULT_POLICY.approvalWindow),
    OFFBOARD_OKTA_RATE_SHARE: z.coerce.number().gt(0).max(1).default(DEFAULT_BUDGET.share),
    OFFBOARD_METRICS_ADDRESS: z.string().optional(),
    OFFBOARD_WORKFLOW_BUNDLE: z.string().optional(),
    OFFBOARD_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    OFFBOARD_MAX_CACHED_WORKFLOWS: z.coerce
      .number({ message: 'OFFBOARD_MAX_CACHED_WORKFLOWS must be a whole number of runs' })
      .int()
      .min(0)
      .default(DEFAULT_FOOTPRINT.maxCachedWorkflows),
    OFFBOARD_WORKFLOW_TASK_SLOTS: z.coerce
      .number({ message: 'OFFBOARD_WORKFLOW_TASK_SLOTS must be a whole number of slots' })
      .int()
      .min(2)
      .default(DEFAULT_FOOTPRINT.workflowTaskSlots),
    OFFBOARD_STICKY_QUEUE_TIMEOUT: duration('OFFBOARD_STICKY_QUEUE_TIMEOUT').default(
      DEFAULT_FOOTPRINT.stickyQueueTimeout,
    ),
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  const values = parsed.data;
  // The OKTA_* variables are the one org, unless OKTA_ORGS_FILE names the orgs (worker/orgs.ts).
  const orgs = orgsFromEnv(env, () => ({
    okta: oktaConfigFromEnv(env),
    budget: {
      perMinute: parseBucketTable(env.OFFBOARD_OKTA_RATE_LIMITS, DEFAULT_BUDGET.perMinute),
      share: values.OFFBOARD_OKTA_RATE_SHARE,
      concurrency: parseBucketTable(env.OFFBOARD_OKTA_CONCURRENCY, DEFAULT_BUDGET.concurrency),
    },
  }));
  const temporal = temporalConfigFromEnv(env);
  const notifications = notifySettingsFromEnv(env, temporal);
  return {
    temporal,
    okta: orgs.okta,
    policy: {
      ...DEFAULT_POLICY,
      protectedUsers: list(env.OFFBOARD_PROTECTED_USERS),
      protectedGroups: list(env.OFFBOARD_PROTECTED_GROUPS),
      protectedRoles: protectedRoles(env.OFFBOARD_PROTECTED_ROLES),
      deviceWipeDelay: values.OFFBOARD_DEVICE_WIPE_DELAY,
      deleteAfter: values.OFFBOARD_DELETE_AFTER,
      lockBudget: values.OFFBOARD_LOCK_BUDGET,
      phaseBudget: values.OFFBOARD_PHASE_BUDGET,
      retryMaximumInterval: values.OFFBOARD_RETRY_MAX_INTERVAL,
      itemConcurrency: values.OFFBOARD_ITEM_CONCURRENCY,
      offboardingGroup: env.OFFBOARD_OKTA_GROUP || undefined,
      approvalThreshold: values.OFFBOARD_APPROVAL_THRESHOLD,
      approvalWindow: values.OFFBOARD_APPROVAL_WINDOW,
      approvalRequiredGroups: list(env.OFFBOARD_APPROVAL_REQUIRED_GROUPS),
      ...linkedOrgPolicy(orgs.linked),
      ...(notifications ? { notify: notifiedMilestones(notifications) } : {}),
    },
    budget: orgs.budget,
    linkedOrgs: orgs.linked,
    archive: archiveConfigFromEnv(env),
    metricsAddress: values.OFFBOARD_METRICS_ADDRESS,
    pollInterval: values.OFFBOARD_POLL_INTERVAL,
    drift: driftConfigFromEnv(env),
    notifications,
    workflowBundlePath: values.OFFBOARD_WORKFLOW_BUNDLE,
    logLevel: values.OFFBOARD_LOG_LEVEL,
    footprint: {
      maxCachedWorkflows: values.OFFBOARD_MAX_CACHED_WORKFLOWS,
      workflowTaskSlots: values.OFFBOARD_WORKFLOW_TASK_SLOTS,
      stickyQueueTimeout: values.OFFBOARD_STICKY_QUEUE_TIMEOUT,
    },
  };
}
