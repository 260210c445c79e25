// Deterministic sample orgs of N users with realistic shapes; the demo's small org is one of them.
import type { Org } from './types';

const FIRST = [
  'ada',
  'alan',
  'grace',
  'linus',
  'margaret',
  'dennis',
  'barbara',
  'ken',
  'radia',
  'tim',
  'frances',
  'edsger',
  'hedy',
  'john',
  'katherine',
  'niklaus',
  'shafi',
  'leslie',
  'donald',
  'anita',
];
const LAST = [
  'lovelace',
  'turing',
  'hopper',
  'torvalds',
  'hamilton',
  'ritchie',
  'liskov',
  'thompson',
  'perlman',
  'berners',
  'allen',
  'dijkstra',
  'lamarr',
  'mccarthy',
  'johnson',
  'wirth',
  'goldwasser',
  'lamport',
  'knuth',
  'borg',
];
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'Support', 'Marketing'];
const FACTOR_TYPES: Array<{ factorType: string; provider: string }> = [
  { factorType: 'push', provider: 'OKTA' },
  { factorType: 'token:software:totp', provider: 'OKTA' },
  { factorType: 'sms', provider: 'OKTA' },
  { factorType: 'email', provider: 'OKTA' },
  { factorType: 'webauthn', provider: 'FIDO' },
  { factorType: 'token:software:totp', provider: 'GOOGLE' },
];
const PLATFORMS: Array<[string, string]> = [
  ['MACOS', 'MacBook Pro'],
  ['WINDOWS', 'ThinkPad'],
  ['IOS', 'iPhone'],
  ['ANDROID', 'Pixel'],
];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** mulberry32: small, fast, good enough for sample data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SampleOrgOptions = { users: number; seed?: number };

/**
 * An org of `users` ordinary employees plus a super admin and a break-glass account: Everyone, department
 * groups (Engineering rule-managed), APP_GROUPs, an empty `Offboarding` trigger group, apps assigned directly
 * and through groups, 1–4 factors each, OAuth grants and refresh tokens, 0–3 devices (some shared), sessions; the two
 * protected accounts hold the SUPER_ADMIN role; the `default` custom authorization server Okta creates with API Access
 * Management (audience `api://default`, its Default Policy Rule minting access tokens for 60 minutes).
 */
