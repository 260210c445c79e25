// The emulator's public contract types (docs/admin-api.md): seed/state JSON, request log, faults, rate limits.

export type UserStatus =
  'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'RECOVERY' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';

export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export type DeviceStatus = 'CREATED' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';

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
  apps: Array<{ id?: string; label: string; name?: string }>;
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
    apps?: Array<{ app: string; scope: 'USER' | 'GROUP' }>;
    factors?: Array<{ id?: string; factorType: string; provider?: string; status?: string }>;
    /** open sessions */
    sessions?: number;
    grants?: Array<{ id?: string; clientId: string; scopeId?: string }>;
    refreshTokens?: Array<{ id?: string; clientId: string }>;
  }>;
  /** users: user ids or logins (in state: ids) */
  devices: Array<{
    id?: string;
    displayName: string;
    platform: string;
    status: DeviceStatus;
    users: string[];
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
  /** `{x}` matches one path segment; a trailing `*` also matches everything below */
  pathPattern: string;
  perMinute: number;
};

export type RateLimitTable = {
  buckets: RateLimitBucket[];
  /** simultaneous in-flight /api/v1 requests */
  concurrency: number;
  /** one Okta minute lasts 60 / timeScale real seconds */
  timeScale: number;
};
