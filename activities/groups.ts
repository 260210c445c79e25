// Group memberships. Only OKTA_GROUP memberships can change: BUILT_IN (Everyone) and APP_GROUP
// (mastered in AD/LDAP or an app) are skipped and reported. Removing a rule-managed membership
// puts the user on the rule's exclusion list, which rehire reports.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import { callOkta, changeOkta, isNotFound, readAll, type ChangeResult } from '../okta/errors';
import { protectedGroupReason, type OffboardingPolicy } from './policy';

export type GroupSummary = Omit<OffboardingSnapshot['groups'][number], 'ruleIds'>;
export interface GroupRuleSummary {
  id: string;
  groupIds: string[];
}

export function createGroupActivities(okta: Client, policy: OffboardingPolicy) {
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

    /** snapshot: the group rules that assign any of these groups (rule-managed memberships). */
    async listGroupRules({ groupIds }: { groupIds: string[] }): Promise<GroupRuleSummary[]> {
      const wanted = new Set(groupIds);
      const rules = await callOkta('listGroupRules', async () =>
        readAll(await okta.groupApi.listGroupRules({ limit: 200 })),
      );
      return rules
        .map((rule) => ({
          id: String(rule.id),
          groupIds: (rule.actions?.assignUserToGroups?.groupIds ?? []).map(String),
        }))
        .filter((rule) => rule.groupIds.some((id) => wanted.has(id)));
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