export function generateSampleOrg({ users: count, seed = 1 }: SampleOrgOptions): Org {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const id = (prefix: string): string => {
    let s = prefix;
    for (let i = 0; i < 17; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
    return s;
  };

  const apps = [
    { id: id('0oa'), label: 'Slack', name: 'slack' },
    { id: id('0oa'), label: 'GitHub', name: 'github' },
    { id: id('0oa'), label: 'Google Workspace', name: 'google' },
    { id: id('0oa'), label: 'Salesforce', name: 'salesforce' },
    { id: id('0oa'), label: 'Zoom', name: 'zoom' },
    { id: id('0oa'), label: 'Jira', name: 'jira' },
  ];
  const app = (label: string): string => (apps.find((a) => a.label === label) as { id: string }).id;

  const groups: Org['groups'] = [
    { id: id('00g'), name: 'Everyone', type: 'BUILT_IN', apps: [app('Slack'), app('Zoom')] },
    {
      id: id('00g'),
      name: 'Engineering',
      type: 'OKTA_GROUP',
      apps: [app('GitHub'), app('Jira')],
      rule: { id: id('0pr'), name: 'Engineering department', excludedUserIds: [] },
    },
    { id: id('00g'), name: 'Sales', type: 'OKTA_GROUP', apps: [app('Salesforce')] },
    { id: id('00g'), name: 'Finance', type: 'OKTA_GROUP', apps: [] },
    { id: id('00g'), name: 'Support', type: 'OKTA_GROUP', apps: [app('Jira')] },
    { id: id('00g'), name: 'Marketing', type: 'OKTA_GROUP', apps: [] },
    { id: id('00g'), name: 'AD Domain Users', type: 'APP_GROUP', apps: [] },
    { id: id('00g'), name: 'AD VPN Users', type: 'APP_GROUP', apps: [] },
    { id: id('00g'), name: 'Offboarding', type: 'OKTA_GROUP', apps: [] },
    { id: id('00g'), name: 'Super Admins', type: 'OKTA_GROUP', apps: [] },
  ];
  const groupId = (name: string): string => (groups.find((g) => g.name === name) as { id: string }).id;

  const used = new Set<string>();
  const users: Org['users'] = [];
  const person = (n: number): { first: string; last: string; login: string } => {
    const first = FIRST[n % FIRST.length] as string;
    const last = LAST[Math.floor(n / FIRST.length) % LAST.length] as string;
    const round = Math.floor(n / (FIRST.length * LAST.length));
    let login = `${first}.${last}${round ? round + 1 : ''}@example.com`;
    while (used.has(login)) login = `${first}.${last}${int(100, 999)}@example.com`;
    used.add(login);
    return { first, last, login };
  };
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const clientIds = [app('Slack'), app('Google Workspace'), app('Zoom')];

  for (let n = 0; n < count; n++) {
    const { first, last, login } = person(n * 7 + seed);
    const department = pick(DEPARTMENTS);
    const status = rand() < 0.9 ? 'ACTIVE' : pick(['SUSPENDED', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'STAGED'] as const);
    const userGroups = [groupId(department)];
    if (rand() < 0.5) userGroups.push(groupId('AD Domain Users'));
    if (rand() < 0.2) userGroups.push(groupId('AD VPN Users'));
    const direct = apps.filter(() => rand() < 0.25).map((a) => ({ app: a.id, scope: 'USER' as const }));
    const factorCount = int(1, 4);
    const factors = Array.from(
      { length: factorCount },
      (_, i) => FACTOR_TYPES[(n + i * 2) % FACTOR_TYPES.length] as { factorType: string; provider: string },
    ).filter((f, i, all) => all.findIndex((g) => g.factorType === f.factorType && g.provider === f.provider) === i);
    const grants = clientIds
      .filter(() => rand() < 0.4)
      .map((clientId) => ({ clientId, scopeId: 'okta.users.read.self' }));
    const refreshTokens = grants.filter(() => rand() < 0.7).map((g) => ({ clientId: g.clientId }));
    users.push({
      id: id('00u'),
      login,
      status,
      profile: {
        firstName: cap(first),
        lastName: cap(last),
        email: login,
        department,
        title: `${department} Specialist`,
      },
      groups: userGroups,
      apps: direct,
      factors,
      sessions: status === 'ACTIVE' ? int(0, 3) : 0,
      grants,
      refreshTokens,
    });
  }

  const admin = {
    id: id('00u'),
    login: 'sam.superadmin@example.com',
    status: 'ACTIVE' as const,
    profile: { firstName: 'Sam', lastName: 'Superadmin', email: 'sam.superadmin@example.com', department: 'IT' },
    groups: [groupId('Super Admins')],
    apps: [],
    factors: [
      { factorType: 'webauthn', provider: 'FIDO' },
      { factorType: 'push', provider: 'OKTA' },
    ],
    sessions: 1,
    roles: [{ type: 'SUPER_ADMIN' as const }],
  };
  const breakGlass = {
    id: id('00u'),
    login: 'break-glass@example.com',
    status: 'ACTIVE' as const,
    profile: { firstName: 'Break', lastName: 'Glass', email: 'break-glass@example.com', department: 'IT' },
    groups: [groupId('Super Admins')],
    apps: [],
    factors: [{ factorType: 'webauthn', provider: 'FIDO' }],
    sessions: 0,
    roles: [{ type: 'SUPER_ADMIN' as const }],
  };
  users.push(admin, breakGlass);

  const devices: Org['devices'] = [];
  users.slice(0, count).forEach((u, i) => {
    const owned = int(0, 3);
    for (let k = 0; k < owned; k++) {
      const [platform, model] = pick(PLATFORMS);
      const shared = rand() < 0.1 && i + 1 < count;
      const owners = shared ? [u.id as string, users[i + 1]?.id as string] : [u.id as string];
      devices.push({
        id: id('guo'),
        displayName: `${model} (${(u.profile?.firstName as string | undefined) ?? 'user'})`,
        platform,
        status: 'ACTIVE',
        users: owners,
      });
    }
  });

  // Drawn last, so the ids of everything above stay what they were before the server was added.
  const authorizationServers: Org['authorizationServers'] = [
    {
      id: id('aus'),
      name: 'default',
      description: 'Default Authorization Server for your Applications',
      audiences: ['api://default'],
      policies: [
        {
          id: id('00p'),
          name: 'Default Policy',
          rules: [{ id: id('0pr'), name: 'Default Policy Rule', accessTokenLifetimeMinutes: 60 }],
        },
      ],
    },
  ];

  return { groups, apps, serviceApps: [], eventHooks: [], users, devices, authorizationServers };
}

/** The demo's org: eight employees plus the protected accounts. */
export function demoOrg(): Org {
  return generateSampleOrg({ users: 8, seed: 42 });
}
