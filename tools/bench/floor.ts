// The rate-limit floor of a layoff: for a seed org, the MINIMUM Okta calls the offboarding runbook
// needs per bucket (computed from the seed, not from what the code did), and the shortest time
// Okta's limits allow for them: max over buckets (and the cumulative limit, over all calls) of calls / perMinute.
// Buckets are classified by the emulator's table, which follows Okta's published path-to-bucket mapping.
//
// The calls per person follow workflows/offboard-user.ts, snapshot.ts, devices.ts and verify.ts on their happy
// path for a run started on this code (no retries, no 429s), with Okta state as the emulator keeps it
// (okta-emulator/README.md):
//   checking    GET user, GET user's groups, GET user's admin roles
//   locking     suspend (only from ACTIVE), revoke sessions (oauthTokens=true), revoke grants; a user Okta cannot
//               suspend (LOCKED_OUT, PASSWORD_EXPIRED, RECOVERY, PROVISIONED, STAGED) is deactivated here: the
//               apps listing, factors, devices, reset factors, deactivate
//   snapshot    the filtered apps listing (`filter=user.id eq`), devices; no factor list (every factor is reset,
//               then the list after the reset is checked); the org-wide reads every run shares (activities/
//               shared-read.ts) are not per-person calls and are not counted: the group rules (one listing per
//               worker per minute) and the access-token lifetime (per 10 minutes)
//   revoking    reset factors, remove each OKTA_GROUP membership; direct apps are left to the deactivation, which
//               deprovisions the user from every assigned app (Okta's deactivateUser), and checked after it
//   verify      before deactivation: factors, OAuth clients (their list covers grants and tokens)
//   deactivating  deactivate, then the access verification: status, groups, the apps listing
//   wiping      every device is decided on today's holders (one holders read per device); a device held
//               only by offboarded people is deactivated (no read first) and deleted by its first holder's run;
//               every other offboarded holder's run finds it gone (its holders read answers 404) = 1 call
//   verifying   status; groups and apps are not read again, since no wait separated the access verification from
//               this one (the benchmark's device-wipe delay is 0); deleted devices are not read again, Okta's
//               answer to the DELETE is the proof
// A device another ACTIVE person (outside the layoff) holds is kept: one holders read at wipe time.
// Every person is a member of Everyone (BUILT_IN), whose apps they hold with GROUP scope.
import { RateLimiter } from '@okta-offboarding/okta-emulator';
import type { Org, RateLimitTable } from '@okta-offboarding/okta-emulator';

export type FloorPhases = 'lockout' | 'completion';

/** One runbook call: which Okta endpoint, for the bucket classification in the published table. */
interface Call {
  method: string;
  path: string;
  phase: 'checking' | 'locking' | 'snapshot' | 'revoking' | 'deactivating' | 'wiping-devices' | 'verifying';
}

export interface BucketFloor {
  /** Minimum calls in this bucket (for `cumulative`: in all buckets) for all offboarded people. */
  calls: number;
  /** The bucket's limit in the table (per Okta minute). */
  perMinute: number;
  /** calls / perMinute, in Okta minutes. */
  oktaMinutes: number;
  /** The same in real milliseconds at the table's time scale. */
  ms: number;
}

export interface RunbookFloor {
  phases: FloorPhases;
  /** People offboarded (the org's users minus the excluded ones). */
  users: number;
  timeScale: number;
  /** By bucket, plus `cumulative` (every call) when the table has a cumulative limit. */
  byBucket: Record<string, BucketFloor>;
  /** Minimum calls per person, by bucket (average over the people). */
  perUserByBucket: Record<string, number>;
  totalCalls: number;
  /** Minimum calls per person (all buckets). */
  perUser: number;
  /** The bucket that sets the floor. */
  bottleneck: string;
  /** max over buckets of calls / perMinute. */
  oktaMinutes: number;
  /** The floor in real milliseconds at the table's time scale (one Okta minute = 60,000 / timeScale ms). */
  floorMs: number;
  /** Minimum calls per person id, by bucket (for per-person comparisons). */
  perPerson: Map<string, Record<string, number>>;
}

export interface FloorOptions {
  /**
   * Ids (or logins) of the people offboarded. Default: every user of the org except members of a
   * group named "Super Admins" (the sample org's super admin and break-glass account, which a
   * layoff never includes and the policy protects).
   */
  userIds?: string[];
}

