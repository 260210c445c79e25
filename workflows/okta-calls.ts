// How workflows reach Okta: every activity runs on the task queue of the Okta rate-limit bucket it
// consumes, with its caller's retry budget, a priority (lock-phase calls first) and a UI summary.
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { OffboardingActivities } from '../activities';
import {
  activityTaskQueue,
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
  getDevice: 'devices',
  deactivateDevice: 'devices',
  deleteDevice: 'devices',
  readOffboardingGroupAdds: 'logs',
  readAccessTokenLifetime: 'default',
  startOffboardingForEvent: 'worker',
  askAdmission: 'worker',
};

export type Urgency = keyof typeof PRIORITY;

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
  constructor(private readonly budget: CallBudget) {}

  private options(name: ActivityName, urgency: Urgency, summary: string): ActivityOptions {
    const bucket = BUCKET_OF[name];
    const total = urgency === 'lock' ? this.budget.lockBudget : this.budget.phaseBudget;
    return {
      taskQueue: bucket === 'worker' ? workflowInfo().taskQueue : activityTaskQueue(workflowInfo().taskQueue, bucket),
      summary,
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

/**
 * The worker's policy for this run, read before any budget is known (so it is in history and a
 * replay sees the same): retried, at most 30 s apart, until a worker answers.
 */
export function readRunPolicy(): Promise<RunPolicy> {
  const { getRunPolicy } = proxyActivities<OffboardingActivities>({
    summary: "Read the worker's run policy",
    startToCloseTimeout: '1m',
    retry: { maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
  });
  return getRunPolicy();
}
