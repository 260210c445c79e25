// Groups, memberships (with the OKTA_GROUP-only and rule-exclusion rules) and group rules (docs/okta-behaviour.md §9).
import { invalidSearch, notFound, oktaError } from './errors';
import type { LogTarget } from './logs';
import { ID_PREFIX, newId, type GroupRec } from './org';
import { limitParam, page, requireObjectBody, selfUrl, type Ctx, type Reply, type Router } from './routing';
import { dotted, parseExpression } from './search-expressions';
import { renderUser, requireUser, userTarget } from './users';

const SYSTEM_PRINCIPAL = {
  id: '0oaSystemPrincipal01',
  type: 'SystemPrincipal',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
};

function requireGroup(ctx: Ctx): GroupRec {
  const id = ctx.params['groupId'] ?? '';
  const group = ctx.org.groups.get(id);
  if (!group) throw notFound(id, 'UserGroup');
  return group;
}

export function groupTarget(g: GroupRec): LogTarget {
  return { id: g.id, type: 'UserGroup', alternateId: 'unknown', displayName: g.name };
}

export function renderGroup(g: GroupRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/groups/${g.id}`;
  return {
    id: g.id,
    created: g.created,
    lastUpdated: g.lastUpdated,
    lastMembershipUpdated: g.lastMembershipUpdated,
    objectClass: [g.type === 'APP_GROUP' ? 'okta:windows_security_principal' : 'okta:user_group'],
    type: g.type,
    profile: { name: g.name, description: g.description ?? '' },
    _links: {
      logo: [{ name: 'medium', href: `${base}/assets/img/logos/groups/okta-medium.png`, type: 'image/png' }],
      users: { href: `${self}/users` },
      apps: { href: `${self}/apps` },
    },
  };
}

function groupAttr(g: GroupRec, attr: string): unknown {
  switch (attr) {
    case 'profile.name':
      return g.name;
    case 'profile.description':
      return g.description;
    default:
      return dotted(
        {
          id: g.id,
          type: g.type,
          created: g.created,
          lastUpdated: g.lastUpdated,
          lastMembershipUpdated: g.lastMembershipUpdated,
        },
        attr,
      );
  }
}

const GROUP_FILTER_ATTRS = new Set(['id', 'type', 'lastupdated', 'lastmembershipupdated']);

/** A query (`q`) is not paged and stops at 300 groups (`listGroups`, parameter `q`: "You can't page a query"). */
const GROUP_QUERY_LIMIT = 300;

/**
 * `filter` on `id`, `type`, `lastUpdated`, `lastMembershipUpdated`; `search` on those and the profile (`profile.name eq
 * "..."`, `and`/`or`), paged; `q` a name prefix, one page of at most 300 (docs/okta-behaviour.md §9.1).
 */
function listGroups(ctx: Ctx): Reply {
  const preds: Array<(g: GroupRec) => boolean> = [];
  for (const name of ['filter', 'search'] as const) {
    const raw = ctx.query.get(name);
    if (!raw) continue;
    const expr = parseExpression(raw);
    const unsupported =
      name === 'filter' && expr.comparisons.find((c) => !GROUP_FILTER_ATTRS.has(c.attr.toLowerCase()));
    if (unsupported) throw invalidSearch(`filter: ${unsupported.attr} is not supported (use search)`);
    preds.push((g) => expr.matches((a) => groupAttr(g, a)));
  }
  const q = ctx.query.get('q')?.toLowerCase();
  if (q) preds.push((g) => g.name.toLowerCase().startsWith(q));
  const groups = [...ctx.org.groups.values()].filter((g) => preds.every((p) => p(g)));
  if (q) {
    const cut = groups.slice(0, limitParam(ctx, GROUP_QUERY_LIMIT, GROUP_QUERY_LIMIT));
    return {
      status: 200,
      body: cut.map((g) => renderGroup(g, ctx.baseUrl)),
      headers: { link: `<${selfUrl(ctx)}>; rel="self"` },
    };
  }
  return page(
    ctx,
    groups,
    (g) => g.id,
    limitParam(ctx, 10000, 10000),
    (g) => renderGroup(g, ctx.baseUrl),
  );
}

function createGroup(ctx: Ctx): Reply {
  const body = requireObjectBody(ctx);
  const profile = body['profile'] as Record<string, unknown> | undefined;
  const name = profile && typeof profile === 'object' ? profile['name'] : undefined;
  if (typeof name !== 'string' || name.trim() === '')
    throw oktaError('E0000001', 'name', ['name: The field cannot be left blank']);
  if (name.length > 255) throw oktaError('E0000001', 'name', ['name: The field is too long']);
  const description = typeof profile?.['description'] === 'string' ? profile['description'] : null;
  const t = new Date().toISOString();
  const g: GroupRec = {
    id: newId(ID_PREFIX.group),
    name,
    description,
    type: 'OKTA_GROUP',
    apps: new Set(),
    members: new Set(),
    created: t,
    lastUpdated: t,
    lastMembershipUpdated: t,
  };
  ctx.org.groups.set(g.id, g);
  ctx.record('group.lifecycle.create', [groupTarget(g)]);
  return { status: 200, body: renderGroup(g, ctx.baseUrl) };
}

function getGroup(ctx: Ctx): Reply {
  return { status: 200, body: renderGroup(requireGroup(ctx), ctx.baseUrl) };
}

function deleteGroup(ctx: Ctx): Reply {
  const g = requireGroup(ctx);
  if (g.type !== 'OKTA_GROUP') throw oktaError('E0000006');
  for (const uid of g.members) ctx.org.users.get(uid)?.groups.delete(g.id);
  ctx.org.groups.delete(g.id);
  ctx.record('group.lifecycle.delete', [groupTarget(g)]);
  return { status: 204 };
}

function listGroupUsers(ctx: Ctx): Reply {
  const g = requireGroup(ctx);
  const limit = limitParam(ctx, 1000, 10000);
  const members = [...g.members].flatMap((id) => ctx.org.users.get(id) ?? []);
  return page(
    ctx,
    members,
    (u) => u.id,
    limit,
    (u) => renderUser(u, ctx.baseUrl, false),
  );
}

function listUserGroups(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  const groups = [...user.groups].flatMap((id) => ctx.org.groups.get(id) ?? []);
  return { status: 200, body: groups.map((g) => renderGroup(g, ctx.baseUrl)) };
}

/** Only OKTA_GROUP memberships can change; Everyone answers "Unsupported operation." (501 E0000060). */
function assertMembershipEditable(g: GroupRec, adding: boolean, everyoneId: string): void {
  if (adding && g.id === everyoneId) throw oktaError('E0000060');
  if (g.type !== 'OKTA_GROUP') throw oktaError('E0000006');
}

/** A user who is still being activated can't be added yet: 409 E0000112 (docs/okta-behaviour.md §6.1). */
function assignUserToGroup(ctx: Ctx): Reply {
  const g = requireGroup(ctx);
  const user = requireUser(ctx);
  assertMembershipEditable(g, true, ctx.org.everyoneId);
  if (user.transitioningToStatus === 'ACTIVE') throw oktaError('E0000112');
  if (!g.members.has(user.id)) {
    g.members.add(user.id);
    user.groups.add(g.id);
    g.lastMembershipUpdated = new Date().toISOString();
    ctx.record('group.user_membership.add', [userTarget(user), groupTarget(g)]);
  }
  return { status: 204 };
}

/** Removing a rule-managed member succeeds and puts the user on the rule's exclusion list. */
function unassignUserFromGroup(ctx: Ctx): Reply {
  const g = requireGroup(ctx);
  const user = requireUser(ctx);
  assertMembershipEditable(g, false, ctx.org.everyoneId);
  if (!g.members.has(user.id)) return { status: 204 };
  g.members.delete(user.id);
  user.groups.delete(g.id);
  g.lastMembershipUpdated = new Date().toISOString();
  if (g.rule && !g.rule.excludedUserIds.includes(user.id)) {
    g.rule.excludedUserIds.push(user.id);
    g.rule.lastUpdated = g.lastMembershipUpdated;
    ctx.record(
      'group.user_membership.rule.add_exclusion',
      [userTarget(user), groupTarget(g)],
      undefined,
      SYSTEM_PRINCIPAL,
    );
  }
  ctx.record('group.user_membership.remove', [userTarget(user), groupTarget(g)]);
  return { status: 204 };
}

type RuleOf = { group: GroupRec; rule: NonNullable<GroupRec['rule']> };

function renderRule({ group, rule }: RuleOf): Record<string, unknown> {
  return {
    id: rule.id,
    type: 'group_rule',
    name: rule.name,
    status: 'ACTIVE',
    created: rule.created,
    lastUpdated: rule.lastUpdated,
    allGroupsValid: true,
    conditions: {
      people: { users: { exclude: [...rule.excludedUserIds] }, groups: { exclude: [] } },
      expression: { value: `user.department=="${group.name}"`, type: 'urn:okta:expression:1.0' },
    },
    actions: { assignUserToGroups: { groupIds: [group.id] } },
  };
}

function rules(ctx: Ctx): RuleOf[] {
  return [...ctx.org.groups.values()].flatMap((group) => (group.rule ? [{ group, rule: group.rule }] : []));
}

function listGroupRules(ctx: Ctx): Reply {
  const limit = limitParam(ctx, 50, 200);
  const search = ctx.query.get('search')?.toLowerCase();
  const selected = rules(ctx).filter((r) => !search || r.rule.name.toLowerCase().includes(search));
  return page(ctx, selected, (r) => r.rule.id, limit, renderRule);
}

function getGroupRule(ctx: Ctx): Reply {
  const id = ctx.params['ruleId'] ?? '';
  const found = rules(ctx).find((r) => r.rule.id === id);
  if (!found) throw notFound(id, 'GroupRule');
  return { status: 200, body: renderRule(found) };
}

export function registerGroupRoutes(router: Router): void {
  router
    .add('GET', '/api/v1/groups', 'okta.groups.read', listGroups)
    .add('POST', '/api/v1/groups', 'okta.groups.manage', createGroup)
    .add('GET', '/api/v1/groups/rules', 'okta.groups.read', listGroupRules)
    .add('GET', '/api/v1/groups/rules/:ruleId', 'okta.groups.read', getGroupRule)
    .add('GET', '/api/v1/groups/:groupId', 'okta.groups.read', getGroup)
    .add('DELETE', '/api/v1/groups/:groupId', 'okta.groups.manage', deleteGroup)
    .add('GET', '/api/v1/groups/:groupId/users', 'okta.groups.read', listGroupUsers)
    .add('PUT', '/api/v1/groups/:groupId/users/:userId', 'okta.groups.manage', assignUserToGroup)
    .add('DELETE', '/api/v1/groups/:groupId/users/:userId', 'okta.groups.manage', unassignUserFromGroup)
    .add('GET', '/api/v1/users/:userId/groups', 'okta.users.read', listUserGroups);
}