const LOCKOUT_PHASES = new Set<Call['phase']>(['checking', 'locking']);
/** workflows/lock-out.ts: the statuses the lock deactivates at once. */
const CANNOT_BE_SUSPENDED = new Set(['LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY', 'PROVISIONED', 'STAGED']);
/** Representative path of the filtered app listing (the apps bucket). */
const APPS_OF_USER = '/api/v1/apps';

/** The floor's name for the org-wide cumulative Management API limit (the emulator's window of the same name). */
const CUMULATIVE = 'cumulative';

type SeedUser = Org['users'][number];

/** Minimum runbook calls per bucket for offboarding the org's people, and the time floor they imply. */
export function runbookFloor(
  org: Org,
  table: RateLimitTable,
  phases: FloorPhases,
  options: FloorOptions = {},
): RunbookFloor {
  const limiter = new RateLimiter(table);
  const groupByRef = new Map<string, Org['groups'][number]>();
  for (const group of org.groups) {
    if (group.id) groupByRef.set(group.id, group);
    groupByRef.set(group.name, group);
  }
  const userByRef = new Map<string, SeedUser>();
  for (const user of org.users) {
    if (user.id) userByRef.set(user.id, user);
    userByRef.set(user.login, user);
  }
  const idOf = (user: SeedUser): string => user.id ?? user.login;
  // Every user is a member of Everyone (the emulator adds it when the seed lacks it).
  const everyone = org.groups.find((group) => group.name === 'Everyone' && group.type === 'BUILT_IN');
  const groupsOf = (user: SeedUser) => {
    const groups = (user.groups ?? []).map((ref) => groupByRef.get(ref)).filter((group) => group !== undefined);
    return everyone && !groups.includes(everyone) ? [...groups, everyone] : groups;
  };

  const excluded = (user: SeedUser) => groupsOf(user).some((group) => group.name === 'Super Admins');
  const people: SeedUser[] = options.userIds
    ? options.userIds.map((ref) => {
        const user = userByRef.get(ref);
        if (!user) throw new Error(`runbookFloor: no user ${ref} in the org`);
        return user;
      })
    : org.users.filter((user) => !excluded(user));
  const offboarded = new Set(people.map(idOf));

  // Devices: who holds each, and which offboarded holder's run wipes it (the first one listed).
  const devicesOf = new Map<string, Org['devices']>();
  const wiper = new Map<Org['devices'][number], string | undefined>();
  for (const device of org.devices) {
    const holders = device.users.map((ref) => userByRef.get(ref)).filter((user) => user !== undefined);
    for (const holder of holders) {
      const list = devicesOf.get(idOf(holder)) ?? [];
      list.push(device);
      devicesOf.set(idOf(holder), list);
    }
    // Kept when a holder outside the layoff is ACTIVE; else wiped once by its first offboarded holder.
    const keptBy = holders.some((holder) => !offboarded.has(idOf(holder)) && holder.status === 'ACTIVE');
    wiper.set(device, keptBy ? undefined : holders.map(idOf).find((id) => offboarded.has(id)));
  }

  const perPerson = new Map<string, Record<string, number>>();
  const byBucket: Record<string, number> = {};
  const bucketOf = (call: Call): string => limiter.classify(call.method, call.path)?.name ?? 'unclassified';

  for (const user of people) {
    const id = idOf(user);
    const calls = personCalls(user, id, groupsOf(user), devicesOf.get(id) ?? [], wiper);
    const mine: Record<string, number> = {};
    for (const call of calls) {
      if (phases === 'lockout' && !LOCKOUT_PHASES.has(call.phase)) continue;
      const bucket = bucketOf(call);
      mine[bucket] = (mine[bucket] ?? 0) + 1;
      byBucket[bucket] = (byBucket[bucket] ?? 0) + 1;
    }
    perPerson.set(id, mine);
  }

  const minuteMs = 60_000 / table.timeScale;
  const limitOf = new Map<string, number>();
  for (const row of table.buckets) limitOf.set(row.name, Math.min(limitOf.get(row.name) ?? Infinity, row.perMinute));
  const totalCalls = Object.values(byBucket).reduce((sum, n) => sum + n, 0);
  // Every call also counts against the org-wide cumulative limit: one more floor, over all of them.
  const limited = { ...byBucket };
  if (table.cumulativePerMinute !== undefined) {
    limitOf.set(CUMULATIVE, table.cumulativePerMinute);
    limited[CUMULATIVE] = totalCalls;
  }
  const floors: Record<string, BucketFloor> = {};
  let bottleneck = '';
  let oktaMinutes = 0;
  for (const [bucket, calls] of Object.entries(limited).sort(([a], [b]) => a.localeCompare(b))) {
    const perMinute = limitOf.get(bucket) ?? Infinity;
    const minutes = calls / perMinute;
    floors[bucket] = { calls, perMinute, oktaMinutes: minutes, ms: minutes * minuteMs };
    if (minutes > oktaMinutes) {
      oktaMinutes = minutes;
      bottleneck = bucket;
    }
  }
  const n = Math.max(people.length, 1);
  return {
    phases,
    users: people.length,
    timeScale: table.timeScale,
    byBucket: floors,
    perUserByBucket: Object.fromEntries(Object.entries(byBucket).map(([bucket, calls]) => [bucket, calls / n])),
    totalCalls,
    perUser: totalCalls / n,
    bottleneck,
    oktaMinutes,
    floorMs: oktaMinutes * minuteMs,
    perPerson,
  };
}

