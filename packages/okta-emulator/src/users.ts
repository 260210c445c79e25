// Users: get by id or login, list with filter/search/q, create, update, delete (the double DELETE).
import { notFound, oktaError } from './errors';
import type { LogTarget } from './logs';
import { emptyHoldings, ID_PREFIX, newId, type UserRec } from './org';
import { boolParam, limitParam, page, requireObjectBody, type Ctx, type Reply, type Router } from './routing';
import { dotted, parseExpression } from './search-expressions';

const USER_TYPE_ID = 'otyEmulatorDefault01';

export function requireUser(ctx: Ctx, idOrLogin = ctx.params['userId'] ?? ''): UserRec {
  const user = ctx.org.findUser(idOrLogin);
  if (!user) throw notFound(idOrLogin, 'User');
  ctx.userId = user.id;
  return user;
}

/**
 * A user whose sub-resources Okta hides once deactivated: for a DEPROVISIONED user the factor list answers 404
 * E0000007 (okta/okta-sdk-java#646), and so, by the emulator's choice, do app links, devices, OAuth clients, grants,
 * tokens, sessions and admin roles (docs/okta-behaviour.md §18). Status and groups keep answering.
 */
export function requireVisibleUser(ctx: Ctx): UserRec {
  const user = requireUser(ctx);
  if (user.status === 'DEPROVISIONED') throw notFound(ctx.params['userId'] ?? user.id, 'User');
  return user;
}

export function displayName(user: UserRec): string {
  const { firstName, lastName } = user.profile;
  return [firstName, lastName].filter((x) => typeof x === 'string' && x).join(' ') || user.profile.login;
}

export function userTarget(user: UserRec): LogTarget {
  return { id: user.id, type: 'User', alternateId: user.profile.login, displayName: displayName(user) };
}

function userLinks(user: UserRec, base: string, full: boolean): Record<string, unknown> {
  const self = `${base}/api/v1/users/${user.id}`;
  if (!full) return { self: { href: self } };
  const post = (op: string) => ({ href: `${self}/lifecycle/${op}`, method: 'POST' });
  const links: Record<string, unknown> = {
    self: { href: self },
    type: { href: `${base}/api/v1/meta/types/user/${USER_TYPE_ID}` },
    schema: { href: `${base}/api/v1/meta/schemas/user/${USER_TYPE_ID}` },
  };
  switch (user.status) {
    case 'ACTIVE':
      Object.assign(links, {
        suspend: post('suspend'),
        deactivate: post('deactivate'),
        expirePassword: post('expire_password'),
        resetPassword: post('reset_password'),
      });
      break;
    case 'SUSPENDED':
      Object.assign(links, { unsuspend: post('unsuspend'), deactivate: post('deactivate') });
      break;
    case 'STAGED':
      Object.assign(links, { activate: post('activate'), deactivate: post('deactivate') });
      break;
    case 'PROVISIONED':
    case 'RECOVERY':
      Object.assign(links, { reactivate: post('reactivate'), deactivate: post('deactivate') });
      break;
    case 'LOCKED_OUT':
      Object.assign(links, { unlock: post('unlock'), deactivate: post('deactivate') });
      break;
    case 'PASSWORD_EXPIRED':
      Object.assign(links, { deactivate: post('deactivate') });
      break;
    case 'DEPROVISIONED':
      Object.assign(links, { activate: post('activate') });
      break;
  }
  if (user.factors.length > 0 && user.status !== 'DEPROVISIONED') links['resetFactors'] = post('reset_factors');
  return links;
}

export function renderUser(user: UserRec, base: string, full = true): Record<string, unknown> {
  return {
    id: user.id,
    status: user.status,
    ...(user.transitioningToStatus ? { transitioningToStatus: user.transitioningToStatus } : {}),
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: user.lastLogin,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: USER_TYPE_ID },
    profile: user.profile,
    credentials: {
      ...(user.hasPassword ? { password: {} } : {}),
      emails:
        typeof user.profile['email'] === 'string'
          ? [{ value: user.profile['email'], status: 'VERIFIED', type: 'PRIMARY' }]
          : [],
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: userLinks(user, base, full),
  };
}

