// The users linked to an identity provider: list (with `q`) and read one link (docs/okta-behaviour.md §20).
import { notFound } from './errors';
import type { IdpLinkRec, IdpRec } from './idp-store';
import { limitParam, page, type Ctx, type Reply, type Router } from './routing';
import { renderUser } from './users';

function requireIdp(ctx: Ctx): IdpRec {
  const id = ctx.params['idpId'] ?? '';
  const idp = ctx.org.identityProviders.get(id);
  if (!idp) throw notFound(id, 'IdentityProvider');
  return idp;
}

function renderLink(ctx: Ctx, idp: IdpRec, userId: string, link: IdpLinkRec, expandUser: boolean) {
  const base = ctx.baseUrl;
  const user = expandUser ? ctx.org.users.get(userId) : undefined;
  return {
    id: userId,
    externalId: link.externalId,
    created: link.created,
    lastUpdated: link.lastUpdated,
    profile: link.profile,
    ...(user ? { _embedded: { user: renderUser(user, base, false) } } : {}),
    _links: {
      self: { href: `${base}/api/v1/idps/${idp.id}/users/${userId}`, hints: { allow: ['GET', 'DELETE'] } },
      idp: { href: `${base}/api/v1/idps/${idp.id}` },
      user: { href: `${base}/api/v1/users/${userId}` },
    },
  };
}

/**
 * `listIdentityProviderApplicationUsers`. `q` "Searches the records for matching value", without saying which
 * fields: the emulator matches the start of `externalId`, case-insensitive (**emulator choice**).
 */
function listIdpUsers(ctx: Ctx): Reply {
  const idp = requireIdp(ctx);
  const q = ctx.query.get('q')?.toLowerCase();
  const links = [...idp.links].filter(([, link]) => !q || link.externalId.toLowerCase().startsWith(q));
  const expandUser = ctx.query.get('expand') === 'user';
  return page(
    ctx,
    links,
    ([userId]) => userId,
    limitParam(ctx, 20, 200),
    ([userId, link]) => renderLink(ctx, idp, userId, link, expandUser),
  );
}

/** `getIdentityProviderApplicationUser`: by the id of the user in this org, not the IdP's `externalId`. */
function getIdpUser(ctx: Ctx): Reply {
  const idp = requireIdp(ctx);
  const userId = ctx.params['userId'] ?? '';
  ctx.userId = userId;
  const link = idp.links.get(userId);
  if (!link) throw notFound(userId, 'IdentityProviderApplicationUser');
  return { status: 200, body: renderLink(ctx, idp, userId, link, false) };
}

export function registerIdpRoutes(router: Router): void {
  router
    .add('GET', '/api/v1/idps/:idpId/users', 'okta.idps.read', listIdpUsers)
    .add('GET', '/api/v1/idps/:idpId/users/:userId', 'okta.idps.read', getIdpUser);
}
