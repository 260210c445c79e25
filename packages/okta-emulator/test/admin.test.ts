// The admin API: seed/state, request log, faults, the rate-limit table and its enforcement, and the state file.
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@okta/okta-sdk-nodejs';
import { startOktaEmulator } from '../src/server';
import { EmulatorAdmin } from '../src/admin-client';
import { workforceBucket, workforceTable } from '../src/rate-limits';
import { fixtureOrg, IDS } from './fixtures';
import { all, failure, raw, startTestEmulator, type TestEmulator } from '../src/testing/harness';

let t: TestEmulator;
let okta: Client;

beforeAll(async () => {
  t = await startTestEmulator();
  okta = t.client();
});
afterAll(async () => t.emulator.close());
beforeEach(async () => {
  await t.admin.reset();
  await t.admin.setRateLimits({
    ...workforceTable(),
    buckets: workforceTable().buckets.map((b) => ({ ...b, perMinute: 1_000_000 })),
    concurrency: 1000,
  });
  await t.admin.seed(fixtureOrg());
});
afterEach(() => expect(t.takeViolations()).toEqual([]));

describe('seed and state', () => {
  it('reset leaves only the Everyone group', async () => {
    await t.admin.reset();
    const state = await t.admin.state();
    expect(state.groups.map((g) => [g.name, g.type])).toEqual([['Everyone', 'BUILT_IN']]);
    expect([state.users, state.apps, state.devices]).toEqual([[], [], []]);
  });

  it('state fills every id, turns names and logins into ids, and round-trips through seed', async () => {
    await t.admin.seed({
      groups: [{ name: 'Team', type: 'OKTA_GROUP', apps: ['Wiki'] }],
      apps: [{ label: 'Wiki' }],
      users: [{ login: 'x@example.com', status: 'ACTIVE', groups: ['Team'], factors: [{ factorType: 'sms' }] }],
      devices: [{ displayName: 'Laptop', platform: 'MACOS', status: 'ACTIVE', users: ['x@example.com'] }],
    });
    const state = await t.admin.state();
    const user = state.users[0];
    const team = state.groups.find((g) => g.name === 'Team');
    expect(user?.id).toMatch(/^00u[A-Za-z0-9]{17}$/);
    expect(team?.id).toMatch(/^00g[A-Za-z0-9]{17}$/);
    expect(state.apps[0]?.id).toMatch(/^0oa[A-Za-z0-9]{17}$/);
    expect(state.devices[0]?.id).toMatch(/^guo[A-Za-z0-9]{17}$/);
    expect(team?.apps).toEqual([state.apps[0]?.id]);
    expect(user?.groups).toContain(team?.id);
    expect(state.devices[0]?.users).toEqual([user?.id]);
    expect(user?.apps).toEqual([{ app: state.apps[0]?.id, scope: 'GROUP' }]);
    await t.admin.seed(state);
    expect(await t.admin.state()).toEqual(state);
  });

  it('rejects an invalid seed with 400 and the reason, leaving the org unchanged', async () => {
    const before = await t.admin.state();
    await expect(
      t.admin.seed({
        groups: [],
        apps: [],
        users: [{ login: 'y@example.com', status: 'ACTIVE', groups: ['Nope'] }],
        devices: [],
      }),
    ).rejects.toThrow(/400 user y@example.com: unknown group Nope/);
    await expect(t.admin.seed({ users: 'no' } as never)).rejects.toThrow(/400/);
    expect(await t.admin.state()).toEqual(before);
  });
});

