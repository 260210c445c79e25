// Apps: a user's app links, the app inventory of a user, app users with USER/GROUP scope and their profiles, assign
// and unassign (docs/okta-behaviour.md §10).
import { createHash } from 'node:crypto';
import { invalidSearch, notFound, oktaError } from './errors';
import type { AppRec, UserRec } from './org';
import { limitParam, page, requireObjectBody, type Ctx, type Reply, type Router } from './routing';
import { parseExpression } from './search-expressions';
import { renderUser, requireUser, requireVisibleUser, userTarget } from './users';

function requireApp(ctx: Ctx): AppRec {
  const id = ctx.params['appId'] ?? '';
  const app = ctx.org.apps.get(id);
  if (!app) throw notFound(id, 'Application');
  return app;
}

function appTarget(app: AppRec): { id: string; type: string; alternateId: string; displayName: string } {
  return { id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label };
}

/** Stable 20-character ids derived from the pair, so links and assignments keep their ids across calls. */
function derivedId(prefix: string, ...parts: string[]): string {
  return prefix + createHash('sha256').update(parts.join('/')).digest('base64url').replace(/[-_]/g, 'x').slice(0, 17);
}

export function renderApp(app: AppRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/apps/${app.id}`;
  return {
    id: app.id,
    name: 'bookmark',
    label: app.label,
    status: 'ACTIVE',
    created: app.created,
    lastUpdated: app.created,
    signOnMode: 'BOOKMARK',
    features: [],
    accessibility: { selfService: false },
    visibility: {
      autoSubmitToolbar: false,
      hide: { iOS: app.hideLink, web: app.hideLink },
      appLinks: { login: !app.hideLink },
    },
    settings: { app: { url: `https://${app.name}.example.com/`, requestIntegration: false } },
    _links: { self: { href: self }, users: { href: `${self}/users` }, groups: { href: `${self}/groups` } },
  };
}

/** A user holding the app both directly and through a group shows USER scope (docs/okta-behaviour.md §10.2). */
function renderAppUser(
  app: AppRec,
  user: UserRec,
  scope: 'USER' | 'GROUP',
  base: string,
  expandUser: boolean,
): Record<string, unknown> {
  return {
    id: user.id,
    created: user.created,
    lastUpdated: user.lastUpdated,
    scope,
    status: 'ACTIVE',
    statusChanged: user.statusChanged,
    passwordChanged: null,
    syncState: 'DISABLED',
    credentials: { userName: user.profile.login },
    profile: scope === 'USER' ? { ...user.appProfiles.get(app.id) } : {},
    _links: {
      app: { href: `${base}/api/v1/apps/${app.id}` },
      user: { href: `${base}/api/v1/users/${user.id}` },
      ...(scope === 'GROUP' ? { group: { name: 'group', href: `${base}/api/v1/users/${user.id}/groups` } } : {}),
    },
    ...(expandUser ? { _embedded: { user: renderUser(user, base, false) } } : {}),
  };
}

/** The dashboard's links: an app whose link is hidden (or a provisioning-only app) has none. */
function listAppLinks(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  const links = ctx.org.userAppIds(user).flatMap((appId, i) => {
    const app = ctx.org.apps.get(appId);
    if (!app || app.hideLink) return [];
    return [
      {
        id: derivedId('00u', user.id, appId, 'link'),
        label: app.label,
        linkUrl: `${ctx.baseUrl}/home/${app.name}/${app.id}/${derivedId('aln', app.id)}`,
        logoUrl: `${ctx.baseUrl}/assets/img/logos/default.png`,
        appName: app.name,
        appInstanceId: app.id,
        appAssignmentId: derivedId('0ua', user.id, appId),
        credentialsSetup: false,
        hidden: false,
        sortOrder: i,
      },
    ];
  });
  return { status: 200, body: links };
}

const APP_FILTER_ATTRS = new Set(['user.id', 'group.id', 'id', 'status', 'name']);

