// Who is never offboarded or rehired, and what proves a trigger: the reads of `checking`, shared by the
// offboarding run and the rehire run (docs/architecture.md section 3). Reads only: a refusal changes nothing.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { OffboardingSnapshot, RunPolicy } from './definitions';
import type { OktaCalls, Urgency } from './okta-calls';

/** Runs that started before it refused administrators by the protected-groups list only. */
export const REFUSE_ADMIN_ROLES = 'refuse-admin-roles';
/** Runs that started before it did not check that an `okta-group` run's user is in the offboarding group. */
export const CONFIRM_TRIGGER = 'confirm-trigger-group';

type Group = Omit<OffboardingSnapshot['groups'][number], 'ruleIds'>;

export interface Checked {
  user: { id: string; status: string; transitioningToStatus?: string };
  groups: Group[];
  /** Why the user must not be touched: a protected user, group or admin role. */
  refusal?: string;
}

/**
 * The user, their groups and their admin roles, read at once (every round trip here delays the lock).
 * `decidedWithRoles`: the admin-role patch as the caller took it before a local activity; otherwise taken here.
 */
export async function readForCheck(
  okta: OktaCalls,
  userId: string,
  urgency: Urgency,
  decidedWithRoles?: boolean,
): Promise<Checked> {
  const withRoles = decidedWithRoles ?? patched(REFUSE_ADMIN_ROLES);
  const [userRead, groupsRead, rolesRead] = await Promise.allSettled([
    okta.call('getUser', urgency, `Read user ${userId}`, { userId }),
    okta.call('listUserGroups', urgency, `Read groups of ${userId}`, { userId }),
    withRoles
      ? okta.call('listAdminRoles', urgency, `Read admin roles of ${userId}`, { userId })
      : Promise.resolve(undefined),
  ]);
  // The user's own error wins (UserNotFound).
  if (userRead.status === 'rejected') throw userRead.reason;
  if (groupsRead.status === 'rejected') throw groupsRead.reason;
  if (rolesRead.status === 'rejected') throw rolesRead.reason;
  const { protectedBy, ...user } = userRead.value;
  return {
    user,
    groups: groupsRead.value.groups,
    refusal: protectedBy ?? groupsRead.value.protectedBy ?? rolesRead.value?.protectedBy,
  };
}

export function refuse(refusal: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ProtectedAccount',
    message: `Refused: ${refusal}. Nothing was changed.`,
    nonRetryable: true,
  });
}

/**
 * A run started by the offboarding group (event hook or poller) proves its trigger: the user is a member of the
 * configured group, by id (a name configured is resolved to its id; two groups of the name are refused). A forged
 * hook delivery, or a group of the same display name mastered elsewhere, then starts nothing that changes Okta.
 */
export async function confirmTrigger(okta: OktaCalls, policy: RunPolicy, userId: string, groups: Group[]) {
  if (!patched(CONFIRM_TRIGGER)) return;
  const configured = policy.offboardingGroup;
  const groupId = configured
    ? await okta.call('resolveOffboardingGroup', 'lock', `Find the offboarding group ${configured}`, {
        group: configured,
      })
    : undefined;
  if (groupId && groups.some((group) => group.id === groupId)) return;
  throw ApplicationFailure.create({
    type: 'TriggerNotConfirmed',
    message: groupId
      ? `Refused: started by the offboarding group, but ${userId} is not a member of group ${groupId}. Nothing was changed.`
      : 'Refused: started by the offboarding group, but the worker has no OFFBOARD_OKTA_GROUP to confirm it. Nothing was changed.',
    nonRetryable: true,
  });
}