/** The runbook's calls for one person, in order, with representative paths for classification. */
function personCalls(
  user: SeedUser,
  id: string,
  groups: Org['groups'],
  devices: Org['devices'],
  wiper: Map<Org['devices'][number], string | undefined>,
): Call[] {
  const u = `/api/v1/users/${id}`;
  const calls: Call[] = [];
  const add = (phase: Call['phase'], method: string, path: string, times = 1) => {
    for (let i = 0; i < times; i++) calls.push({ phase, method, path });
  };

  // checking
  add('checking', 'GET', u);
  add('checking', 'GET', `${u}/groups`);
  add('checking', 'GET', `${u}/roles`);

  // locking
  const earlyDeactivation = CANNOT_BE_SUSPENDED.has(user.status ?? 'ACTIVE');
  const deactivated = user.status === 'DEPROVISIONED';
  if (user.status === 'ACTIVE') add('locking', 'POST', `${u}/lifecycle/suspend`);
  add('locking', 'DELETE', `${u}/sessions`);
  add('locking', 'DELETE', `${u}/grants`);

  // what deactivation destroys: in the lock for a user Okta cannot suspend, else in the snapshot
  const destroyed = (phase: Call['phase']) => {
    add(phase, 'GET', APPS_OF_USER);
    if (deactivated) return;
    if (phase === 'locking') add(phase, 'GET', `${u}/factors`);
    add(phase, 'GET', `${u}/devices`);
  };
  if (earlyDeactivation) {
    destroyed('locking');
    add('locking', 'POST', `${u}/lifecycle/reset_factors`);
    add('locking', 'POST', `${u}/lifecycle/deactivate`);
  } else {
    destroyed('snapshot');
  }
  const oktaGroups = groups.filter((group) => group.type === 'OKTA_GROUP');

  // revoking (direct apps go with the deactivation)
  if (!earlyDeactivation && !deactivated) add('revoking', 'POST', `${u}/lifecycle/reset_factors`);
  for (const group of oktaGroups) add('revoking', 'DELETE', `/api/v1/groups/${group.id ?? group.name}/users/${id}`);
  if (!earlyDeactivation && !deactivated) {
    add('revoking', 'GET', `${u}/factors`);
    add('revoking', 'GET', `${u}/clients`);
  }

  // deactivating, then the access verification
  if (!earlyDeactivation) add('deactivating', 'POST', `${u}/lifecycle/deactivate`);
  add('deactivating', 'GET', u);
  add('deactivating', 'GET', `${u}/groups`);
  add('deactivating', 'GET', APPS_OF_USER);

  // wiping devices (none listed for a user already deactivated)
  for (const device of deactivated ? [] : devices) {
    const by = wiper.get(device);
    const d = `/api/v1/devices/${device.id}`;
    add('wiping-devices', 'GET', `${d}/users`);
    if (by === undefined) continue; // kept: an ACTIVE person outside the layoff holds it
    if (by !== id) continue; // another offboarded holder's run wiped it: its holders read answered 404
    add('wiping-devices', 'POST', `${d}/lifecycle/deactivate`);
    if (device.status === 'DEACTIVATED') add('wiping-devices', 'GET', d); // 400 E0000001: read, then delete
    add('wiping-devices', 'DELETE', d);
  }

  // verifying
  add('verifying', 'GET', u);
  return calls;
}
