// A user's OAuth consent grants, clients and refresh tokens: list and revoke (docs/okta-behaviour.md §11).
import { notFound } from './errors';
import type { GrantRec, RefreshTokenRec, UserRec } from './org';
import { limitParam, page, type Ctx, type Reply, type Router } from './routing';
import { requireVisibleUser, userTarget } from './users';

function clientName(ctx: Ctx, clientId: string): string {
  return ctx.org.apps.get(clientId)?.label ?? clientId;
}

function renderGrant(g: GrantRec, user: UserRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/users/${user.id}/grants/${g.id}`;
  return {
    id: g.id,
    status: 'ACTIVE',
    clientId: g.clientId,
    userId: user.id,
    scopeId: g.scopeId,
    issuer: base,
    source: 'END_USER',
    created: g.created,
    createdBy: { id: user.id, type: 'User' },
    lastUpdated: g.created,
    _links: {
      self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
      revoke: { href: self, hints: { allow: ['DELETE'] } },
      client: { href: `${base}/oauth2/v1/clients/${g.clientId}`, title: g.clientId },
      user: { href: `${base}/api/v1/users/${user.id}`, title: user.profile.login },
      issuer: { href: `${base}/api/v1/authorizationServers/default` },
    },
  };
}

function renderToken(r: RefreshTokenRec, user: UserRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/users/${user.id}/clients/${r.clientId}/tokens/${r.id}`;
  return {
    id: r.id,
    status: 'ACTIVE',
    created: r.created,
    lastUpdated: r.created,
    expiresAt: new Date(Date.parse(r.created) + 90 * 24 * 3600 * 1000).toISOString(),
    issuer: base,
    clientId: r.clientId,
    userId: user.id,
    scopes: ['openid', 'offline_access'],
    _links: {
      self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
      revoke: { href: self, hints: { allow: ['DELETE'] } },
      client: { href: `${base}/oauth2/v1/clients/${r.clientId}`, title: r.clientId },
      user: { href: `${base}/api/v1/users/${user.id}`, title: user.profile.login },
    },
  };
}

function listUserGrants(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  const scopeId = ctx.query.get('scopeId');
  const grants = user.grants.filter((g) => !scopeId || g.scopeId === scopeId);
  return page(
    ctx,
    grants,
    (g) => g.id,
    limitParam(ctx, 20, 200),
    (g) => renderGrant(g, user, ctx.baseUrl),
  );
}

function getUserGrant(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  const grant = user.grants.find((g) => g.id === ctx.params['grantId']);
  if (!grant) throw notFound(ctx.params['grantId'] ?? '', 'OAuth2ScopeConsentGrant');
  return { status: 200, body: renderGrant(grant, user, ctx.baseUrl) };
}

function revokeGrants(ctx: Ctx, user: UserRec, keep: (g: GrantRec) => boolean): Reply {
  const revoked = user.grants.filter((g) => !keep(g));
  user.grants = user.grants.filter(keep);
  for (const g of revoked)
    ctx.record('app.oauth2.as.consent.revoke', [
      userTarget(user),
      { id: g.id, type: 'OAuth2ScopeConsentGrant', alternateId: g.scopeId, displayName: g.clientId },
    ]);
  return { status: 204 };
}

function revokeTokens(ctx: Ctx, user: UserRec, keep: (r: RefreshTokenRec) => boolean): Reply {
  const revoked = user.refreshTokens.filter((r) => !keep(r));
  user.refreshTokens = user.refreshTokens.filter(keep);
  for (const r of revoked)
    ctx.record('app.oauth2.token.revoke', [
      userTarget(user),
      { id: r.id, type: 'RefreshToken', alternateId: r.clientId, displayName: r.clientId },
    ]);
  return { status: 204 };
}

/** Clients the user has granted consent to or holds refresh tokens for. */
function listUserClients(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  const ids = [...new Set([...user.grants.map((g) => g.clientId), ...user.refreshTokens.map((r) => r.clientId)])];
  const base = ctx.baseUrl;
  return {
    status: 200,
    body: ids.map((clientId) => ({
      client_id: clientId,
      client_name: clientName(ctx, clientId),
      _links: {
        grants: { href: `${base}/api/v1/users/${user.id}/clients/${clientId}/grants` },
        tokens: { href: `${base}/api/v1/users/${user.id}/clients/${clientId}/tokens` },
      },
    })),
  };
}

export function registerGrantRoutes(router: Router): void {
  const client = '/api/v1/users/:userId/clients/:clientId';
  router
    .add('GET', '/api/v1/users/:userId/grants', 'okta.users.read', listUserGrants)
    .add('DELETE', '/api/v1/users/:userId/grants', 'okta.users.manage', (ctx) =>
      revokeGrants(ctx, requireVisibleUser(ctx), () => false),
    )
    .add('GET', '/api/v1/users/:userId/grants/:grantId', 'okta.users.read', getUserGrant)
    .add('DELETE', '/api/v1/users/:userId/grants/:grantId', 'okta.users.manage', (ctx) => {
      const user = requireVisibleUser(ctx);
      if (!user.grants.some((g) => g.id === ctx.params['grantId']))
        throw notFound(ctx.params['grantId'] ?? '', 'OAuth2ScopeConsentGrant');
      return revokeGrants(ctx, user, (g) => g.id !== ctx.params['grantId']);
    })
    .add('GET', '/api/v1/users/:userId/clients', 'okta.users.read', listUserClients)
    .add('GET', `${client}/grants`, 'okta.users.read', (ctx) => {
      const user = requireVisibleUser(ctx);
      const grants = user.grants.filter((g) => g.clientId === ctx.params['clientId']);
      return page(
        ctx,
        grants,
        (g) => g.id,
        limitParam(ctx, 20, 200),
        (g) => renderGrant(g, user, ctx.baseUrl),
      );
    })
    .add('DELETE', `${client}/grants`, 'okta.users.manage', (ctx) =>
      revokeGrants(ctx, requireVisibleUser(ctx), (g) => g.clientId !== ctx.params['clientId']),
    )
    .add('GET', `${client}/tokens`, 'okta.users.read', (ctx) => {
      const user = requireVisibleUser(ctx);
      const tokens = user.refreshTokens.filter((r) => r.clientId === ctx.params['clientId']);
      return page(
        ctx,
        tokens,
        (r) => r.id,
        limitParam(ctx, 20, 200),
        (r) => renderToken(r, user, ctx.baseUrl),
      );
    })
    .add('DELETE', `${client}/tokens`, 'okta.users.manage', (ctx) =>
      revokeTokens(ctx, requireVisibleUser(ctx), (r) => r.clientId !== ctx.params['clientId']),
    )
    .add('GET', `${client}/tokens/:tokenId`, 'okta.users.read', (ctx) => {
      const user = requireVisibleUser(ctx);
      const token = user.refreshTokens.find(
        (r) => r.id === ctx.params['tokenId'] && r.clientId === ctx.params['clientId'],
      );
      if (!token) throw notFound(ctx.params['tokenId'] ?? '', 'OAuth2RefreshToken');
      return { status: 200, body: renderToken(token, user, ctx.baseUrl) };
    })
    .add('DELETE', `${client}/tokens/:tokenId`, 'okta.users.manage', (ctx) => {
      const user = requireVisibleUser(ctx);
      const id = ctx.params['tokenId'];
      if (!user.refreshTokens.some((r) => r.id === id && r.clientId === ctx.params['clientId']))
        throw notFound(id ?? '', 'OAuth2RefreshToken');
      return revokeTokens(ctx, user, (r) => r.id !== id);
    });
}
