// Custom authorization servers, their access policies and the policies' rules, read-only (docs/okta-behaviour.md §19):
// the rules carry the lifetime of the access tokens a server mints.
import { createHash } from 'node:crypto';
import { notFound } from './errors';
import {
  DEFAULT_AUTHORIZATION_SERVER,
  type AuthorizationServerPolicyRec,
  type AuthorizationServerRec,
  type AuthorizationServerRuleRec,
} from './org';
import { limitParam, page, type Ctx, type Reply, type Router } from './routing';

/** Okta rotates an `AUTO` server's signing key every 90 days (the document's example `ListAuthServersResponse`). */
const KEY_ROTATION_MS = 90 * 24 * 60 * 60 * 1000;

/** `listAuthorizationServers`, parameter `limit`: "Maximum value: 200", also its default. */
const SERVER_PAGE_LIMIT = 200;

/**
 * How the issuer, the metadata URIs and the links name a server: the default one by its name, the others by id
 * (support.okta.com "Renaming Authorization Servers Impact": renaming the default server changes the
 * `${authorizationServerId}` of its metadata URI to the new name; renaming another server changes nothing).
 */
function pathKey(a: AuthorizationServerRec): string {
  return a.name === DEFAULT_AUTHORIZATION_SERVER ? DEFAULT_AUTHORIZATION_SERVER : a.id;
}

function requireServer(ctx: Ctx): AuthorizationServerRec {
  const id = ctx.params['authServerId'] ?? '';
  const server = ctx.org.authorizationServer(id);
  if (!server) throw notFound(id, 'AuthorizationServer');
  return server;
}

function requirePolicy(ctx: Ctx, server: AuthorizationServerRec): AuthorizationServerPolicyRec {
  const id = ctx.params['policyId'] ?? '';
  const policy = server.policies.find((p) => p.id === id);
  if (!policy) throw notFound(id, 'Policy');
  return policy;
}

function link(href: string, ...allow: string[]): Record<string, unknown> {
  return { href, hints: { allow } };
}

/** `activate` for an inactive object, `deactivate` for an active one, as Okta links the transition it allows. */
function lifecycleLink(self: string, status: AuthorizationServerRec['status']): Record<string, unknown> {
  return status === 'ACTIVE'
    ? { deactivate: link(`${self}/lifecycle/deactivate`, 'POST') }
    : { activate: link(`${self}/lifecycle/activate`, 'POST') };
}

/** A stable key id per server, the shape of a JWK thumbprint (43 base64url characters). */
function signingKid(a: AuthorizationServerRec): string {
  return createHash('sha256').update(a.id).digest('base64url');
}

function renderServer(a: AuthorizationServerRec, base: string): Record<string, unknown> {
  const key = pathKey(a);
  const self = `${base}/api/v1/authorizationServers/${key}`;
  const issuer = `${base}/oauth2/${key}`;
  return {
    id: a.id,
    name: a.name,
    ...(a.description !== null ? { description: a.description } : {}),
    audiences: [...a.audiences],
    issuer,
    status: a.status,
    created: a.created,
    lastUpdated: a.lastUpdated,
    credentials: {
      signing: {
        rotationMode: 'AUTO',
        lastRotated: a.created,
        nextRotation: new Date(Date.parse(a.created) + KEY_ROTATION_MS).toISOString(),
        kid: signingKid(a),
        use: 'sig',
      },
    },
    _links: {
      scopes: link(`${self}/scopes`, 'GET'),
      claims: link(`${self}/claims`, 'GET'),
      policies: link(`${self}/policies`, 'GET'),
      self: link(self, 'GET', 'DELETE', 'PUT'),
      metadata: [
        { name: 'oauth-authorization-server', ...link(`${issuer}/.well-known/oauth-authorization-server`, 'GET') },
        { name: 'openid-configuration', ...link(`${issuer}/.well-known/openid-configuration`, 'GET') },
      ],
      rotateKey: link(`${self}/credentials/lifecycle/keyRotate`, 'POST'),
      ...lifecycleLink(self, a.status),
    },
  };
}

