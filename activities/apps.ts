// App assignments. The inventory is Okta's filtered app listing (every app assigned to the user,
// provisioning-only ones included, each with its app user); direct (USER-scope) assignments are
// unassigned one by one, and GROUP-scope ones leave with the group membership.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import {
  callOkta,
  changeOkta,
  isNotFound,
  isOktaError,
  readAll,
  toTemporalFailure,
  type ChangeResult,
} from '../okta/errors';

export type AppAssignment = OffboardingSnapshot['apps'][number];
type AppProfile = NonNullable<AppAssignment['profile']>;

export function createAppActivities(okta: Client) {
  /**
   * The user's groups that are assigned the app: why Okta refuses to unassign a direct assignment (403 E0000046).
   * Read by each group's app listing (`filter=group.id eq`), one call per group, on this unhappy path only.
   */
  async function groupsGranting(appId: string, userId: string): Promise<string[]> {
    const groups = await callOkta('listUserGroups', async () => readAll(await okta.userApi.listUserGroups({ userId })));
    const granting: string[] = [];
    for (const group of groups) {
      const apps = await callOkta('listGroupApps', async () =>
        readAll(await okta.applicationApi.listApplications({ filter: `group.id eq "${group.id}"`, limit: 200 })),
      );
      if (apps.some((app) => app.id === appId)) granting.push(`${group.id} (${group.profile?.name ?? ''})`);
    }
    return granting;
  }

  return {
    /** The user's app links, one per app instance (one app can show several links). Kept for runs that started before `listAssignedApps`. */
    async listAppLinks({ userId }: { userId: string }): Promise<Array<{ id: string; label: string }>> {
      const links = await callOkta('listAppLinks', async () => readAll(await okta.userApi.listAppLinks({ userId })));
      const apps = new Map<string, string>();
      for (const link of links)
        if (link.appInstanceId && !apps.has(link.appInstanceId)) apps.set(link.appInstanceId, String(link.label ?? ''));
      return [...apps].map(([id, label]) => ({ id, label }));
    },

    /**
     * Every app assigned to the user, directly or through a group, hidden-link and provisioning-only apps
     * included, with the app user's scope and, for a direct assignment, its profile (rehire re-assigns with
     * it: Okta cannot recover an app-user profile after unassignment). One paged call:
     * `GET /api/v1/apps?filter=user.id eq "<id>"&expand=user/<id>`, which Okta keeps answering for a
     * deactivated user (by the assignments it still holds).
     */
    async listAssignedApps({ userId }: { userId: string }): Promise<AppAssignment[]> {
      const apps = await callOkta('listAssignedApps', async () =>
        readAll(
          await okta.applicationApi.listApplications({
            filter: `user.id eq "${userId}"`,
            expand: `user/${userId}`,
            limit: 200,
          }),
        ),
      );
      return apps
        .filter((app) => app.id)
        .map((app) => {
          const appUser = app._embedded?.user as { scope?: string; profile?: AppProfile } | undefined;
          const scope = appUser?.scope === 'GROUP' ? 'GROUP' : 'USER';
          const profile =
            scope === 'USER' && appUser?.profile && Object.keys(appUser.profile).length > 0
              ? appUser.profile
              : undefined;
          return {
            id: String(app.id),
            label: String(app.label ?? ''),
            scope,
            ...(profile ? { profile } : {}),
          } satisfies AppAssignment;
        })
        .sort((a, b) => a.id.localeCompare(b.id));
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

    /**
     * A direct assignment that a group also grants cannot be unassigned (403 E0000046): it is residue of that
     * group, named in the reason (deactivation removes it; rehire re-assigns it). Any other refusal, such as
     * 403 E0000006 (a missing right), fails the change.
     */
    async unassignApp({ appId, userId }: { appId: string; userId: string }): Promise<ChangeResult> {
      try {
        await okta.applicationApi.unassignUserFromApplication({ appId, userId, sendEmail: false });
        return { outcome: 'done' };
      } catch (error) {
        if (isNotFound(error)) return { outcome: 'not-needed', reason: 'assignment already gone' };
        const groups = isOktaError(error, 403, 'E0000046') ? await groupsGranting(appId, userId) : [];
        if (groups.length === 0) throw toTemporalFailure(error, 'unassignApp');
        const reason = `residue of group ${groups.join(', ')}: Okta refuses to unassign it (403 E0000046) while that group grants the app; deactivation removes it, rehire re-assigns it`;
        return { outcome: 'not-needed', reason };
      }
    },

    /**
     * rehire: a direct assignment again, with the app-user profile the snapshot kept (apps with required
     * attributes refuse a bare one). While Okta still activates the user it answers 409 E0000112, a
     * retryable `OktaUserActivating`.
     */
    async assignApp({
      appId,
      userId,
      profile,
    }: {
      appId: string;
      userId: string;
      profile?: AppProfile;
    }): Promise<ChangeResult> {
      const appUser = { id: userId, scope: 'USER' as const, ...(profile ? { profile } : {}) };
      return changeOkta(
        'assignApp',
        () => okta.applicationApi.assignUserToApplication({ appId, appUser }),
        (error) => (isNotFound(error) ? { outcome: 'skipped', reason: 'app no longer exists' } : undefined),
      );
    },
  };
}