/**
 * `filter` takes one `eq` expression on `user.id`, `group.id`, `id`, `status` or `name` (old reference, apps, "List
 * applications"); anything else is 400 E0000031. Returns the predicate and, for `user.id`, the user's id.
 */
function appFilter(ctx: Ctx): { keep: (a: AppRec) => boolean; userId?: string } {
  const raw = ctx.query.get('filter');
  if (!raw) return { keep: () => true };
  const { comparisons } = parseExpression(raw);
  const m = /^\s*([\w.]+)\s+eq\s+"([^"]*)"\s*$/i.exec(raw);
  const attr = m?.[1]?.toLowerCase() ?? '';
  const value = m?.[2] ?? '';
  if (comparisons.length !== 1 || !m || !APP_FILTER_ATTRS.has(attr))
    throw invalidSearch('filter: only one eq expression on user.id, group.id, id, status or name is supported');
  switch (attr) {
    case 'user.id': {
      const user = ctx.org.findUser(value);
      const held = new Set(user ? ctx.org.userAppIds(user) : []);
      return { keep: (a) => held.has(a.id), userId: user?.id ?? value };
    }
    case 'group.id':
      return { keep: (a) => ctx.org.groups.get(value)?.apps.has(a.id) ?? false };
    case 'id':
      return { keep: (a) => a.id === value };
    case 'status':
      return { keep: () => value.toUpperCase() === 'ACTIVE' };
    default:
      return { keep: () => value.toLowerCase() === 'bookmark' };
  }
}

/**
 * With `filter=user.id eq "<id>"` the list is the user's app inventory: every app assigned directly or through a
 * group, hidden-link and provisioning-only apps included; `expand=user/<id>` (only with that filter, `queryAppsExpand`)
 * embeds the app user in `_embedded.user` (docs/okta-behaviour.md §10.4).
 */
function listApps(ctx: Ctx): Reply {
  const limit = limitParam(ctx, 20, 200);
  const q = ctx.query.get('q')?.toLowerCase();
  const filter = appFilter(ctx);
  const expand = ctx.query.get('expand');
  let embedFor: UserRec | undefined;
  if (expand) {
    const expandUserId = /^user\/(.+)$/.exec(expand)?.[1];
    if (!expandUserId || filter.userId === undefined || ctx.org.findUser(expandUserId)?.id !== filter.userId) {
      throw invalidSearch(
        'expand: only user/<id> together with the filter user.id eq "<id>" for the same user is supported',
      );
    }
    embedFor = ctx.org.users.get(filter.userId);
  }
  const apps = [...ctx.org.apps.values()].filter(
    (a) => filter.keep(a) && (!q || a.label.toLowerCase().startsWith(q) || a.name.toLowerCase().startsWith(q)),
  );
  return page(
    ctx,
    apps,
    (a) => a.id,
    limit,
    (a) => {
      const body = renderApp(a, ctx.baseUrl);
      const scope = embedFor && ctx.org.appScope(embedFor, a.id);
      if (embedFor && scope) body['_embedded'] = { user: renderAppUser(a, embedFor, scope, ctx.baseUrl, false) };
      return body;
    },
  );
}

function getApp(ctx: Ctx): Reply {
  return { status: 200, body: renderApp(requireApp(ctx), ctx.baseUrl) };
}

function listApplicationUsers(ctx: Ctx): Reply {
  const app = requireApp(ctx);
  const limit = limitParam(ctx, 50, 500);
  const q = ctx.query.get('q')?.toLowerCase();
  const expandUser = ctx.query.get('expand') === 'user';
  const users = ctx.org
    .appUserIds(app.id)
    .flatMap((id) => ctx.org.users.get(id) ?? [])
    .filter(
      (u) =>
        !q ||
        [u.profile.login, u.profile['firstName'], u.profile['lastName'], u.profile['email']].some(
          (v) => typeof v === 'string' && v.toLowerCase().startsWith(q),
        ),
    );
  return page(
    ctx,
    users,
    (u) => u.id,
    limit,
    (u) => renderAppUser(app, u, ctx.org.appScope(u, app.id) ?? 'USER', ctx.baseUrl, expandUser),
  );
}

