// The emulator's public contract types (docs/admin-api.md): seed/state JSON, request log, faults, rate limits.

export type UserStatus =
  'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'RECOVERY' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';

export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export type DeviceStatus = 'CREATED' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';

/** How the highest-priority authenticator enrollment policy treats a factor type (docs/okta-behaviour.md §8.1). */
export type FactorPolicy = 'REQUIRED' | 'OPTIONAL' | 'NOT_ALLOWED';

/** A lifecycle status of an authorization server, its policies and their rules (schema `LifecycleStatus`). */
export type AuthorizationServerStatus = 'ACTIVE' | 'INACTIVE';

/** Standard admin roles (schema `RoleType`, docs/okta-behaviour.md §17). */
export type AdminRoleType =
  | 'SUPER_ADMIN'
  | 'ORG_ADMIN'
  | 'APP_ADMIN'
  | 'USER_ADMIN'
  | 'HELP_DESK_ADMIN'
  | 'READ_ONLY_ADMIN'
  | 'MOBILE_ADMIN'
  | 'API_ACCESS_MANAGEMENT_ADMIN'
  | 'REPORT_ADMIN'
  | 'GROUP_MEMBERSHIP_ADMIN';

export type Org = {
  groups: Array<{
    id?: string;
    name: string;
    type: GroupType;
    /** app ids assigned to the group (GROUP scope for members) */
    apps?: string[];
    /** rule-managed membership */
    rule?: { id?: string; name: string; excludedUserIds?: string[] };
  }>;
  apps: Array<{
    id?: string;
    label: string;
    name?: string;
    /** no dashboard link (provisioning-only or hidden app): absent from a user's appLinks */
    hideLink?: boolean;
    /** app-user profile attributes an assignment must carry */
    requiredProfile?: string[];
    /**
     * a direct assignment outlives the user's deactivation and is still listed (the answer Okta does not document
     * either way: docs/okta-behaviour.md §18); without it, deactivation removes every direct assignment
     */
    keepsAssignmentOnDeactivation?: boolean;
  }>;
  /** factor type → policy; a type not listed is OPTIONAL */
  factorEnrollmentPolicy?: Record<string, FactorPolicy>;
  /** OAuth private_key_jwt clients */
  serviceApps?: Array<{ clientId: string; publicJwk: object; scopes: string[] }>;
  eventHooks?: Array<{
    id?: string;
    name: string;
    url: string;
    authHeader?: { key: string; value: string };
    events: string[];
    status?: 'ACTIVE' | 'INACTIVE';
    verificationStatus?: 'VERIFIED' | 'UNVERIFIED';
  }>;
  users: Array<{
    id?: string;
    login: string;
    status: UserStatus;
    profile?: { firstName?: string; lastName?: string; email?: string; [k: string]: unknown };
    /** group ids or names (in state: ids) */
    groups?: string[];
    /** app id or label (in state: id); GROUP ones come from groups */
    apps?: Array<{ app: string; scope: 'USER' | 'GROUP'; profile?: Record<string, unknown> }>;
    factors?: Array<{ id?: string; factorType: string; provider?: string; status?: string }>;
    /** open sessions */
    sessions?: number;
    grants?: Array<{ id?: string; clientId: string; scopeId?: string }>;
    refreshTokens?: Array<{ id?: string; clientId: string }>;
    /** admin role assignments (assignment type USER) */
    roles?: Array<{ id?: string; type: AdminRoleType }>;
  }>;
  /** users: user ids or logins (in state: ids) */
  devices: Array<{
    id?: string;
    displayName: string;
    platform: string;
    status: DeviceStatus;
    users: string[];
  }>;
  /**
   * identity providers (an Org2Org OIDC IdP, a social or SAML one) and the users linked to them: each link joins a
   * user of this org (id or login) to the IdP's own id for them, `externalId` (docs/okta-behaviour.md §20)
   */
  identityProviders?: Array<{
    id?: string;
    name: string;
    /** default `OIDC` */
    type?: 'OIDC' | 'SAML2' | 'GOOGLE' | 'FACEBOOK' | 'MICROSOFT' | 'LINKEDIN';
    /** default ACTIVE */
    status?: 'ACTIVE' | 'INACTIVE';
    users: Array<{ user: string; externalId: string; profile?: Record<string, unknown> }>;
  }>;
  /**
   * custom authorization servers (API Access Management) with their access policies and rules; the one named
   * `default` also answers to the id `default` (docs/okta-behaviour.md §19)
   */
  authorizationServers?: Array<{
    id?: string;
    name: string;
    description?: string;
    audiences?: string[];
    /** default ACTIVE */
    status?: AuthorizationServerStatus;
    policies: Array<{
      id?: string;
      name: string;
      status?: AuthorizationServerStatus;
      /** default: the position in the list, from 1 */
      priority?: number;
      rules: Array<{
        id?: string;
        name: string;
        status?: AuthorizationServerStatus;
        priority?: number;
        /** how long the access tokens the rule mints stay valid: 5 to 1440 */
        accessTokenLifetimeMinutes: number;
        /** default 0 */
        refreshTokenLifetimeMinutes?: number;
        /** 10 to 2628000, default 10080 */
        refreshTokenWindowMinutes?: number;
      }>;
    }>;
  }>;
};

export type RequestEntry = {
  at: string;
  method: string;
  path: string;
  query?: string;
  status: number;
  durationMs: number;
  bucket: string;
  /** the user the call concerns, when one */
  userId?: string;
  errorCode?: string;
  rateLimited: boolean;
  /** with rateLimited: the window that refused the call (a bucket's name, `cumulative` or `concurrency`) */
  limitedBy?: string;
};

export type Fault = {
  /** path pattern, e.g. "/api/v1/users/*\/lifecycle/*" or "*" */
  route: string;
  method?: string;
  /** answer this instead */
  status?: number;
  errorCode?: string;
  errorSummary?: string;
  /** with status 429: X-Rate-Limit-Reset this far ahead (Okta seconds) */
  resetAfterS?: number;
  /** drop the socket instead of answering */
  connectionReset?: boolean;
  /** added delay (alone, or before the answer) */
  latencyMs?: number;
  /** 0..1, default 1 */
  probability?: number;
  /** stop after this many hits */
  count?: number;
  /** stop after this long (real time) */
  forMs?: number;
};

export type RateLimitBucket = {
  name: string;
  /** HTTP methods this row applies to; empty = all */
  methods: string[];
  /** `{x}` matches one path segment; a trailing `*` also matches everything below, a trailing `/*` only what is below */
  pathPattern: string;
  perMinute: number;
};

export type RateLimitTable = {
  buckets: RateLimitBucket[];
  /** the org-wide Management API window every /api/v1 call also counts against; absent = none */
  cumulativePerMinute?: number;
  /** simultaneous in-flight /api/v1 requests */
  concurrency: number;
  /** one Okta minute lasts 60 / timeScale real seconds */
  timeScale: number;
};
