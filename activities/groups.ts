// Group memberships. Only OKTA_GROUP memberships can change: BUILT_IN (Everyone) and APP_GROUP
// (mastered in AD/LDAP or an app) are skipped and reported. Removing a rule-managed membership
// puts the user on the rule's exclusion list, which rehire reports.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import { callOkta, changeOkta, isNotFound, readAll, type ChangeResult } from '../okta/errors';
import { protectedGroupReason, type OffboardingPolicy } from './policy';
import { sharedRead } from './shared-read';

export type GroupSummary = Omit<OffboardingSnapshot['groups'][number], 'ruleIds'>;
export interface GroupRuleSummary {
  id: string;
  groupIds: string[];
}

/**
 * How long one listing of the org's group rules serves every run of the worker. Rules change rarely, and a
 * snapshot only records which of them assign the person's groups (rehire names the exclusions removing a
 * rule-managed membership leaves): a rule created or retargeted within this minute can be missing from it.
 */
export const GROUP_RULES_SHARED_MS = 60_000;

export function createGroupActivities(okta: Client, policy: OffboardingPolicy, rulesSharedMs = GROUP_RULES_SHARED_MS) {
  const orgRules = sharedRead(rulesSharedMs, () =>
    callOkta('listGroupRules', async () => readAll(await okta.groupApi.listGroupRules({ limit: 200 }))).then((rules) =>
      rules.map((rule) => ({
        id: String(rule.id),
        groupIds: (rule.actions?.assignUserToGroups?.groupIds ?? []).map(String),
      })),
    ),
  );
  return {
    /** checking: the user's groups, and whether one of them protects the user. */
    async listUserGroups({ userId }: { userId: string }): Promise<{ groups: GroupSummary[]; protectedBy?: string }> {
      const groups = await callOkta('listUserGroups', async () =>
        readAll(await okta.userApi.listUserGroups({ userId })),
      );
      const summaries = groups.map((group) => ({
        id: String(group.id),
        name: String(group.profile?.name ?? ''),
        type: String(group.type) as GroupSummary['type'],
      }));
      return { groups: summaries, protectedBy: protectedGroupReason(policy, summaries) };
    },

    /** snapshot: the group rules that assign any of these groups (rule-managed memberships), from the shared listing. */
    async listGroupRules({ groupIds }: { groupIds: string[] }): Promise<GroupRuleSummary[]> {
      const wanted = new Set(groupIds);
      return (await orgRules()).filter((rule) => rule.groupIds.some((id) => wanted.has(id)));
    },

    async removeGroupMembership({ groupId, userId }: { groupId: string; userId: string }): Promise<ChangeResult> {
      return changeOkta(
        'removeGroupMembership',
        () => okta.groupApi.unassignUserFromGroup({ groupId, userId }),
        (error) => (isNotFound(error) ? { outcome: 'not-needed', reason: 'membership already gone' } : undefined),
      );
    },

    /**
     * rehire: PUT is idempotent in Okta (re-adding a member answers 204). While Okta still activates the user
     * it answers 409 E0000112, a retryable `OktaUserActivating`.
     */
    async addGroupMembership({ groupId, userId }: { groupId: string; userId: string }): Promise<ChangeResult> {
      return changeOkta(
        'addGroupMembership',
        () => okta.groupApi.assignUserToGroup({ groupId, userId }),
        (error) => (isNotFound(error) ? { outcome: 'skipped', reason: 'group no longer exists' } : undefined),
      );
    },
  };
}