describe('request log', () => {
  it('records bucket, userId, errorCode, rateLimited and query for /api/v1 calls only; since filters; DELETE clears', async () => {
    await t.admin.clearRequests();
    const since = new Date().toISOString();
    await okta.userApi.getUser({ userId: 'alice.adams@example.com' });
    await failure(okta.userApi.suspendUser({ userId: IDS.bob }));
    await okta.deviceApi.getDevice({ deviceId: IDS.mac });
    await all(okta.userApi.listUsers({ limit: 3 }));
    await t.admin.state();
    const log = await t.admin.requests(since);
    expect(log.map((r) => [r.method, r.path, r.status, r.bucket, r.userId, r.errorCode, r.rateLimited])).toEqual([
      ['GET', '/api/v1/users/alice.adams%40example.com', 200, 'users-get', IDS.alice, undefined, false],
      ['POST', `/api/v1/users/${IDS.bob}/lifecycle/suspend`, 400, 'users', IDS.bob, 'E0000001', false],
      ['GET', `/api/v1/devices/${IDS.mac}`, 200, 'devices', IDS.alice, undefined, false],
      ['GET', '/api/v1/users', 200, 'users', undefined, undefined, false],
      ['GET', '/api/v1/users', 200, 'users', undefined, undefined, false],
    ]);
    expect(log[3]?.query).toBe('limit=3');
    expect(log.every((r) => r.durationMs >= 0 && !Number.isNaN(Date.parse(r.at)))).toBe(true);
    expect(await t.admin.requests(new Date(Date.now() + 60_000).toISOString())).toEqual([]);
    await t.admin.clearRequests();
    expect(await t.admin.requests()).toEqual([]);
  });
});