const FILTER_ATTRS = new Set([
  'status',
  'lastupdated',
  'id',
  'profile.login',
  'profile.email',
  'profile.firstname',
  'profile.lastname',
]);
const SEARCH_ATTRS = new Set(['id', 'status', 'created', 'activated', 'statuschanged', 'lastupdated', 'type.id']);

function userAttr(user: UserRec, attr: string): unknown {
  if (attr === 'type.id') return USER_TYPE_ID;
  if (attr.startsWith('profile.')) return dotted(user.profile, attr.slice(8));
  return (user as unknown as Record<string, unknown>)[attr];
}

/** `filter` allows few attributes and `eq` (ranges on lastUpdated); `search` any profile attribute and most operators. */
function userPredicate(ctx: Ctx): ((u: UserRec) => boolean) | undefined {
  const filter = ctx.query.get('filter');
  const search = ctx.query.get('search');
  const q = ctx.query.get('q');
  const preds: Array<(u: UserRec) => boolean> = [];
  if (filter) {
    const expr = parseExpression(filter);
    for (const c of expr.comparisons) {
      const attr = c.attr.toLowerCase();
      const rangeOk = attr === 'lastupdated' && ['gt', 'ge', 'lt', 'le'].includes(c.op);
      if (!FILTER_ATTRS.has(attr) || (c.op !== 'eq' && !rangeOk))
        throw oktaError('E0000031', undefined, [`filter: ${c.attr} ${c.op} is not supported`]);
    }
    preds.push((u) => expr.matches((a) => userAttr(u, a)));
  }
  if (search) {
    const expr = parseExpression(search);
    for (const c of expr.comparisons) {
      const attr = c.attr.toLowerCase();
      if (!attr.startsWith('profile.') && !SEARCH_ATTRS.has(attr))
        throw oktaError('E0000031', undefined, [`search: unknown attribute ${c.attr}`]);
      if (c.op === 'ne') throw oktaError('E0000031', undefined, ['search: the ne operator is not supported']);
    }
    preds.push((u) => expr.matches((a) => userAttr(u, a)));
  }
  if (q) {
    const needle = q.toLowerCase();
    preds.push((u) =>
      ['firstName', 'lastName', 'email'].some((k) =>
        String(u.profile[k] ?? '')
          .toLowerCase()
          .startsWith(needle),
      ),
    );
  }
  if (preds.length === 0) return undefined;
  return (u) => preds.every((p) => p(u));
}

function listUsers(ctx: Ctx): Reply {
  const q = ctx.query.get('q');
  const limit = limitParam(ctx, q ? 10 : 200, 200);
  const pred = userPredicate(ctx);
  const all = [...ctx.org.users.values()];
  // Without filter/search, Okta leaves deactivated users out.
  const selected = pred
    ? all.filter((u) => pred(u) && (ctx.query.get('filter') || ctx.query.get('search') || u.status !== 'DEPROVISIONED'))
    : all.filter((u) => u.status !== 'DEPROVISIONED');
  const sortBy = ctx.query.get('sortBy');
  if (sortBy && ctx.query.get('search')) {
    const dir = (ctx.query.get('sortOrder') ?? 'asc').toLowerCase() === 'desc' ? -1 : 1;
    selected.sort((a, b) => dir * String(userAttr(a, sortBy) ?? '').localeCompare(String(userAttr(b, sortBy) ?? '')));
  }
  return page(
    ctx,
    selected,
    (u) => u.id,
    limit,
    (u) => renderUser(u, ctx.baseUrl, false),
  );
}

function getUser(ctx: Ctx): Reply {
  return { status: 200, body: renderUser(requireUser(ctx), ctx.baseUrl) };
}

