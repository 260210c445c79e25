// The rate-limit floor of a layoff: for a seed org, the MINIMUM Okta calls the offboarding runbook
// needs per bucket (computed from the seed, not from what the code did), and the shortest time
// Okta's limits allow for them: max over buckets (and the cumulative limit, over all calls) of calls / perMinute.
// Buckets are classified by the emulator's table, which follows Okta's published path-to-bucket mapping.
//
// The calls per person follow workflows/offboard-user.ts and workflows/verify.ts on their happy
// path (no retries, no 429s), with Okta state as the emulator keeps it (okta-emulator/README.md):
//   checking    GET user, GET user's groups (at once)
//   locking     suspend (only from ACTIVE) with list OAuth clients, revoke sessions (oauthTokens=true) with
//               revoke grants, list OAuth clients again (then one revoke per surviving client: none,
//               since both revocations empty the list)
//   snapshot    app links, assignment per app held (direct or through a group), factors, devices,
//               holders per device, group rules (when the person is in any OKTA_GROUP)
//   revoking    reset factors (when any), remove each OKTA_GROUP membership, unassign each USER-scope app
//   deactivating  deactivate, then the access verification: status, groups, app links (none: a
//               DEPROVISIONED user holds no apps, so no assignment reads), factors, grants, OAuth clients
//   wiping      every device is decided on today's holders (one holders read per device); a device held
//               only by offboarded people (no longer ACTIVE by then) is wiped by one run, which also reads
//               the device, deactivates it (unless DEACTIVATED) and deletes it; every other offboarded
//               holder's run reads the holders and the device (gone) = 2 calls
//   verifying   the same reads as the access verification, plus one device read per deleted device
// A device another ACTIVE person (outside the layoff) holds is kept: one holders read in the snapshot
// and one at wipe time.
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
  const appIdOf = new Map<string, string>();
  for (const app of org.apps) {
    const id = app.id ?? app.label;
    appIdOf.set(id, id);
    appIdOf.set(app.label, id);
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
    const calls = personCalls(user, id, groupsOf(user), devicesOf.get(id) ?? [], wiper, appIdOf);
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
  appIdOf: Map<string, string>,
): Call[] {
  const u = `/api/v1/users/${id}`;
  const calls: Call[] = [];
  const add = (phase: Call['phase'], method: string, path: string, times = 1) => {
    for (let i = 0; i < times; i++) calls.push({ phase, method, path });
  };

  // checking
  add('checking', 'GET', u);
  add('checking', 'GET', `${u}/groups`);

  // locking
  if (user.status === 'ACTIVE') add('locking', 'POST', `${u}/lifecycle/suspend`);
  add('locking', 'GET', `${u}/clients`);
  add('locking', 'DELETE', `${u}/sessions`);
  add('locking', 'DELETE', `${u}/grants`);
  add('locking', 'GET', `${u}/clients`);

  // snapshot: apps held directly or through a group (DEPROVISIONED users hold none)
  const direct = new Set((user.apps ?? []).filter((a) => a.scope === 'USER').map((a) => appIdOf.get(a.app) ?? a.app));
  const held = new Set(direct);
  for (const group of groups) for (const app of group.apps ?? []) held.add(appIdOf.get(app) ?? app);
  const apps = user.status === 'DEPROVISIONED' ? [] : [...held];
  add('snapshot', 'GET', `${u}/appLinks`);
  for (const app of apps) add('snapshot', 'GET', `/api/v1/apps/${app}/users/${id}`);
  add('snapshot', 'GET', `${u}/factors`);
  add('snapshot', 'GET', `${u}/devices`);
  for (const device of devices) add('snapshot', 'GET', `/api/v1/devices/${device.id}/users`);
  const oktaGroups = groups.filter((group) => group.type === 'OKTA_GROUP');
  if (oktaGroups.length > 0) add('snapshot', 'GET', '/api/v1/groups/rules');

  // revoking
  if ((user.factors ?? []).length > 0) add('revoking', 'POST', `${u}/lifecycle/reset_factors`);
  for (const group of oktaGroups) add('revoking', 'DELETE', `/api/v1/groups/${group.id ?? group.name}/users/${id}`);
  for (const app of apps) if (direct.has(app)) add('revoking', 'DELETE', `/api/v1/apps/${app}/users/${id}`);

  // deactivating, then the access verification (a DEPROVISIONED user has no app links)
  add('deactivating', 'POST', `${u}/lifecycle/deactivate`);
  const accessReads = (phase: Call['phase']) => {
    add(phase, 'GET', u);
    add(phase, 'GET', `${u}/groups`);
    add(phase, 'GET', `${u}/appLinks`);
    add(phase, 'GET', `${u}/factors`);
    add(phase, 'GET', `${u}/grants`);
    add(phase, 'GET', `${u}/clients`);
  };
  accessReads('deactivating');

  // wiping devices
  const deleted: string[] = [];
  for (const device of devices) {
    const by = wiper.get(device);
    const d = `/api/v1/devices/${device.id}`;
    add('wiping-devices', 'GET', `${d}/users`);
    if (by === undefined) continue; // kept: an ACTIVE person outside the layoff holds it
    add('wiping-devices', 'GET', d);
    if (by !== id) continue; // another offboarded holder's run wipes it; this one finds it gone
    if (device.status !== 'DEACTIVATED') add('wiping-devices', 'POST', `${d}/lifecycle/deactivate`);
    add('wiping-devices', 'DELETE', d);
    deleted.push(d);
  }

  // verifying
  accessReads('verifying');
  for (const d of deleted) add('verifying', 'GET', d);
  return calls;
}
