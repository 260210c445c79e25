// What the operator decides, not the code: protected accounts, delays and retry budgets.
import type { RunPolicy } from '../workflows/definitions';

export interface OffboardingPolicy extends RunPolicy {
  /** Okta user ids or logins never offboarded (break-glass, service accounts). */
  protectedUsers: string[];
  /** Okta group ids or names whose members are never offboarded (e.g. Super Admins). */
  protectedGroups: string[];
  /** Admin role types whose holders are never offboarded or rehired, however the role is assigned. */
  protectedRoles: string[];
}

export const DEFAULT_POLICY: OffboardingPolicy = {
  protectedUsers: [],
  protectedGroups: [],
  protectedRoles: ['SUPER_ADMIN', 'ORG_ADMIN'],
  deviceWipeDelay: '72h',
  lockBudget: '30m',
  phaseBudget: '6h',
  retryInitialInterval: '1s',
  retryMaximumInterval: '1m',
  itemConcurrency: 4,
  approvalThreshold: 25,
  approvalWindow: '1h',
  approvalRequiredGroups: [],
};

const normalise = (value: string): string => value.trim().toLowerCase();

/** Why this user is protected, or undefined. Compares ids and logins; logins never leave the activity. */
export function protectedUserReason(
  policy: OffboardingPolicy,
  user: { id: string; login?: string },
): string | undefined {
  const listed = new Set(policy.protectedUsers.map(normalise));
  if (listed.has(normalise(user.id)) || (user.login !== undefined && listed.has(normalise(user.login)))) {
    return `user ${user.id} is on the protected-users list`;
  }
  return undefined;
}

export function protectedGroupReason(
  policy: OffboardingPolicy,
  groups: Array<{ id: string; name: string }>,
): string | undefined {
  const listed = new Set(policy.protectedGroups.map(normalise));
  const hit = groups.find((group) => listed.has(normalise(group.id)) || listed.has(normalise(group.name)));
  return hit ? `member of protected group ${hit.id} (${hit.name})` : undefined;
}

/** The first protected admin role the user holds (directly or through a group: Okta lists both), or undefined. */
export function protectedRoleReason(
  policy: OffboardingPolicy,
  roles: Array<{ type: string; assignmentType?: string }>,
) {
  const listed = new Set(policy.protectedRoles.map((role) => role.trim().toUpperCase()));
  const hit = roles.find((role) => listed.has(role.type.toUpperCase()));
  return hit
    ? `holds the admin role ${hit.type}${hit.assignmentType ? ` (assigned to the ${hit.assignmentType.toLowerCase()})` : ''}`
    : undefined;
}
