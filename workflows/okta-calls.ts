// How the runbook reaches Okta: every activity runs on the task queue of the Okta rate-limit
// bucket it consumes, with the run's retry budget and a priority (lock-phase calls first).
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { OffboardingActivities } from '../activities';
import { activityTaskQueue, parseDuration, PRIORITY, type OktaBucket, type RunPolicy } from './definitions';

type ActivityName = keyof OffboardingActivities;
type Input<K extends ActivityName> = Parameters<OffboardingActivities[K]>;
type Output<K extends ActivityName> = Awaited<ReturnType<OffboardingActivities[K]>>;

/** The Okta bucket each activity's calls fall in; `worker` ones make no Okta call. */
export const BUCKET_OF: Record<ActivityName, OktaBucket | 'worker'> = {
  getRunPolicy: 'worker',
  getLastOffboarding: 'worker',
  getUser: 'users-get',
  listUserGroups: 'users-get',
  listOAuthClients: 'users-get',
  listAppLinks: 'users-get',
  listFactors: 'users-get',
  listUserDevices: 'users-get',
  readUserStatus: 'users-get',
  listUserGrants: 'users-get',
  suspendUser: 'users-update',
  revokeSessions: 'users-update',
  revokeGrants: 'users-update',
  revokeClientTokens: 'users-update',
  resetFactors: 'users-update',
  deactivateUser: 'users-update',
  deleteUser: 'users-update',
  restoreUser: 'users-update',
  listGroupRules: 'groups',
  removeGroupMembership: 'groups-id',
  addGroupMembership: 'groups-id',
  getAppAssignment: 'apps',
  unassignApp: 'apps',
  assignApp: 'apps',
  listOtherDeviceUsers: 'devices',
  getDevice: 'devices',
  deactivateDevice: 'devices',
  deleteDevice: 'devices',
  resolveOffboardingGroup: 'groups',
  readOffboardingGroupAdds: 'logs',
  startOffboardingForEvent: 'worker',
};

export type Urgency = keyof typeof PRIORITY;

const NON_RETRYABLE = ['UserNotFound', 'OktaUnauthorized', 'OktaRequestRejected', 'ProtectedAccount'];

/** Activities that only read the worker's own state, on the workflow's task queue. */
export const workerActivities = proxyActivities<OffboardingActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
});

export class OktaCalls {
  constructor(private readonly policy: RunPolicy) {}

  private options(name: ActivityName, urgency: Urgency, summary: string): ActivityOptions {
    const bucket = BUCKET_OF[name];
    const budget = urgency === 'lock' ? this.policy.lockBudget : this.policy.phaseBudget;
    return {
      taskQueue: bucket === 'worker' ? workflowInfo().taskQueue : activityTaskQueue(workflowInfo().taskQueue, bucket),
      summary,
      // One Okta call: a worker killed mid-call has it retried after this, not after a minute.
      startToCloseTimeout: '20s',
      scheduleToCloseTimeout: parseDuration(budget) ?? budget,
      retry: {
        initialInterval: this.policy.retryInitialInterval,
        maximumInterval: this.policy.retryMaximumInterval,
        backoffCoefficient: 2,
        nonRetryableErrorTypes: NON_RETRYABLE,
      },
      priority: { priorityKey: PRIORITY[urgency] },
    };
  }

  /** Calls one activity; `summary` is what the Temporal UI shows for it (ids, never emails). */
  call<K extends ActivityName>(name: K, urgency: Urgency, summary: string, ...args: Input<K>): Promise<Output<K>> {
    const activity = proxyActivities<OffboardingActivities>(this.options(name, urgency, summary))[name] as unknown as (...input: Input<K>) => Promise<Output<K>>;
    return activity(...args);
  }
}
