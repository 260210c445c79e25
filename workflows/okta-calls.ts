// How workflows reach Okta: every activity runs on the task queue of the Okta rate-limit bucket it
// consumes, with its caller's retry budget, a priority (lock-phase calls first) and a UI summary.
import {
  patched,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { OffboardingActivities } from '../activities';
import {
  activityTaskQueue,
  linkedOrgTaskQueue,
  parseDuration,
  PRIORITY,
  type OktaBucket,
  type RunPolicy,
  type StepOutcome,
} from './definitions';

type ActivityName = keyof OffboardingActivities;
/** The one argument object an activity takes. */
export type ActivityArgs<K extends ActivityName> = Parameters<OffboardingActivities[K]>[0];
export type ActivityResult<K extends ActivityName> = Awaited<ReturnType<OffboardingActivities[K]>>;

/** What a change answers for the one Okta item it changed. */
export interface ChangeResult {
  outcome: StepOutcome;
  reason?: string;
}

/** The activities that change one Okta item and answer a `ChangeResult`. */
export type ChangeActivity = {
  [K in ActivityName]: [ActivityResult<K>] extends [ChangeResult] ? K : never;
}[ActivityName];

/**
 * The Okta bucket each activity's call falls in (Okta's mapping, see `OKTA_BUCKETS`); `worker` ones make no Okta
 * call. A user's sub-resource reads and lifecycle calls share `users` with the lock-out's suspends and revocations:
 * priorities, not separate buckets, put the lock-out first. A lifecycle change that must first learn the status
 * (on a retry, or `deleteUser`, `restoreUser`) also reads the user itself, in `users-get`.
 */
export const BUCKET_OF: Record<ActivityName, OktaBucket | 'worker'> = {
  getRunPolicy: 'worker',
  getLastOffboarding: 'worker',
  getUser: 'users-get',
  readUserStatus: 'users-get',
  listUserGroups: 'users',
  listAdminRoles: 'users',
  listOAuthClients: 'users',
  listAppLinks: 'users',
  listFactors: 'users',
  listUserDevices: 'users',
  listUserGrants: 'users',
  suspendUser: 'users',
  revokeSessions: 'users',
  revokeGrants: 'users',
  revokeClientTokens: 'users',
  resetFactors: 'users',
  deactivateUser: 'users',
  restoreUser: 'users',
  deleteUser: 'users-id',
  listGroupRules: 'groups',
  removeGroupMembership: 'groups',
  addGroupMembership: 'groups',
  resolveOffboardingGroup: 'groups',
  listAssignedApps: 'apps',
  getAppAssignment: 'apps',
  unassignApp: 'apps',
  assignApp: 'apps',
  listOtherDeviceUsers: 'device-users',
  readDeviceHolders: 'device-users',
  getDevice: 'devices',
  deactivateDevice: 'devices',
  deleteDevice: 'devices',
  readOffboardingGroupAdds: 'logs',
  readAccessTokenLifetime: 'default',
  findLinkedUsersByIdp: 'default',
  findLinkedUsersByAttribute: 'users',
  startOffboardingForEvent: 'worker',
  askAdmission: 'worker',
  archiveMilestone: 'worker',
  // They read the person (and their manager) from Okta: GET /api/v1/users/{idOrLogin}.
  notifyMilestone: 'users-get',
  notifyDrift: 'users-get',
  readDriftEvents: 'logs',
  explainByRehire: 'worker',
  recordDriftEvents: 'worker',
  pickDueForReverification: 'worker',
  recordReverifications: 'worker',
  recordDriftPoll: 'worker',
};

export type Urgency = keyof typeof PRIORITY;

/**
 * Runs that started before it make the calls every run made until then: the OAuth clients listed in the lock, again
 * after its revocations, groups, apps and grants read before deactivation as well as after, each device's holders in
 * the snapshot and the device read before its deactivation, and groups and apps read again at the end with no wait
 * since they were verified.
 */
export const FEWER_CALLS = 'fewer-okta-calls-per-person';

/**
 * Runs that started before it also list factors in the snapshot (the reset and the check after it need no list),
 * unassign each direct app before deactivation (Okta's deactivation deprovisions the user from every assigned app,
 * and the access check after it reads the apps), deactivate a shared device another holder's run already deleted,
 * and read each deleted device again in the final verification (Okta's answer to the DELETE is the proof).
 */
export const FEWER_CALLS_AFTER_LOCK = 'fewer-okta-calls-after-the-lock';

/** Failures that no retry can fix: the workflow sees them at once. */
const NON_RETRYABLE = [
  'UserNotFound',
  'ProtectedAccount',
  'OffboardingGroupNotFound',
  'OktaUnauthorized',
  'OktaRequestRejected',
  'OktaForbidden',
  'OktaAppHeldByGroup',
  'OktaGroupNameAmbiguous',
];

/**
 * How long a failing call is retried before the workflow sees the failure: a run's budgets come
 * from its `RunPolicy`; the poller has its own.
 */
export type CallBudget = Pick<
  RunPolicy,
  'lockBudget' | 'phaseBudget' | 'retryInitialInterval' | 'retryMaximumInterval'
> & {
  /** One attempt's limit. Okta calls are short: a worker killed mid-call has the call retried after this. */
  attemptTimeout?: string;
};

export class OktaCalls {
  /** `org`: a linked org's name (worker/orgs.ts): its calls go to that org's queues, whose workers hold its client. */
  constructor(
    private readonly budget: CallBudget,
    private readonly target: { org?: string } = {},
  ) {}

  private taskQueue(bucket: OktaBucket | 'worker'): string {
    const base = workflowInfo().taskQueue;
    if (bucket === 'worker') return base;
    return this.target.org ? linkedOrgTaskQueue(base, this.target.org, bucket) : activityTaskQueue(base, bucket);
  }

  private options(name: ActivityName, urgency: Urgency, summary: string): ActivityOptions {
    const bucket = BUCKET_OF[name];
    const total = urgency === 'revoke' ? this.budget.phaseBudget : this.budget.lockBudget;
    return {
      taskQueue: this.taskQueue(bucket),
      summary: this.target.org ? `[${this.target.org}] ${summary}` : summary,
      startToCloseTimeout: this.budget.attemptTimeout ?? '20s',
      scheduleToCloseTimeout: parseDuration(total) ?? total,
      retry: {
        initialInterval: this.budget.retryInitialInterval,
        maximumInterval: this.budget.retryMaximumInterval,
        backoffCoefficient: 2,
        nonRetryableErrorTypes: NON_RETRYABLE,
      },
      priority: { priorityKey: PRIORITY[urgency] },
    };
  }

  /** Calls one activity; `summary` is what the Temporal UI shows for it (ids, never emails). */
  call<K extends ActivityName>(
    name: K,
    urgency: Urgency,
    summary: string,
    args: ActivityArgs<K>,
  ): Promise<ActivityResult<K>> {
    // The proxy's type, indexed by a generic name, is not callable as such: name its signature once, here.
    const activity = proxyActivities<OffboardingActivities>(this.options(name, urgency, summary))[name] as unknown as (
      args: ActivityArgs<K>,
    ) => Promise<ActivityResult<K>>;
    return activity(args);
  }
}

/** Runs that started before it read the policy with an activity task: a round trip through the task queue. */
const POLICY_AS_LOCAL_ACTIVITY = 'run-policy-as-local-activity';

/**
 * The worker's policy for this run, read before any budget is known (so it is in history and a
 * replay sees the same): retried, at most 30 s apart, until a worker answers. A local activity: the
 * worker that runs the workflow task answers it at once, with no task of its own and no second workflow task.
 */
export function readRunPolicy(): Promise<RunPolicy> {
  const options = {
    summary: "Read the worker's run policy",
    startToCloseTimeout: '1m',
    retry: { maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
  };
  const { getRunPolicy } = patched(POLICY_AS_LOCAL_ACTIVITY)
    ? proxyLocalActivities<OffboardingActivities>(options)
    : proxyActivities<OffboardingActivities>(options);
  return getRunPolicy();
}
