// App assignments. Direct (USER-scope) assignments are unassigned one by one; GROUP-scope ones
// leave with the group membership (Okta answers 403 E0000046 to unassigning them).
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import { callOkta, changeOkta, isNotFound, readAll, refusalReason, type ChangeResult } from '../okta/errors';

export type AppAssignment = OffboardingSnapshot['apps'][number];

export function createAppActivities(okta: Client) {
  return {
    /** The user's app links, one per app instance (one app can show several links). */
    async listAppLinks({ userId }: { userId: string }): Promise<Array<{ id: string; label: string }>> {
      const links = await callOkta(
        'listAppLinks',
        async () => readAll(await okta.userApi.listAppLinks({ userId })),
        (error) => (isNotFound(error) ? [] : undefined),
      );
      const apps = new Map<string, string>();
      for (const link of links)
        if (link.appInstanceId && !apps.has(link.appInstanceId)) apps.set(link.appInstanceId, String(link.label ?? ''));
      return [...apps].map(([id, label]) => ({ id, label }));
    },

    /** The assignment's scope: USER (direct) or GROUP; undefined when the user is not assigned. */
    async getAppAssignment({
      appId,
      label,
      userId,
    }: {
      appId: string;
      label: string;
      userId: string;
    }): Promise<AppAssignment | undefined> {
      const appUser = await callOkta(
        'getAppAssignment',
        () => okta.applicationApi.getApplicationUser({ appId, userId }),
        (error) => (isNotFound(error) ? null : undefined),
      );
      if (!appUser) return undefined;
      return { id: appId, label, scope: appUser.scope === 'GROUP' ? 'GROUP' : 'USER' };
    },

    async unassignApp({ appId, userId }: { appId: string; userId: string }): Promise<ChangeResult> {
      return changeOkta(
        'unassignApp',
        () => okta.applicationApi.unassignUserFromApplication({ appId, userId, sendEmail: false }),
        (error) => {
          if (isNotFound(error)) return { outcome: 'not-needed', reason: 'assignment already gone' };
          const refused = refusalReason(error);
          return refused
            ? { outcome: 'skipped', reason: `${refused} (group-scoped; leaves with the group membership)` }
            : undefined;
        },
      );
    },

    /** rehire: a direct assignment again. */
    async assignApp({ appId, userId }: { appId: string; userId: string }): Promise<ChangeResult> {
      return changeOkta(
        'assignApp',
        () => okta.applicationApi.assignUserToApplication({ appId, appUser: { id: userId, scope: 'USER' } }),
        (error) => {
          if (isNotFound(error)) return { outcome: 'skipped', reason: 'app no longer exists' };
          const refused = refusalReason(error);
          return refused ? { outcome: 'skipped', reason: refused } : undefined;
        },
      );
    },
  };
}
