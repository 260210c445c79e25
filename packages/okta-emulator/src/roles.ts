// A user's admin role assignments (`listAssignedRolesForUser`, docs/okta-behaviour.md §17).
import type { RoleRec, UserRec } from './org';
import type { Ctx, Reply, Router } from './routing';
import type { AdminRoleType } from './types';
import { requireVisibleUser } from './users';

/** The labels Okta gives its standard roles (Admin Console names; schema `RoleType`). */
const LABELS: Record<AdminRoleType, string> = {
  SUPER_ADMIN: 'Super Administrator',
  ORG_ADMIN: 'Organizational Administrator',
  APP_ADMIN: 'Application Administrator',
  USER_ADMIN: 'Group Administrator',
  HELP_DESK_ADMIN: 'Help Desk Administrator',
  READ_ONLY_ADMIN: 'Read Only Administrator',
  MOBILE_ADMIN: 'Mobile Administrator',
  API_ACCESS_MANAGEMENT_ADMIN: 'API Access Management Administrator',
  REPORT_ADMIN: 'Report Administrator',
  GROUP_MEMBERSHIP_ADMIN: 'Group Membership Administrator',
};

function renderRole(role: RoleRec, user: UserRec, base: string): Record<string, unknown> {
  return {
    id: role.id,
    label: LABELS[role.type],
    type: role.type,
    status: 'ACTIVE',
    created: role.created,
    lastUpdated: role.created,
    assignmentType: 'USER',
    _links: { assignee: { href: `${base}/api/v1/users/${user.id}` } },
  };
}

function listAssignedRolesForUser(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  return { status: 200, body: user.roles.map((r) => renderRole(r, user, ctx.baseUrl)) };
}

export function registerRoleRoutes(router: Router): void {
  router.add('GET', '/api/v1/users/:userId/roles', 'okta.roles.read', listAssignedRolesForUser);
}