function createUser(ctx: Ctx): Reply {
  const body = requireObjectBody(ctx);
  const profile = body['profile'];
  if (!profile || typeof profile !== 'object' || Array.isArray(profile))
    throw oktaError('E0000001', 'profile', ['profile: The field cannot be left blank']);
  const p = profile as Record<string, unknown>;
  const login = p['login'];
  if (typeof login !== 'string' || login.trim() === '')
    throw oktaError('E0000001', 'login', ['login: The field cannot be left blank']);
  if (login.length > 100) throw oktaError('E0000001', 'login', ['login: The field is too long']);
  if (ctx.org.loginTaken(login))
    throw oktaError('E0000001', 'login', [
      'login: An object with this field already exists in the current organization',
    ]);
  const credentials = body['credentials'] as Record<string, unknown> | undefined;
  const hasPassword = !!credentials && typeof credentials === 'object' && !!credentials['password'];
  const activate = boolParam(ctx, 'activate', true);
  const t = new Date().toISOString();
  const status = !activate ? 'STAGED' : hasPassword ? 'ACTIVE' : 'PROVISIONED';
  const user: UserRec = {
    id: newId(ID_PREFIX.user),
    status,
    profile: { ...p, login },
    hasPassword,
    created: t,
    activated: activate ? t : null,
    statusChanged: activate ? t : null,
    lastLogin: null,
    lastUpdated: t,
    passwordChanged: hasPassword ? t : null,
    ...emptyHoldings(),
    sessions: 0,
  };
  ctx.org.addUser(user);
  ctx.userId = user.id;
  const groupIds = Array.isArray(body['groupIds']) ? body['groupIds'] : [];
  for (const gid of groupIds) {
    const g = typeof gid === 'string' ? ctx.org.groups.get(gid) : undefined;
    if (g && g.type === 'OKTA_GROUP') {
      g.members.add(user.id);
      user.groups.add(g.id);
    }
  }
  ctx.record('user.lifecycle.create', [userTarget(user)]);
  if (activate) ctx.record('user.lifecycle.activate', [userTarget(user)]);
  return { status: 200, body: renderUser(user, ctx.baseUrl) };
}

/** POST is a partial profile update, PUT replaces the profile. */
function updateUser(ctx: Ctx, replace: boolean): Reply {
  const user = requireUser(ctx);
  const body = requireObjectBody(ctx);
  if (user.transitioningToStatus === 'ACTIVE') throw oktaError('E0000112');
  const profile = body['profile'];
  if (profile !== undefined) {
    if (!profile || typeof profile !== 'object' || Array.isArray(profile))
      throw oktaError('E0000001', 'profile', ['profile: must be an object']);
    const p = profile as Record<string, unknown>;
    const login = typeof p['login'] === 'string' ? p['login'] : user.profile.login;
    if (login.toLowerCase() !== user.profile.login.toLowerCase() && ctx.org.loginTaken(login)) {
      throw oktaError('E0000001', 'login', [
        'login: An object with this field already exists in the current organization',
      ]);
    }
    ctx.org.setProfile(user, replace ? { ...p, login } : { ...user.profile, ...p, login });
  }
  user.lastUpdated = new Date().toISOString();
  return { status: 200, body: renderUser(user, ctx.baseUrl) };
}

/** The first DELETE of a user who isn't deactivated deactivates them; a second one deletes. */
function deleteUser(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  if (user.status !== 'DEPROVISIONED') {
    ctx.org.deactivate(user);
    ctx.record('user.lifecycle.deactivate', [userTarget(user)]);
    return { status: 204 };
  }
  ctx.org.removeUser(user);
  ctx.record('user.lifecycle.delete.initiated', [userTarget(user)]);
  ctx.record('user.lifecycle.delete.completed', [userTarget(user)]);
  return { status: 204 };
}

export function registerUserRoutes(router: Router): void {
  router
    .add('GET', '/api/v1/users', 'okta.users.read', listUsers)
    .add('POST', '/api/v1/users', 'okta.users.manage', createUser)
    .add('GET', '/api/v1/users/:userId', 'okta.users.read', getUser)
    .add('POST', '/api/v1/users/:userId', 'okta.users.manage', (ctx) => updateUser(ctx, false))
    .add('PUT', '/api/v1/users/:userId', 'okta.users.manage', (ctx) => updateUser(ctx, true))
    .add('DELETE', '/api/v1/users/:userId', 'okta.users.manage', deleteUser);
}