describe('faults', () => {
  it('answers with the fault instead of Okta and leaves the org unchanged', async () => {
    await t.admin.addFault({
      route: '/api/v1/users/*/lifecycle/*',
      method: 'POST',
      status: 500,
      errorCode: 'E0000009',
      errorSummary: 'Boom',
    });
    const err = await failure(okta.userApi.suspendUser({ userId: IDS.alice }));
    expect([err.status, err.errorCode, err.errorSummary]).toEqual([500, 'E0000009', 'Boom']);
    expect((await okta.userApi.getUser({ userId: IDS.alice })).status).toBe('ACTIVE');
  });

  it('takes the status from an error code alone, and stops after count hits', async () => {
    await t.admin.addFault({ route: '*', errorCode: 'E0000006', count: 1 });
    expect((await failure(okta.userApi.getUser({ userId: IDS.alice }))).status).toBe(403);
    await expect(okta.userApi.getUser({ userId: IDS.alice })).resolves.toBeDefined();
  });

  it('a 429 fault sets X-Rate-Limit-Reset resetAfterS ahead, which the SDK retry honours', async () => {
    await t.admin.addFault({ route: `/api/v1/users/${IDS.alice}`, status: 429, resetAfterS: 0, count: 1 });
    const started = Date.now();
    const retrying = t.client({ maxRetries: 1 });
    expect((await retrying.userApi.getUser({ userId: IDS.alice })).id).toBe(IDS.alice);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await t.admin.addFault({ route: `/api/v1/users/${IDS.alice}`, status: 429, resetAfterS: 30, count: 1 });
    const err = await failure(okta.userApi.getUser({ userId: IDS.alice }));
    expect(err.errorCode).toBe('E0000047');
    const reset = Number(err.headers?.get('x-rate-limit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 28);
  });

  it('connectionReset drops the socket', async () => {
    await t.admin.addFault({ route: '/api/v1/groups', connectionReset: true, count: 1 });
    const err = await failure(all(okta.groupApi.listGroups()));
    expect(err.message).toMatch(/socket hang up|ECONNRESET|terminated/i);
  });

  it('latency alone delays the call and lets it through', async () => {
    await t.admin.addFault({ route: '/api/v1/users/*', method: 'GET', latencyMs: 300 });
    const started = Date.now();
    await okta.userApi.getUser({ userId: IDS.alice });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('probability 0 never fires; forMs expires; faults can be listed, removed one by one and cleared', async () => {
    await t.admin.addFault({ route: '*', status: 500, probability: 0 });
    await expect(okta.userApi.getUser({ userId: IDS.alice })).resolves.toBeDefined();
    const id = await t.admin.addFault({ route: '*', status: 503, forMs: 150 });
    expect((await failure(okta.userApi.getUser({ userId: IDS.alice }))).status).toBe(503);
    await new Promise((r) => setTimeout(r, 200));
    await expect(okta.userApi.getUser({ userId: IDS.alice })).resolves.toBeDefined();
    const listed = await t.admin.faults();
    expect(listed.map((f) => f.status)).toEqual([500]);
    expect(listed.find((f) => f.id === id)).toBeUndefined();
    await t.admin.removeFault(listed[0]?.id as string);
    expect(await t.admin.faults()).toEqual([]);
    await t.admin.addFault({ route: '*', status: 500 });
    await t.admin.clearFaults();
    expect(await t.admin.faults()).toEqual([]);
  });

  it('rejects a fault with unknown fields', async () => {
    await expect(t.admin.addFault({ route: '*', bogus: 1 } as never)).rejects.toThrow(/400/);
  });
});

describe('rate limits', () => {
  it('publishes the Workforce table and replaces it with PUT', async () => {
    const emu = await startOktaEmulator({ port: 0 });
    const admin = new EmulatorAdmin(emu.url);
    const table = await admin.rateLimits();
    expect(table.concurrency).toBe(75);
    expect(table.cumulativePerMinute).toBe(7000);
    expect(table.buckets.find((b) => b.name === 'users-get')).toEqual({
      name: 'users-get',
      methods: ['GET'],
      pathPattern: '/api/v1/users/{idOrLogin}',
      perMinute: 2000,
    });
    const perMinute = Object.fromEntries(table.buckets.map((b) => [b.name, b.perMinute]));
    expect(perMinute).toEqual({
      'users-get': 2000,
      users: 600,
      'users-id': 600,
      groups: 500,
      'groups-id': 1000,
      apps: 100,
      'apps-id': 500,
      devices: 100,
      'device-users': 100,
      logs: 120,
      default: 1200,
    });
    const replaced = await admin.setRateLimits({ ...table, concurrency: 10 });
    expect(replaced.concurrency).toBe(10);
    await expect(admin.setRateLimits({ buckets: [], concurrency: 0 } as never)).rejects.toThrow(/400/);
    await emu.close();
  });

  it("classifies every call into the bucket of Okta's own path-to-bucket mapping, the same as workforceBucket()", async () => {
    const calls: Array<[string, string, string]> = [
      ['GET', `/api/v1/users/${IDS.alice}`, 'users-get'],
      ['GET', '/api/v1/users/alice.adams%40example.com', 'users-get'],
      ['POST', `/api/v1/users/${IDS.alice}`, 'users-id'],
      ['DELETE', `/api/v1/users/${IDS.frank}`, 'users-id'],
      ['GET', '/api/v1/users', 'users'],
      ['GET', `/api/v1/users/${IDS.alice}/groups`, 'users'],
      ['GET', `/api/v1/users/${IDS.alice}/factors`, 'users'],
      ['GET', `/api/v1/users/${IDS.alice}/appLinks`, 'users'],
      ['GET', `/api/v1/users/${IDS.alice}/clients`, 'users'],
      ['GET', `/api/v1/users/${IDS.alice}/devices`, 'users'],
      ['GET', `/api/v1/users/${IDS.alice}/roles`, 'users'],
      ['POST', `/api/v1/users/${IDS.alice}/lifecycle/suspend`, 'users'],
      ['DELETE', `/api/v1/users/${IDS.alice}/sessions`, 'users'],
      ['DELETE', `/api/v1/users/${IDS.alice}/grants`, 'users'],
      ['GET', '/api/v1/groups', 'groups'],
      ['GET', '/api/v1/groups/rules', 'groups'],
      ['GET', `/api/v1/groups/rules/${IDS.engRule}`, 'groups'],
      ['GET', `/api/v1/groups/${IDS.sales}`, 'groups-id'],
      ['GET', `/api/v1/groups/${IDS.sales}/users`, 'groups'],
      ['PUT', `/api/v1/groups/${IDS.sales}/users/${IDS.alice}`, 'groups'],
      ['DELETE', `/api/v1/groups/${IDS.sales}/users/${IDS.alice}`, 'groups'],
      ['GET', '/api/v1/apps', 'apps'],
      ['GET', `/api/v1/apps/${IDS.slack}`, 'apps-id'],
      ['GET', `/api/v1/apps/${IDS.slack}/users`, 'apps'],
      ['GET', `/api/v1/apps/${IDS.slack}/users/${IDS.alice}`, 'apps'],
      ['GET', '/api/v1/devices', 'devices'],
      ['GET', `/api/v1/devices/${IDS.mac}`, 'devices'],
      ['POST', `/api/v1/devices/${IDS.bobPhone}/lifecycle/unsuspend`, 'devices'],
      ['GET', `/api/v1/devices/${IDS.ipad}/users`, 'device-users'],
      ['GET', '/api/v1/logs', 'logs'],
      ['GET', '/api/v1/eventHooks', 'default'],
      // "/api/v1/authorizationServers GET /api/v1", and the same bucket for the policies and their rules
      ['GET', '/api/v1/authorizationServers', 'default'],
      ['GET', `/api/v1/authorizationServers/${IDS.defaultServer}/policies`, 'default'],
      ['GET', `/api/v1/authorizationServers/${IDS.defaultServer}/policies/${IDS.defaultPolicy}/rules`, 'default'],
    ];
    await t.admin.clearRequests();
    for (const [method, path] of calls)
      await raw(t.url, method, path, method === 'POST' || method === 'PUT' ? '{}' : undefined);
    const expected = calls.map(([method, path, bucket]) => `${method} ${path} ${bucket}`);
    expect((await t.admin.requests()).map((r) => `${r.method} ${r.path} ${r.bucket}`)).toEqual(expected);
    expect(calls.map(([method, path]) => `${method} ${path} ${workforceBucket(method, path)}`)).toEqual(expected);
  });

  it('shares one users window between listing users and every sub-resource and lifecycle call of a user', async () => {
    const table = workforceTable(60); // one Okta minute = 1 s
    table.buckets = table.buckets.map((b) => (b.name === 'users' ? { ...b, perMinute: 3 } : b));
    await t.admin.setRateLimits(table);
    const answers = [
      await raw(t.url, 'GET', '/api/v1/users'),
      await raw(t.url, 'GET', `/api/v1/users/${IDS.alice}/groups`),
      await raw(t.url, 'POST', `/api/v1/users/${IDS.alice}/lifecycle/suspend`),
      await raw(t.url, 'GET', `/api/v1/users/${IDS.alice}/factors`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('x-rate-limit-limit'))).toEqual(['3', '3', '3', '3']);
    expect(answers.map((a) => a.headers.get('x-rate-limit-remaining'))).toEqual(['2', '1', '0', '0']);
    const getUser = await raw(t.url, 'GET', `/api/v1/users/${IDS.alice}`);
    expect([getUser.status, getUser.headers.get('x-rate-limit-limit')]).toEqual([200, '2000']);
    expect((await t.admin.state()).users.find((u) => u.id === IDS.alice)?.status).toBe('SUSPENDED');
  });

  it('counts every call against the cumulative Management API limit too; a 429 over it names the cumulative ceiling', async () => {
    await t.admin.setRateLimits({ ...workforceTable(60), cumulativePerMinute: 4 });
    await t.admin.clearRequests();
    const answers = [];
    for (const path of [
      `/api/v1/users/${IDS.alice}`,
      '/api/v1/groups',
      `/api/v1/apps/${IDS.slack}`,
      '/api/v1/logs',
      `/api/v1/devices/${IDS.mac}`,
    ]) {
      answers.push(await raw(t.url, 'GET', path));
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 429]);
    // Below the ceiling the headers name whichever window has fewer calls left: here the cumulative one.
    expect(answers.map((a) => [a.headers.get('x-rate-limit-limit'), a.headers.get('x-rate-limit-remaining')])).toEqual([
      ['4', '3'],
      ['4', '2'],
      ['4', '1'],
      ['4', '0'],
      ['4', '0'],
    ]);
    expect((answers[4]?.json as { errorCode: string }).errorCode).toBe('E0000047');
    const log = await t.admin.requests();
    expect(log.map((r) => [r.bucket, r.rateLimited, r.limitedBy])).toEqual([
      ['users-get', false, undefined],
      ['groups', false, undefined],
      ['apps-id', false, undefined],
      ['logs', false, undefined],
      ['devices', true, 'cumulative'],
    ]);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await raw(t.url, 'GET', `/api/v1/devices/${IDS.mac}`)).status).toBe(200);
  });

  it('answers 429 E0000047 past the per-minute limit with the bucket headers, and the window resets', async () => {
    const table = workforceTable(60); // one Okta minute = 1 s
    table.buckets = table.buckets.map((b) => (b.name === 'users-get' ? { ...b, perMinute: 3 } : b));
    await t.admin.setRateLimits(table);
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await raw(t.url, 'GET', `/api/v1/users/${IDS.alice}`));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(results.map((r) => r.headers.get('x-rate-limit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(results[3]?.headers.get('x-rate-limit-limit')).toBe('3');
    expect((results[3]?.json as { errorCode: string }).errorCode).toBe('E0000047');
    const reset = Number(results[0]?.headers.get('x-rate-limit-reset'));
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    const retrying = t.client({ maxRetries: 2 });
    expect((await retrying.userApi.getUser({ userId: IDS.alice })).id).toBe(IDS.alice);
    expect((await t.admin.requests()).some((r) => r.rateLimited && r.status === 429)).toBe(true);
  });

  it('answers 429 with Limit 0 and a far reset past the concurrency limit', async () => {
    await t.admin.setRateLimits({ ...workforceTable(), concurrency: 2 });
    await t.admin.addFault({ route: '/api/v1/users/*', latencyMs: 300 });
    const answers = await Promise.all(Array.from({ length: 5 }, () => raw(t.url, 'GET', `/api/v1/users/${IDS.alice}`)));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    expect(limited).toHaveLength(3);
    expect(limited[0]?.headers.get('x-rate-limit-limit')).toBe('0');
    expect(limited[0]?.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(Number(limited[0]?.headers.get('x-rate-limit-reset'))).toBeGreaterThanOrEqual(
      Math.floor(Date.now() / 1000) + 50,
    );
  });

  it("runs Date, X-Rate-Limit-Reset and the windows on the emulator's clock: 30 s behind the host, a 429's Reset - Date is still the true wait", async () => {
    const table = workforceTable();
    table.buckets = table.buckets.map((b) => (b.name === 'users-get' ? { ...b, perMinute: 1 } : b));
    const behind = await startOktaEmulator({ port: 0, seed: fixtureOrg(), rateLimits: table, clockOffsetMs: -30_000 });
    try {
      const first = await raw(behind.url, 'GET', `/api/v1/users/${IDS.alice}`);
      const limited = await raw(behind.url, 'GET', `/api/v1/users/${IDS.alice}`);
      expect([first.status, limited.status]).toEqual([200, 429]);
      const date = Date.parse(limited.headers.get('date') ?? '');
      const resetMs = Number(limited.headers.get('x-rate-limit-reset')) * 1000;
      expect(Math.abs(date - (Date.now() - 30_000))).toBeLessThan(3000);
      // The SDK waits Reset - Date (+1 s): a whole Okta minute, as it should ...
      expect(resetMs - date).toBeGreaterThanOrEqual(58_000);
      expect(resetMs - date).toBeLessThanOrEqual(61_000);
      // ... while a client that used its own clock instead would come back half a minute early.
      expect(resetMs - Date.now()).toBeLessThan(32_000);
    } finally {
      await behind.close();
    }
  });

  it('sends the rate-limit headers, Date and X-Okta-Request-Id on every answer', async () => {
    const res = await raw(t.url, 'GET', '/api/v1/users/nobody');
    for (const h of ['date', 'x-okta-request-id', 'x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset'])
      expect(res.headers.get(h)).toBeTruthy();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('state file', () => {
  it('loads at start, is written after changes, and survives a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'okta-emu-')), 'okta.json');
    const first = await startOktaEmulator({ port: 0, stateFile: file, seed: fixtureOrg(), rateLimits: 'unlimited' });
    const before = await fetch(`${first.url}/api/v1/users/${IDS.alice}/lifecycle/suspend`, {
      method: 'POST',
      headers: { authorization: 'SSWS test-token' },
    });
    expect(before.status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).users.find((u: { id: string }) => u.id === IDS.alice).status).toBe(
      'SUSPENDED',
    );
    await fetch(`${first.url}/api/v1/users/${IDS.alice}/lifecycle/unsuspend`, {
      method: 'POST',
      headers: { authorization: 'SSWS test-token' },
    });
    await first.close();
    const second = await startOktaEmulator({ port: 0, stateFile: file, rateLimits: 'unlimited' });
    const state = await new EmulatorAdmin(second.url).state();
    expect(state.users.find((u) => u.id === IDS.alice)?.status).toBe('ACTIVE');
    await second.close();
  });
});
