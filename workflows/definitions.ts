// The public contract of an offboarding run, shared by workflows, activities and clients:
// input, report, status, message definitions, search-attribute keys and task-queue names.
// Sandbox-safe: it imports no Node built-ins and no activity or client code.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type OffboardingSource = 'hr' | 'okta-group' | 'cli' | 'api';

/** Input of `offboardUser`. Okta ids only: never an email, a name or a secret. */
export interface OffboardingRequest {
  userId: string;
  reason: string;
  source: OffboardingSource;
  /** The HR system's name, the operator, or `okta-event-hook`. */
  requestedBy: string;
  /** HR event id, Okta event uuid or ticket; kept in the `OffboardingEventId` search attribute. */
  correlationId: string;
  /** ISO-8601 with offset; absent or past means now. */
  effectiveAt?: string;
  /** Duration such as `72h` or `3d`; the worker's policy default when absent. */
  deviceWipeDelay?: string;
  /** Duration after which the deactivated user is deleted; no deletion when absent. */
  deleteAfter?: string;
  dryRun?: boolean;
}

export const PHASES = [
  'scheduled',
  'awaiting-approval',
  'checking',
  'locking',
  'snapshot',
  'revoking',
  'deactivating',
  'awaiting-device-wipe',
  'wiping-devices',
  'awaiting-deletion',
  'verifying',
  'needs-attention',
  'completed',
  'cancelled',
  'rehired',
  'failed',
] as const;
export type Phase = (typeof PHASES)[number];
export type RunOutcome = 'completed' | 'cancelled' | 'rehired' | 'failed' | 'dry-run';
export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'cancelled', 'rehired', 'failed'];

export type StepOutcome = 'done' | 'skipped' | 'failed' | 'not-needed';

/** One Okta object a step acted on (a group, an app, a factor, a device, an OAuth client). */
export interface StepItem {
  id: string;
  kind: 'user' | 'session' | 'grant' | 'client' | 'factor' | 'group' | 'app' | 'device';
  outcome: StepOutcome;
  reason?: string;
}

export interface StepRecord {
  /** Named after the Okta operation: `suspendUser`, `revokeSessions`, `unassignApp`... */
  step: string;
  phase: Phase;
  outcome: StepOutcome;
  startedAt: string;
  finishedAt?: string;
  count: number;
  items: StepItem[];
  reason?: string;
}

/**
 * The audit "before" and the source for rehire: ids, types, scopes and statuses, plus each direct app's
 * app-user profile (user data: Okta cannot give it back after unassignment, so rehire needs it).
 */