function getApplicationUser(ctx: Ctx): Reply {
  const app = requireApp(ctx);
  const user = requireUser(ctx);
  const scope = ctx.org.appScope(user, app.id);
  if (!scope) throw notFound(user.id, 'AppUser');
  return { status: 200, body: renderAppUser(app, user, scope, ctx.baseUrl, ctx.query.get('expand') === 'user') };
}

/**
 * Apps with provisioning have app-user profiles "with optional and/or required properties" (old reference, apps,
 * "Application User profile"); an assignment without a required one is 400 E0000001 `Api validation failed:
 * assignment` (the form in okta/okta-sdk-python#421), a cause per attribute (docs/okta-behaviour.md §10.1).
 */
function assignUserToApplication(ctx: Ctx): Reply {
  const app = requireApp(ctx);
  const body = requireObjectBody(ctx);
  const userId = body['id'];
  if (typeof userId !== 'string' || userId === '')
    throw oktaError('E0000001', 'id', ['id: The field cannot be left blank']);
  const user = requireUser(ctx, userId);
  if (user.status === 'DEPROVISIONED') throw oktaError('E0000117');
  // Still being activated: the error Okta gives for changing such a user (docs/okta-behaviour.md §6.1).
  if (user.transitioningToStatus === 'ACTIVE') throw oktaError('E0000112');
  const given = body['profile'];
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    throw oktaError('E0000001', 'assignment', ['profile: must be an object']);
  }
  const profile = { ...user.appProfiles.get(app.id), ...(given as Record<string, unknown> | undefined) };
  const missing = app.requiredProfile.filter(
    (attr) => profile[attr] === undefined || profile[attr] === null || profile[attr] === '',
  );
  if (missing.length > 0)
    throw oktaError(
      'E0000001',
      'assignment',
      missing.map((attr) => `${attr}: The field cannot be left blank`),
    );
  const wasAssigned = user.directApps.has(app.id);
  ctx.org.assignApp(user, app.id, profile);
  if (!wasAssigned) ctx.record('application.user_membership.add', [userTarget(user), appTarget(app)]);
  return { status: 200, body: renderAppUser(app, user, 'USER', ctx.baseUrl, false) };
}

/**
 * While a group grants the app, the assignment can't be removed per user, also when the user holds it directly too
 * (articulate/terraform-provider-okta#120): remove the group membership first. Unassignment loses the app profile.
 */
function unassignUserFromApplication(ctx: Ctx): Reply {
  const app = requireApp(ctx);
  const user = requireUser(ctx);
  const scope = ctx.org.appScope(user, app.id);
  if (!scope) throw notFound(user.id, 'AppUser');
  if (ctx.org.groupGrants(user, app.id)) {
    throw oktaError('E0000046', undefined, [
      'The application cannot be unassigned from the user while their group memberships grant them access',
    ]);
  }
  ctx.org.unassignApp(user, app.id);
  ctx.record('application.user_membership.remove', [userTarget(user), appTarget(app)]);
  return { status: 204 };
}

export function registerAppRoutes(router: Router): void {
  router
    .add('GET', '/api/v1/users/:userId/appLinks', 'okta.users.read', listAppLinks)
    .add('GET', '/api/v1/apps', 'okta.apps.read', listApps)
    .add('GET', '/api/v1/apps/:appId', 'okta.apps.read', getApp)
    .add('GET', '/api/v1/apps/:appId/users', 'okta.apps.read', listApplicationUsers)
    .add('POST', '/api/v1/apps/:appId/users', 'okta.apps.manage', assignUserToApplication)
    .add('GET', '/api/v1/apps/:appId/users/:userId', 'okta.apps.read', getApplicationUser)
    .add('DELETE', '/api/v1/apps/:appId/users/:userId', 'okta.apps.manage', unassignUserFromApplication);
}
