// The org's state: users, groups, apps, devices, hooks, authorization servers, indexes; seed/state JSON in and out.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { identityProvidersState, seedIdentityProviders, unlinkUser, type IdpRec } from './idp-store';
import type {
  AdminRoleType,
  AuthorizationServerStatus,
  DeviceStatus,
  FactorPolicy,
  GroupType,
  Org,
  UserStatus,
} from './types';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Okta ids are 20 characters: a 3-character type prefix and 17 random ones. */
export function newId(prefix: string): string {
  const bytes = randomBytes(17);
  let id = prefix;
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

export const ID_PREFIX = {
  user: '00u',
  group: '00g',
  app: '0oa',
  device: 'guo',
  /** group rules and authorization-server policy rules alike */
  rule: '0pr',
  authorizationServer: 'aus',
  policy: '00p',
  hook: 'who',
  grant: 'oag',
  refreshToken: 'oar',
  userType: 'oty',
  role: 'ra1',
  factor: {
    sms: 'mbl',
    call: 'clf',
    email: 'emf',
    push: 'opf',
    'token:software:totp': 'ost',
    webauthn: 'fwf',
    question: 'ufs',
    default: 'fac',
  },
} as const;

export function factorIdPrefix(factorType: string): string {
  return (ID_PREFIX.factor as Record<string, string>)[factorType] ?? ID_PREFIX.factor.default;
}

export type FactorRec = {
  id: string;
  factorType: string;
  provider: string;
  status: string;
  created: string;
  lastUpdated: string;
};
export type GrantRec = { id: string; clientId: string; scopeId: string; created: string };
export type RefreshTokenRec = { id: string; clientId: string; created: string };
export type RoleRec = { id: string; type: AdminRoleType; created: string };

export type UserRec = {
  id: string;
  status: UserStatus;
  transitioningToStatus?: 'ACTIVE' | 'DEPROVISIONED' | 'PROVISIONED';
  profile: { login: string; [k: string]: unknown };
  hasPassword: boolean;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  groups: Set<string>;
  directApps: Set<string>;
  /** app-user profiles of direct assignments, by app id; unassignment loses them */
  appProfiles: Map<string, Record<string, unknown>>;
  factors: FactorRec[];
  sessions: number;
  grants: GrantRec[];
  refreshTokens: RefreshTokenRec[];
  devices: Set<string>;
  roles: RoleRec[];
};

export type GroupRec = {
  id: string;
  name: string;
  description: string | null;
  type: GroupType;
  apps: Set<string>;
  members: Set<string>;
  rule?: { id: string; name: string; excludedUserIds: string[]; created: string; lastUpdated: string };
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
};

export type AppRec = {
  id: string;
  label: string;
  name: string;
  created: string;
  directUsers: Set<string>;
  hideLink: boolean;
  requiredProfile: string[];
  keepsAssignmentOnDeactivation: boolean;
};

export type DeviceRec = {
  id: string;
  displayName: string;
  platform: string;
  status: DeviceStatus;
  users: string[];
  created: string;
  lastUpdated: string;
};

export type ServiceAppRec = { clientId: string; publicJwk: object; scopes: string[] };

export type EventHookRec = {
  id: string;
  name: string;
  url: string;
  authHeader?: { key: string; value: string };
  headers: Array<{ key: string; value: string }>;
  events: string[];
  status: 'ACTIVE' | 'INACTIVE';
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  created: string;
  lastUpdated: string;
};

export type AuthorizationServerRuleRec = {
  id: string;
  name: string;
  status: AuthorizationServerStatus;
  priority: number;
  accessTokenLifetimeMinutes: number;
  refreshTokenLifetimeMinutes: number;
  refreshTokenWindowMinutes: number;
  created: string;
  lastUpdated: string;
};

export type AuthorizationServerPolicyRec = {
  id: string;
  name: string;
  status: AuthorizationServerStatus;
  priority: number;
  rules: AuthorizationServerRuleRec[];
  created: string;
  lastUpdated: string;
};

export type AuthorizationServerRec = {
  id: string;
  name: string;
  description: string | null;
  audiences: string[];
  status: AuthorizationServerStatus;
  policies: AuthorizationServerPolicyRec[];
  created: string;
  lastUpdated: string;
};

/**
 * The name of the custom authorization server Okta creates with API Access Management, which requests may also
 * address by this name instead of its id (tag `AuthorizationServer` of the OpenAPI document).
 */
export const DEFAULT_AUTHORIZATION_SERVER = 'default';

export const USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;

export const ADMIN_ROLE_TYPES = [
  'SUPER_ADMIN',
  'ORG_ADMIN',
  'APP_ADMIN',
  'USER_ADMIN',
  'HELP_DESK_ADMIN',
  'READ_ONLY_ADMIN',
  'MOBILE_ADMIN',
  'API_ACCESS_MANAGEMENT_ADMIN',
  'REPORT_ADMIN',
  'GROUP_MEMBERSHIP_ADMIN',
] as const;

/** Fields every new user record starts with empty. */
export function emptyHoldings(): Pick<
  UserRec,
  'groups' | 'directApps' | 'appProfiles' | 'factors' | 'grants' | 'refreshTokens' | 'devices' | 'roles'
> {
  return {
    groups: new Set(),
    directApps: new Set(),
    appProfiles: new Map(),
    factors: [],
    grants: [],
    refreshTokens: [],
    devices: new Set(),
    roles: [],
  };
}

const orgSchema = z.object({
  groups: z.array(
    z.object({
      id: z.string().min(1).optional(),
      name: z.string().min(1),
      type: z.enum(['OKTA_GROUP', 'APP_GROUP', 'BUILT_IN']),
      apps: z.array(z.string()).optional(),
      rule: z
        .object({
          id: z.string().min(1).optional(),
          name: z.string().min(1),
          excludedUserIds: z.array(z.string()).optional(),
        })
        .optional(),
    }),
  ),
  apps: z.array(
    z.object({
      id: z.string().min(1).optional(),
      label: z.string().min(1),
      name: z.string().min(1).optional(),
      hideLink: z.boolean().optional(),
      requiredProfile: z.array(z.string().min(1)).optional(),
      keepsAssignmentOnDeactivation: z.boolean().optional(),
    }),
  ),
  factorEnrollmentPolicy: z.record(z.string().min(1), z.enum(['REQUIRED', 'OPTIONAL', 'NOT_ALLOWED'])).optional(),
  serviceApps: z
    .array(
      z.object({
        clientId: z.string().min(1),
        publicJwk: z.record(z.string(), z.unknown()),
        scopes: z.array(z.string()),
      }),
    )
    .optional(),
  eventHooks: z
    .array(
      z.object({
        id: z.string().min(1).optional(),
        name: z.string().min(1),
        url: z.string().url(),
        authHeader: z.object({ key: z.string().min(1), value: z.string() }).optional(),
        events: z.array(z.string()),
        status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
        verificationStatus: z.enum(['VERIFIED', 'UNVERIFIED']).optional(),
      }),
    )
    .optional(),
  users: z.array(
    z.object({
      id: z.string().min(1).optional(),
      login: z.string().min(1),
      status: z.enum(USER_STATUSES),
      profile: z.record(z.string(), z.unknown()).optional(),
      groups: z.array(z.string()).optional(),
      apps: z
        .array(
          z.object({
            app: z.string(),
            scope: z.enum(['USER', 'GROUP']),
            profile: z.record(z.string(), z.unknown()).optional(),
          }),
        )
        .optional(),
      factors: z
        .array(
          z.object({
            id: z.string().min(1).optional(),
            factorType: z.string().min(1),
            provider: z.string().optional(),
            status: z.string().optional(),
          }),
        )
        .optional(),
      sessions: z.number().int().min(0).optional(),
      grants: z
        .array(
          z.object({ id: z.string().min(1).optional(), clientId: z.string().min(1), scopeId: z.string().optional() }),
        )
        .optional(),
      refreshTokens: z.array(z.object({ id: z.string().min(1).optional(), clientId: z.string().min(1) })).optional(),
      roles: z.array(z.object({ id: z.string().min(1).optional(), type: z.enum(ADMIN_ROLE_TYPES) })).optional(),
    }),
  ),
  devices: z.array(
    z.object({
      id: z.string().min(1).optional(),
      displayName: z.string().min(1),
      platform: z.string().min(1),
      status: z.enum(['CREATED', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
      users: z.array(z.string()),
    }),
  ),
  authorizationServers: z
    .array(
      z.object({
        id: z.string().min(1).optional(),
        name: z.string().min(1),
        description: z.string().min(1).optional(),
        audiences: z.array(z.string().min(1)).optional(),
        status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
        policies: z.array(
          z.object({
            id: z.string().min(1).optional(),
            name: z.string().min(1).max(100),
            status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
            priority: z.number().int().min(1).optional(),
            rules: z.array(
              z.object({
                id: z.string().min(1).optional(),
                name: z.string().min(1),
                status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
                priority: z.number().int().min(1).optional(),
                // Schema TokenAuthorizationServerPolicyRuleAction: "The minimum is five minutes. The maximum is one
                // day." The refresh window: "The minimum is 10 minutes. The maximum is five years (2,628,000 minutes)."
                accessTokenLifetimeMinutes: z.number().int().min(5).max(1440),
                refreshTokenLifetimeMinutes: z.number().int().min(0).optional(),
                refreshTokenWindowMinutes: z.number().int().min(10).max(2_628_000).optional(),
              }),
            ),
          }),
        ),
      }),
    )
    .optional(),
});

export class SeedError extends Error {}

function now(): string {
  return new Date().toISOString();
}

/** The mutable org. Route modules read and change it through the maps and the helpers below. */
export class OktaOrg {
  readonly users = new Map<string, UserRec>();
  private readonly loginIndex = new Map<string, string>();
  readonly groups = new Map<string, GroupRec>();
  readonly apps = new Map<string, AppRec>();
  readonly devices = new Map<string, DeviceRec>();
  readonly serviceApps = new Map<string, ServiceAppRec>();
  readonly eventHooks = new Map<string, EventHookRec>();
  readonly authorizationServers = new Map<string, AuthorizationServerRec>();
  /** identity providers and their linked users (idp-store.ts, docs/okta-behaviour.md §20) */
  identityProviders = new Map<string, IdpRec>();
  /** factor type → policy of the highest-priority authenticator enrollment policy; absent = OPTIONAL */
  factorPolicy: Record<string, FactorPolicy> = {};
  everyoneId = '';

  static empty(): OktaOrg {
    const org = new OktaOrg();
    org.ensureEveryone();
    return org;
  }

  /** Builds an org from seed JSON; throws SeedError with the reason on invalid input. */
  static fromSeed(input: unknown): OktaOrg {
    const parsed = orgSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SeedError(issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid org');
    }
    const seed = parsed.data;
    const org = new OktaOrg();
    org.factorPolicy = { ...(seed.factorEnrollmentPolicy ?? {}) };
    const t = now();
    const ids = new Set<string>();
    const takeId = (id: string | undefined, prefix: string, what: string): string => {
      const chosen = id ?? newId(prefix);
      if (ids.has(chosen)) throw new SeedError(`duplicate id ${chosen} (${what})`);
      ids.add(chosen);
      return chosen;
    };

    const appByRef = new Map<string, string>();
    for (const a of seed.apps) {
      const id = takeId(a.id, ID_PREFIX.app, 'app');
      org.apps.set(id, {
        id,
        label: a.label,
        name: a.name ?? a.label.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
        created: t,
        directUsers: new Set(),
        hideLink: a.hideLink ?? false,
        requiredProfile: [...(a.requiredProfile ?? [])],
        keepsAssignmentOnDeactivation: a.keepsAssignmentOnDeactivation ?? false,
      });
      appByRef.set(id, id);
      if (!appByRef.has(a.label)) appByRef.set(a.label, id);
    }
    const appRef = (ref: string, where: string): string => {
      const id = appByRef.get(ref);
      if (!id) throw new SeedError(`${where}: unknown app ${ref}`);
      return id;
    };

    const groupByRef = new Map<string, string>();
    for (const g of seed.groups) {
      const id = takeId(g.id, ID_PREFIX.group, 'group');
      const rec: GroupRec = {
        id,
        name: g.name,
        description: null,
        type: g.type,
        apps: new Set((g.apps ?? []).map((a) => appRef(a, `group ${g.name}`))),
        members: new Set(),
        created: t,
        lastUpdated: t,
        lastMembershipUpdated: t,
      };
      if (g.rule) {
        if (g.type !== 'OKTA_GROUP') throw new SeedError(`group ${g.name}: only OKTA_GROUP groups can be rule-managed`);
        rec.rule = {
          id: takeId(g.rule.id, ID_PREFIX.rule, 'rule'),
          name: g.rule.name,
          excludedUserIds: [...(g.rule.excludedUserIds ?? [])],
          created: t,
          lastUpdated: t,
        };
      }
      org.groups.set(id, rec);
      groupByRef.set(id, id);
      if (!groupByRef.has(g.name)) groupByRef.set(g.name, id);
      if (g.type === 'BUILT_IN' && g.name === 'Everyone') org.everyoneId = id;
    }
    org.ensureEveryone();

    for (const s of seed.users) {
      const id = takeId(s.id, ID_PREFIX.user, 'user');
      if (org.loginIndex.has(s.login.toLowerCase())) throw new SeedError(`duplicate login ${s.login}`);
      const [local = s.login] = s.login.split('@');
      const [first = local, last = ''] = local.split('.');
      const cap = (x: string) => x.charAt(0).toUpperCase() + x.slice(1);
      const user: UserRec = {
        id,
        status: s.status,
        profile: {
          firstName: cap(first),
          lastName: cap(last) || 'User',
          email: s.login.includes('@') ? s.login : `${s.login}@example.com`,
          ...(s.profile ?? {}),
          login: s.login,
        },
        hasPassword: s.status !== 'STAGED' && s.status !== 'PROVISIONED',
        created: t,
        activated: s.status === 'STAGED' ? null : t,
        statusChanged: t,
        lastLogin: null,
        lastUpdated: t,
        passwordChanged: null,
        ...emptyHoldings(),
        sessions: s.sessions ?? 0,
      };
      org.addUser(user);
      for (const ref of s.groups ?? []) {
        const gid = groupByRef.get(ref);
        if (!gid) throw new SeedError(`user ${s.login}: unknown group ${ref}`);
        org.groups.get(gid)?.members.add(id);
        user.groups.add(gid);
      }
      for (const a of s.apps ?? []) {
        const appId = appRef(a.app, `user ${s.login}`);
        if (a.scope === 'USER') org.assignApp(user, appId, a.profile);
      }
      for (const f of s.factors ?? []) {
        user.factors.push({
          id: takeId(f.id, factorIdPrefix(f.factorType), 'factor'),
          factorType: f.factorType,
          provider: f.provider ?? 'OKTA',
          status: f.status ?? 'ACTIVE',
          created: t,
          lastUpdated: t,
        });
      }
      for (const g of s.grants ?? [])
        user.grants.push({
          id: takeId(g.id, ID_PREFIX.grant, 'grant'),
          clientId: g.clientId,
          scopeId: g.scopeId ?? 'okta.users.read.self',
          created: t,
        });
      for (const r of s.refreshTokens ?? [])
        user.refreshTokens.push({
          id: takeId(r.id, ID_PREFIX.refreshToken, 'refresh token'),
          clientId: r.clientId,
          created: t,
        });
      for (const r of s.roles ?? [])
        user.roles.push({ id: takeId(r.id, ID_PREFIX.role, 'role assignment'), type: r.type, created: t });
    }

    for (const d of seed.devices) {
      const id = takeId(d.id, ID_PREFIX.device, 'device');
      const users = d.users.map((ref) => {
        const u = org.findUser(ref);
        if (!u) throw new SeedError(`device ${d.displayName}: unknown user ${ref}`);
        u.devices.add(id);
        return u.id;
      });
      org.devices.set(id, {
        id,
        displayName: d.displayName,
        platform: d.platform,
        status: d.status,
        users,
        created: t,
        lastUpdated: t,
      });
    }

    for (const s of seed.serviceApps ?? [])
      org.serviceApps.set(s.clientId, { clientId: s.clientId, publicJwk: s.publicJwk, scopes: s.scopes });
    for (const h of seed.eventHooks ?? []) {
      const id = takeId(h.id, ID_PREFIX.hook, 'event hook');
      org.eventHooks.set(id, {
        id,
        name: h.name,
        url: h.url,
        ...(h.authHeader ? { authHeader: h.authHeader } : {}),
        headers: [],
        events: h.events,
        status: h.status ?? 'ACTIVE',
        verificationStatus: h.verificationStatus ?? 'UNVERIFIED',
        created: t,
        lastUpdated: t,
      });
    }
    for (const a of seed.authorizationServers ?? []) {
      if (a.name === DEFAULT_AUTHORIZATION_SERVER && org.authorizationServer(DEFAULT_AUTHORIZATION_SERVER))
        throw new SeedError(`authorization server ${a.name}: a second server named ${DEFAULT_AUTHORIZATION_SERVER}`);
      const id = takeId(a.id, ID_PREFIX.authorizationServer, 'authorization server');
      org.authorizationServers.set(id, {
        id,
        name: a.name,
        description: a.description ?? null,
        audiences: [...(a.audiences ?? [])],
        status: a.status ?? 'ACTIVE',
        policies: a.policies.map((p, i) => ({
          id: takeId(p.id, ID_PREFIX.policy, 'policy'),
          name: p.name,
          status: p.status ?? 'ACTIVE',
          priority: p.priority ?? i + 1,
          rules: p.rules.map((r, k) => ({
            id: takeId(r.id, ID_PREFIX.rule, 'policy rule'),
            name: r.name,
            status: r.status ?? 'ACTIVE',
            priority: r.priority ?? k + 1,
            accessTokenLifetimeMinutes: r.accessTokenLifetimeMinutes,
            // The document's example of the default rule (ListAuthorizationServerPolicyRules): 0 and 7 days.
            refreshTokenLifetimeMinutes: r.refreshTokenLifetimeMinutes ?? 0,
            refreshTokenWindowMinutes: r.refreshTokenWindowMinutes ?? 10080,
            created: t,
            lastUpdated: t,
          })),
          created: t,
          lastUpdated: t,
        })),
        created: t,
        lastUpdated: t,
      });
    }
    org.identityProviders = seedIdentityProviders(
      input,
      {
        takeId,
        findUserId: (ref) => org.findUser(ref)?.id,
        fail: (reason) => {
          throw new SeedError(reason);
        },
      },
      t,
    );
    return org;
  }

  /** By id, or by `default` for the server of that name (tag `AuthorizationServer` of the OpenAPI document). */
  authorizationServer(idOrDefault: string): AuthorizationServerRec | undefined {
    const byId = this.authorizationServers.get(idOrDefault);
    if (byId || idOrDefault !== DEFAULT_AUTHORIZATION_SERVER) return byId;
    for (const a of this.authorizationServers.values()) if (a.name === DEFAULT_AUTHORIZATION_SERVER) return a;
    return undefined;
  }

  private ensureEveryone(): void {
    if (this.everyoneId) return;
    const t = now();
    const id = newId(ID_PREFIX.group);
    this.groups.set(id, {
      id,
      name: 'Everyone',
      description: 'All users in your organization',
      type: 'BUILT_IN',
      apps: new Set(),
      members: new Set(),
      created: t,
      lastUpdated: t,
      lastMembershipUpdated: t,
    });
    this.everyoneId = id;
  }

  /** Adds a user, indexes the login and makes them a member of Everyone. */
  addUser(user: UserRec): void {
    this.users.set(user.id, user);
    this.loginIndex.set(user.profile.login.toLowerCase(), user.id);
    user.groups.add(this.everyoneId);
    this.groups.get(this.everyoneId)?.members.add(user.id);
  }

  /** By id, login, or the unambiguous login shortname (the part before `@`). */
  findUser(idOrLogin: string): UserRec | undefined {
    const byId = this.users.get(idOrLogin);
    if (byId) return byId;
    const key = idOrLogin.toLowerCase();
    const byLogin = this.loginIndex.get(key);
    if (byLogin) return this.users.get(byLogin);
    if (!key.includes('@')) {
      const byShort = this.loginIndex.get(`${key}@example.com`);
      if (byShort) return this.users.get(byShort);
    }
    return undefined;
  }

  /** Replaces the profile, keeping the login index in step. */
  setProfile(user: UserRec, profile: UserRec['profile']): void {
    this.loginIndex.delete(user.profile.login.toLowerCase());
    user.profile = profile;
    this.loginIndex.set(profile.login.toLowerCase(), user.id);
  }

  loginTaken(login: string): boolean {
    return this.loginIndex.has(login.toLowerCase());
  }

  removeUser(user: UserRec): void {
    this.users.delete(user.id);
    this.loginIndex.delete(user.profile.login.toLowerCase());
    unlinkUser(this.identityProviders, user.id);
    for (const gid of user.groups) this.groups.get(gid)?.members.delete(user.id);
    for (const appId of user.directApps) this.apps.get(appId)?.directUsers.delete(user.id);
    for (const did of user.devices) {
      const d = this.devices.get(did);
      if (d) d.users = d.users.filter((u) => u !== user.id);
    }
  }

  assignApp(user: UserRec, appId: string, profile: Record<string, unknown> = {}): void {
    user.directApps.add(appId);
    user.appProfiles.set(appId, { ...profile });
    this.apps.get(appId)?.directUsers.add(user.id);
  }

  /** Also drops the app-user profile: Okta cannot recover it (`unassignUserFromApplication`). */
  unassignApp(user: UserRec, appId: string): void {
    user.directApps.delete(appId);
    user.appProfiles.delete(appId);
    this.apps.get(appId)?.directUsers.delete(user.id);
  }

  /** Whether one of the user's groups is assigned the app. */
  groupGrants(user: UserRec, appId: string): boolean {
    for (const gid of user.groups) if (this.groups.get(gid)?.apps.has(appId)) return true;
    return false;
  }

  /**
   * How the user holds the app: USER (direct), GROUP (only via groups), or not at all. Deactivated users hold none,
   * but a direct assignment to an app seeded `keepsAssignmentOnDeactivation`.
   */
  appScope(user: UserRec, appId: string): 'USER' | 'GROUP' | undefined {
    if (user.status === 'DEPROVISIONED') return user.directApps.has(appId) ? 'USER' : undefined;
    if (user.directApps.has(appId)) return 'USER';
    return this.groupGrants(user, appId) ? 'GROUP' : undefined;
  }

  /** App ids the user holds, direct ones first, in a stable order. */
  userAppIds(user: UserRec): string[] {
    if (user.status === 'DEPROVISIONED') return [...user.directApps];
    const ids = new Set(user.directApps);
    for (const gid of user.groups) for (const a of this.groups.get(gid)?.apps ?? []) ids.add(a);
    return [...ids];
  }

  /** Users holding the app, in insertion order of the org. */
  appUserIds(appId: string): string[] {
    const app = this.apps.get(appId);
    if (!app) return [];
    const ids = new Set(app.directUsers);
    for (const g of this.groups.values()) if (g.apps.has(appId)) for (const m of g.members) ids.add(m);
    return [...ids].filter((id) => this.users.get(id)?.status !== 'DEPROVISIONED' || app.directUsers.has(id));
  }

  /**
   * Deactivation: direct app assignments (but those to an app seeded `keepsAssignmentOnDeactivation`), sessions and
   * refresh tokens go; groups, factors and devices stay.
   */
  deactivate(user: UserRec): void {
    const t = now();
    for (const appId of [...user.directApps])
      if (!this.apps.get(appId)?.keepsAssignmentOnDeactivation) this.unassignApp(user, appId);
    user.status = 'DEPROVISIONED';
    delete user.transitioningToStatus;
    user.sessions = 0;
    user.refreshTokens = [];
    user.statusChanged = t;
    user.lastUpdated = t;
  }

  unlinkDevice(device: DeviceRec): void {
    for (const uid of device.users) this.users.get(uid)?.devices.delete(device.id);
    device.users = [];
  }

  /** The org as seed/state JSON: every id filled, references as ids, deleted things absent. */
  toState(): Org {
    const groups: Org['groups'] = [...this.groups.values()].map((g) => ({
      id: g.id,
      name: g.name,
      type: g.type,
      apps: [...g.apps],
      ...(g.rule ? { rule: { id: g.rule.id, name: g.rule.name, excludedUserIds: [...g.rule.excludedUserIds] } } : {}),
    }));
    const apps: Org['apps'] = [...this.apps.values()].map((a) => ({
      id: a.id,
      label: a.label,
      name: a.name,
      ...(a.hideLink ? { hideLink: true } : {}),
      ...(a.requiredProfile.length > 0 ? { requiredProfile: [...a.requiredProfile] } : {}),
      ...(a.keepsAssignmentOnDeactivation ? { keepsAssignmentOnDeactivation: true } : {}),
    }));
    const users: Org['users'] = [...this.users.values()].map((u) => {
      const { login, ...profile } = u.profile;
      return {
        id: u.id,
        login,
        status: u.status,
        profile,
        groups: [...u.groups],
        apps: this.userAppIds(u).map((app) => {
          const profile = u.appProfiles.get(app);
          if (!u.directApps.has(app)) return { app, scope: 'GROUP' as const };
          return {
            app,
            scope: 'USER' as const,
            ...(profile && Object.keys(profile).length > 0 ? { profile: { ...profile } } : {}),
          };
        }),
        factors: u.factors.map((f) => ({ id: f.id, factorType: f.factorType, provider: f.provider, status: f.status })),
        sessions: u.sessions,
        grants: u.grants.map((g) => ({ id: g.id, clientId: g.clientId, scopeId: g.scopeId })),
        refreshTokens: u.refreshTokens.map((r) => ({ id: r.id, clientId: r.clientId })),
        ...(u.roles.length > 0 ? { roles: u.roles.map((r) => ({ id: r.id, type: r.type })) } : {}),
      };
    });
    const devices: Org['devices'] = [...this.devices.values()].map((d) => ({
      id: d.id,
      displayName: d.displayName,
      platform: d.platform,
      status: d.status,
      users: [...d.users],
    }));
    const serviceApps = [...this.serviceApps.values()].map((s) => ({
      clientId: s.clientId,
      publicJwk: s.publicJwk,
      scopes: [...s.scopes],
    }));
    const eventHooks: NonNullable<Org['eventHooks']> = [...this.eventHooks.values()].map((h) => ({
      id: h.id,
      name: h.name,
      url: h.url,
      ...(h.authHeader ? { authHeader: h.authHeader } : {}),
      events: [...h.events],
      status: h.status,
      verificationStatus: h.verificationStatus,
    }));
    const policy =
      Object.keys(this.factorPolicy).length > 0 ? { factorEnrollmentPolicy: { ...this.factorPolicy } } : {};
    const authorizationServers: NonNullable<Org['authorizationServers']> = [...this.authorizationServers.values()].map(
      (a) => ({
        id: a.id,
        name: a.name,
        ...(a.description !== null ? { description: a.description } : {}),
        audiences: [...a.audiences],
        status: a.status,
        policies: a.policies.map((p) => ({
          id: p.id,
          name: p.name,
          status: p.status,
          priority: p.priority,
          rules: p.rules.map((r) => ({
            id: r.id,
            name: r.name,
            status: r.status,
            priority: r.priority,
            accessTokenLifetimeMinutes: r.accessTokenLifetimeMinutes,
            refreshTokenLifetimeMinutes: r.refreshTokenLifetimeMinutes,
            refreshTokenWindowMinutes: r.refreshTokenWindowMinutes,
          })),
        })),
      }),
    );
    const servers = authorizationServers.length > 0 ? { authorizationServers } : {};
    return {
      groups,
      apps,
      ...policy,
      serviceApps,
      eventHooks,
      users,
      devices,
      ...servers,
      ...identityProvidersState(this.identityProviders),
    };
  }
}