export interface OffboardingSnapshot {
  takenAt: string;
  user: { id: string; status: string };
  groups: Array<{ id: string; name: string; type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN'; ruleIds: string[] }>;
  apps: Array<{
    id: string;
    label: string;
    scope: 'USER' | 'GROUP';
    /**
     * A direct assignment's app-user profile, as Okta returns it (the whole profile: Okta's API does not say
     * which attributes an app requires without reading the app's user schema). Absent when empty, and in
     * snapshots taken before profiles were kept.
     */
    profile?: Record<string, unknown>;
  }>;
  /**
   * The factors Okta listed before the reset: listed by dry runs and by runs before
   * `fewer-okta-calls-after-the-lock` (a real run resets them all, then checks the list after the reset).
   */
  factors?: Array<{ id: string; factorType: string; provider: string; status: string }>;
  /** `otherActiveUserIds`: read for dry runs (a real run decides on the holders at wipe time), and by older runs. */
  devices: Array<{ id: string; platform: string; status: string; otherActiveUserIds?: string[] }>;
  /** OAuth clients holding tokens or grants before the lock: listed by runs before `fewer-okta-calls-per-person`. */
  oauthClientIds?: string[];
  /** What the run found in each linked org (workflows/linked-orgs.ts): one entry per linked user. */
  linkedOrgs?: LinkedOrgSnapshot[];
}

/** Something verification found still granting access after the run. */
export interface Residue {
  kind: 'user-status' | 'group' | 'app' | 'factor' | 'grant' | 'client' | 'device';
  id: string;
  detail: string;
}

export type SteeringMessage =
  | { name: 'cancel'; requestedBy: string; reason?: string }
  | { name: 'rehire'; requestedBy: string }
  | { name: 'wipeDevicesNow'; requestedBy: string; reason?: string }
  | { name: 'reschedule'; requestedBy?: string; effectiveAt: string }
  | { name: 'expedite'; requestedBy: string; reason?: string }
  | { name: 'retry'; requestedBy: string }
  | { name: 'approve'; requestedBy: string; reason?: string }
  | { name: 'reject'; requestedBy: string; reason?: string }
  | { name: 'temporal-cancel'; requestedBy: string };
export type AppliedMessage = SteeringMessage & { at: string; phase: Phase };

/** An action a dry run plans: exactly what a real run started now would do. */
export interface PlannedAction {
  phase: Phase;
  step: string;
  itemId?: string;
  note?: string;
}

export interface OffboardingReport {
  workflowId: string;
  userId: string;
  outcome: RunOutcome;
  source: OffboardingSource;
  requestedBy: string;
  correlationId: string;
  reason: string;
  startedAt: string;
  finishedAt: string;
  effectiveAt?: string;
  deviceWipeAt?: string;
  steps: StepRecord[];
  snapshot?: OffboardingSnapshot;
  /**
   * The status the run found, kept when it was stopped (cancel) after changing the account's status but before
   * its snapshot: what a later rehire restores the account to. Absent otherwise.
   */
  statusBefore?: string;
  residue: Residue[];
  messages: AppliedMessage[];
  plan?: PlannedAction[];
  /** Failure or attention reason when the run did not complete. */
  error?: { step?: string; type: string; message: string };
  notes: string[];
  /**
   * JWT access tokens issued before the lock stay valid, to resource servers that validate them locally, until
   * they expire: the longest lifetime the authorization servers' policies grant, and the latest such expiry.
   */
  accessTokens?: AccessTokensLeft;
}

export interface AccessTokensLeft {
  longestMinutes: number;
  /** Ids of the rule that grants it, the org authorization server, or why the policies were not read. */
  source: string;
  read: boolean;
  /** The lock's end plus `longestMinutes`: no token Okta issued before the lock is valid after it. */
  validUntil: string;
}

export interface OffboardingStatus {
  userId: string;
  phase: Phase;
  steps: StepRecord[];
  nextTimer?: { kind: 'effective-at' | 'device-wipe' | 'deletion'; firesAt: string };
  snapshotSummary?: { groups: number; apps: number; factors?: number; devices: number; oauthClients?: number };
  lastMessage?: AppliedMessage;
  wipeDevicesNowRequested: boolean;
  attention?: { step: string; type: string; message: string; since: string };
}

/** The worker's policy as a run sees it (read once per run by an activity, so it is in history). */
export interface RunPolicy {
  deviceWipeDelay: string;
  deleteAfter?: string;
  /** Retry budget of lock-phase calls: an Okta outage makes runs wait this long before needs-attention. */
  lockBudget: string;
  /** Retry budget of every other Okta call. */
  phaseBudget: string;
  retryInitialInterval: string;
  retryMaximumInterval: string;
  /** Groups, apps and devices handled at once within one run. */
  itemConcurrency: number;
  /** The trigger group (id or name): never restored on rehire, or the person would leave again. */
  offboardingGroup?: string;
  /**
   * The blast-radius guard: more than this many starts within `approvalWindow`, counted org-wide across every
   * source, hold every further run in `awaiting-approval`; 0 turns the count off (a pause still holds runs).
   */
  approvalThreshold: number;
  approvalWindow: string;
  /** Group ids or names whose members' runs always wait for an approval, whatever the count. */
  approvalRequiredGroups: string[];
  /** The milestones the worker's notification settings send something for (absent: none). */
  notify?: MilestoneName[];
  /** The linked orgs (Org2Org) the run offboards the person from too, after the lock; absent: none. */
  linkedOrgs?: LinkedOrg[];
}

export interface RehireRequest {
  userId: string;
  requestedBy: string;
}

/** How far a run got, as the audit archive records it and notifications tell it (workflows/milestones.ts). */
export type MilestoneName =
  | 'started'
  | 'awaiting-approval'
  | 'locked-out'
  | 'wipe-scheduled'
  | 'needs-attention'
  | 'completed'
  | 'cancelled'
  | 'rehired'
  | 'failed';

interface MilestoneBase {
  name: MilestoneName;
  at: string;
  /** Unique per run, milestone and occurrence: the archive's and the notifications' idempotency key. */
  key: string;
  workflowId: string;
  runId: string;
}

export type Milestone =
  | (MilestoneBase & {
      kind: 'offboard';
      /** The report as it stands at the milestone; the final one at the end. */
      report: Omit<OffboardingReport, 'outcome' | 'finishedAt'> & Partial<OffboardingReport>;
    })
  | (MilestoneBase & {
      /** A rehire run after the offboarding closed (a rehire during the run is that run's `rehired`). */
      kind: 'rehire';
      report: RehireReport & { requestedBy: string };
    });

/** Access that came back after a verified offboarding (the drift watch), as notifications tell it. */
export interface DriftNotice {
  /** Unique per drift event: the notifications' idempotency key. */
  key: string;
  userId: string;
  at: string;
  /** What came back: the account's status, a group membership, an app assignment, a sign-in, or residue found. */
  kind: 'status' | 'group' | 'app' | 'sign-in' | 'residue';
  /** Okta ids and event types only: no names or emails. */
  detail: string;
  clientIp?: string;
  appId?: string;
  /** What the watch does about it. */
  action: 'alert' | 'revoke' | 'explained-by-rehire';
}

export interface RehireReport {
  workflowId: string;
  userId: string;
  fromWorkflowId?: string;
  startedAt: string;
  finishedAt: string;
  steps: StepRecord[];
  notes: string[];
}

// Messages: names are part of the public contract (docs/architecture.md section 4).
export const cancelSignal = defineSignal<[{ requestedBy: string; reason?: string }]>('cancel');
export const rehireSignal = defineSignal<[{ requestedBy: string }]>('rehire');
export const wipeDevicesNowSignal = defineSignal<[{ requestedBy: string; reason?: string }]>('wipeDevicesNow');
export const rescheduleUpdate = defineUpdate<{ effectiveAt: string }, [{ effectiveAt: string; requestedBy?: string }]>(
  'reschedule',
);
export const expediteUpdate = defineUpdate<{ phase: Phase }, [{ requestedBy: string; reason?: string }]>('expedite');
export const retryUpdate = defineUpdate<{ phase: Phase }, [{ requestedBy: string }]>('retry');
export const statusQuery = defineQuery<OffboardingStatus>('status');
/** Accepted only in `awaiting-approval`, and only from someone other than the run's `requestedBy` (two-person rule). */
export const approveUpdate = defineUpdate<{ phase: Phase }, [{ requestedBy: string; reason?: string }]>('approve');
/** Accepted only in `awaiting-approval`: the run ends `cancelled`, nothing changed in Okta. */
export const rejectUpdate = defineUpdate<{ phase: Phase }, [{ requestedBy: string; reason?: string }]>('reject');

/**
 * The blast-radius guard's gate (workflows/admission.ts): one workflow per task queue, started by the first
 * caller, holding the window of recent starts and the pause. Every starter's runs ask it, so the count is
 * org-wide and durable, not a process's memory.
 */
export const gateWorkflowId = (taskQueue: string): string => `offboarding-gate-${taskQueue}`;

/** A run asking to act: its own policy's threshold and window decide. */
export interface AdmissionAsk {
  workflowId: string;
  runId: string;
  source: OffboardingSource;
  threshold: number;
  window: string;
}

export interface Admission {
  admitted: boolean;
  /** Why it is held, or how many starts the window held when it was admitted. */
  reason: string;
  /** Starts within the window, this one included. */
  startsInWindow: number;
}

export interface GatePause {
  requestedBy: string;
  at: string;
  reason?: string;
}

/** What the gate holds: recent starts by source, and the pause. */
export interface GateView {
  paused?: GatePause;
  threshold?: number;
  window?: string;
  startsInWindow: number;
  heldInWindow: number;
  bySource: Partial<Record<OffboardingSource, number>>;
}

/** Idempotent per run: asking again answers what the gate answered the first time. */
export const admitUpdate = defineUpdate<Admission[], [AdmissionAsk[]]>('admit');
export const pauseUpdate = defineUpdate<GateView, [{ requestedBy: string; reason?: string }]>('pause');
export const resumeUpdate = defineUpdate<GateView, [{ requestedBy: string }]>('resume');
export const gateQuery = defineQuery<GateView>('gate');

/** How every caller starts the gate if it is not running yet (update-with-start, USE_EXISTING). */
export const gateStart = (taskQueue: string) => ({
  workflowId: gateWorkflowId(taskQueue),
  taskQueue,
  workflowIdConflictPolicy: 'USE_EXISTING' as const,
  // Runs wait on its answers before their lock: its workflow tasks go with the lock's, not behind a layoff's later steps.
  priority: { priorityKey: PRIORITY.lock },
  staticSummary: `Blast-radius guard of task queue ${taskQueue}: counts starts, holds runs over the threshold or while paused`,
});

// Search attributes (typed API). Okta ids and event ids only, never emails or names.
export const OktaUserId = defineSearchAttributeKey('OktaUserId', SearchAttributeType.KEYWORD);
export const OffboardingPhase = defineSearchAttributeKey('OffboardingPhase', SearchAttributeType.KEYWORD);
export const OffboardingSource = defineSearchAttributeKey('OffboardingSource', SearchAttributeType.KEYWORD);
export const OffboardingEventId = defineSearchAttributeKey('OffboardingEventId', SearchAttributeType.KEYWORD);
export const OffboardingEffectiveAt = defineSearchAttributeKey('OffboardingEffectiveAt', SearchAttributeType.DATETIME);
export const DeviceWipeAt = defineSearchAttributeKey('DeviceWipeAt', SearchAttributeType.DATETIME);
/** The Okta ids of people whose access came back after their offboarding: on the drift watch run that found it, and on revoke runs. */
export const OffboardingDrift = defineSearchAttributeKey('OffboardingDrift', SearchAttributeType.KEYWORD_LIST);

/** Every custom search attribute the project registers (dev server `--search-attribute`, cluster setup). */
export const SEARCH_ATTRIBUTE_KEYS = [
  OktaUserId,
  OffboardingPhase,
  OffboardingSource,
  OffboardingEventId,
  OffboardingEffectiveAt,
  DeviceWipeAt,
  OffboardingDrift,
];

// Run identity (docs/architecture.md section 5).
export const offboardWorkflowId = (userId: string): string => `offboard-${userId}`;
export const rehireWorkflowId = (userId: string): string => `rehire-${userId}`;
export const dryRunWorkflowId = (userId: string, nonce: string): string => `offboard-dryrun-${userId}-${nonce}`;

/**
 * The Okta rate-limit buckets the runbook's calls fall in, named as in Okta's own path-to-bucket mapping
 * (okta/terraform-provider-okta `okta/internal/apimutex/rate_limit_lines.go`; the emulator uses the same ids):
 * `users-get` is `GET /api/v1/users/{idOrLogin}` alone; `users` is `/api/v1/users` (list, create, and every
 * `/api/v1/users/{id}/...` sub-resource and lifecycle call, one window); `users-id` is `POST|PUT|DELETE
 * /api/v1/users/{id}`; `groups` is `/api/v1/groups` (list, rules, memberships); `apps` is `/api/v1/apps` and
 * `/api/v1/apps/{id}/users...`; `devices` is `/api/v1/devices...`; `device-users` is `GET
 * /api/v1/devices/{id}/users`; `logs` is `/api/v1/logs`; `default` is the rest of `/api/v1` (authorization servers). Every activity runs on the task queue of the bucket its
 * Okta call consumes, so the server-enforced `maxTaskQueueActivitiesPerSecond` of that queue keeps all workers
 * together within Okta's limit.
 */
export const OKTA_BUCKETS = [
  'users-get',
  'users',
  'users-id',
  'groups',
  'apps',
  'devices',
  'device-users',
  'logs',
  'default',
] as const;
export type OktaBucket = (typeof OKTA_BUCKETS)[number];

export const activityTaskQueue = (base: string, bucket: OktaBucket): string => `${base}-okta-${bucket}`;

// Linked orgs (Org2Org, docs/org2org.md): a customer-identity org whose users sign in through the workforce org.

/**
 * How a run finds the person's user in a linked org: by the link of the org's Org2Org identity provider (the IdP
 * user's `externalId` is the workforce user's id), or by a profile attribute that holds the workforce user's id.
 */
export type LinkMethod =
  | {
      by: 'idp';
      idpId: string;
      /** Page through every link instead of searching with `q` (whose fields Okta does not document). */
      scan?: boolean;
    }
  | { by: 'attribute'; attribute: string };

/** A linked org as a run sees it: its name (part of its task queues' names) and link method, never a credential. */
export interface LinkedOrg {
  name: string;
  link: LinkMethod;
}

/** One linked user as the run found them: the audit "before" in that org and the source of its rehire there. */
export interface LinkedOrgSnapshot {
  org: string;
  user: { id: string; status: string };
  groups: OffboardingSnapshot['groups'];
  apps: OffboardingSnapshot['apps'];
}

/** A linked org's activity queue per Okta bucket: its own rate, from its own limits (worker/orgs.ts). */
export const linkedOrgTaskQueue = (base: string, org: string, bucket: OktaBucket): string =>
  `${base}-org-${org}-okta-${bucket}`;

/**
 * Task priority keys (lower runs first): lock-phase calls go first for everyone; the check's reads come next, so
 * that in a layoff a person whose check is done is locked out before the next person is checked (the last lockout
 * comes no later, the median much sooner); everything after the lock last.
 */
export const PRIORITY = { lock: 1, check: 2, revoke: 3 } as const;

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of a duration such as `72h`, `3d`, `1d12h`, `90s` or `0s`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    total += Number(amount) * (DURATION_UNITS_MS[unit ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) && total <= 10 * 365 * DURATION_UNITS_MS.d! ? Math.round(total) : undefined;
}