function renderPolicy(
  a: AuthorizationServerRec,
  p: AuthorizationServerPolicyRec,
  base: string,
): Record<string, unknown> {
  const self = `${base}/api/v1/authorizationServers/${pathKey(a)}/policies/${p.id}`;
  return {
    type: 'OAUTH_AUTHORIZATION_POLICY',
    id: p.id,
    status: p.status,
    name: p.name,
    priority: p.priority,
    system: false,
    conditions: { clients: { include: ['ALL_CLIENTS'] } },
    created: p.created,
    lastUpdated: p.lastUpdated,
    _links: {
      self: link(self, 'GET', 'PUT', 'DELETE'),
      ...lifecycleLink(self, p.status),
      rules: link(`${self}/rules`, 'GET'),
    },
  };
}

/** Conditions are not modelled: every rule applies to everyone, every grant type and every scope. */
function renderRule(
  a: AuthorizationServerRec,
  p: AuthorizationServerPolicyRec,
  r: AuthorizationServerRuleRec,
  base: string,
): Record<string, unknown> {
  const self = `${base}/api/v1/authorizationServers/${pathKey(a)}/policies/${p.id}/rules/${r.id}`;
  return {
    type: 'RESOURCE_ACCESS',
    id: r.id,
    status: r.status,
    name: r.name,
    priority: r.priority,
    created: r.created,
    lastUpdated: r.lastUpdated,
    system: false,
    conditions: {
      people: { users: { include: [], exclude: [] }, groups: { include: ['EVERYONE'], exclude: [] } },
      grantTypes: { include: ['implicit', 'client_credentials', 'authorization_code', 'password'] },
      scopes: { include: ['*'] },
    },
    actions: {
      token: {
        accessTokenLifetimeMinutes: r.accessTokenLifetimeMinutes,
        refreshTokenLifetimeMinutes: r.refreshTokenLifetimeMinutes,
        refreshTokenWindowMinutes: r.refreshTokenWindowMinutes,
      },
    },
    _links: { self: link(self, 'GET', 'PUT', 'DELETE'), ...lifecycleLink(self, r.status) },
  };
}

function byPriority<T extends { priority: number }>(items: readonly T[]): T[] {
  return [...items].sort((x, y) => x.priority - y.priority);
}

/**
 * Every custom authorization server, active or not; the org authorization server is not one of them. `q` matches
 * the start of the name or of an audience, case-insensitive (**emulator choice**: the operation says only "Searches the
 * `name` and `audiences`"); paged by `limit` and `after`.
 */
function listAuthorizationServers(ctx: Ctx): Reply {
  const q = ctx.query.get('q')?.toLowerCase();
  const servers = [...ctx.org.authorizationServers.values()].filter(
    (a) => !q || [a.name, ...a.audiences].some((v) => v.toLowerCase().startsWith(q)),
  );
  return page(
    ctx,
    servers,
    (a) => a.id,
    limitParam(ctx, SERVER_PAGE_LIMIT, SERVER_PAGE_LIMIT),
    (a) => renderServer(a, ctx.baseUrl),
  );
}

function listAuthorizationServerPolicies(ctx: Ctx): Reply {
  const server = requireServer(ctx);
  return { status: 200, body: byPriority(server.policies).map((p) => renderPolicy(server, p, ctx.baseUrl)) };
}

function listAuthorizationServerPolicyRules(ctx: Ctx): Reply {
  const server = requireServer(ctx);
  const policy = requirePolicy(ctx, server);
  return { status: 200, body: byPriority(policy.rules).map((r) => renderRule(server, policy, r, ctx.baseUrl)) };
}

export function registerAuthorizationServerRoutes(router: Router): void {
  const scope = 'okta.authorizationServers.read';
  router.add('GET', '/api/v1/authorizationServers', scope, listAuthorizationServers);
  router.add('GET', '/api/v1/authorizationServers/:authServerId/policies', scope, listAuthorizationServerPolicies);
  router.add(
    'GET',
    '/api/v1/authorizationServers/:authServerId/policies/:policyId/rules',
    scope,
    listAuthorizationServerPolicyRules,
  );
}
