// Apps: a user's app links, app users with USER/GROUP scope, assign and unassign (docs/okta-behaviour.md §10).
import { createHash } from 'node:crypto';
import { notFound, oktaError } from './errors';
import type { AppRec, UserRec } from './org';
import { limitParam, page, requireObjectBody, type Ctx, type Reply, type Router } from './routing';
import { renderUser, requireUser, userTarget } from './users';

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
    visibility: { autoSubmitToolbar: false, hide: { iOS: false, web: false }, appLinks: { login: true } },
    settings: { app: { url: `https://${app.name}.example.com/`, requestIntegration: false } },
    _links: { self: { href: self }, users: { href: `${self}/users` }, groups: { href: `${self}/groups` } },
  };
}

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
    profile: {},
    _links: {
      app: { href: `${base}/api/v1/apps/${app.id}` },
      user: { href: `${base}/api/v1/users/${user.id}` },
      ...(scope === 'GROUP' ? { group: { name: 'group', href: `${base}/api/v1/users/${user.id}/groups` } } : {}),
    },
    ...(expandUser ? { _embedded: { user: renderUser(user, base, false) } } : {}),
  };
}

function listAppLinks(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  const links = ctx.org.userAppIds(user).flatMap((appId, i) => {
    const app = ctx.org.apps.get(appId);
    if (!app) return [];
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

function listApps(ctx: Ctx): Reply {
  const limit = limitParam(ctx, 20, 200);
  const q = ctx.query.get('q')?.toLowerCase();
  const apps = [...ctx.org.apps.values()].filter(
    (a) => !q || a.label.toLowerCase().startsWith(q) || a.name.toLowerCase().startsWith(q),
  );
  return page(
    ctx,
    apps,
    (a) => a.id,
    limit,
    (a) => renderApp(a, ctx.baseUrl),
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

function assignUserToApplication(ctx: Ctx): Reply {
  const app = requireApp(ctx);
  const body = requireObjectBody(ctx);
  const userId = body['id'];
  if (typeof userId !== 'string' || userId === '')
    throw oktaError('E0000001', 'id', ['id: The field cannot be left blank']);
  const user = requireUser(ctx, userId);
  if (user.status === 'DEPROVISIONED') throw oktaError('E0000117');
  const wasAssigned = user.directApps.has(app.id);
  ctx.org.assignApp(user, app.id);
  if (!wasAssigned) ctx.record('application.user_membership.add', [userTarget(user), appTarget(app)]);
  return { status: 200, body: renderAppUser(app, user, 'USER', ctx.baseUrl, false) };
}

/** A GROUP-scoped assignment can't be removed per user: remove the group membership instead. */
function unassignUserFromApplication(ctx: Ctx): Reply {
  const app = requireApp(ctx);
  const user = requireUser(ctx);
  const scope = ctx.org.appScope(user, app.id);
  if (!scope) throw notFound(user.id, 'AppUser');
  if (scope === 'GROUP') {
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
