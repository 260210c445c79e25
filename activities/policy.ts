// What the operator decides, not the code: protected accounts, delays and retry budgets.
import type { RunPolicy } from '../workflows/definitions';

export interface OffboardingPolicy extends RunPolicy {
  /** Okta user ids or logins never offboarded (break-glass, service accounts). */
  protectedUsers: string[];
  /** Okta group ids or names whose members are never offboarded (e.g. Super Admins). */
  protectedGroups: string[];
}

export const DEFAULT_POLICY: OffboardingPolicy = {
  protectedUsers: [],
  protectedGroups: [],
  deviceWipeDelay: '72h',
  lockBudget: '30m',
  phaseBudget: '6h',
  retryInitialInterval: '1s',
  retryMaximumInterval: '1m',
  itemConcurrency: 4,
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
