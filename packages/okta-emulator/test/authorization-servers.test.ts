// Custom authorization servers, their access policies and rules (the access-token lifetimes) through the real Okta
// SDK; their seed, state and the sample org's default server.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as okta from '@okta/okta-sdk-nodejs';
import { generateSampleOrg } from '../src/sample-org';
import type { Org } from '../src/types';
import { fixtureOrg, IDS } from './fixtures';
import { all, failure, raw, startTestEmulator, type TestEmulator } from '../src/testing/harness';
import { validateResponse } from '../src/testing/openapi';

let t: TestEmulator;
let client: okta.Client;
// jose is ESM-only; the tests are CommonJS.
const jose = () => import('jose');

const oid = (prefix: string, name: string): string => (prefix + name).padEnd(20, '0');
const PAYMENTS = oid('aus', 'payments');
const STRICT = oid('00p', 'strict');
const RETIRED = oid('00p', 'retired');
const SHORT = oid('0pr', 'short');
const BATCH = oid('0pr', 'batch');

/** The fixture org with a second, inactive server of two policies, listed out of priority order. */
function orgWithPayments(): Org {
  const org = fixtureOrg();
  org.authorizationServers = [
    ...(org.authorizationServers ?? []),
    {
      id: PAYMENTS,
      name: 'Payments',
      audiences: ['api://payments'],
      status: 'INACTIVE',
      policies: [
        { id: RETIRED, name: 'Retired', status: 'INACTIVE', priority: 2, rules: [] },
        {
          id: STRICT,
          name: 'Strict',
          priority: 1,
          rules: [
            { id: BATCH, name: 'Batch jobs', priority: 2, accessTokenLifetimeMinutes: 1440 },
            {
              id: SHORT,
              name: 'Short',
              priority: 1,
              status: 'INACTIVE',
              accessTokenLifetimeMinutes: 5,
              refreshTokenLifetimeMinutes: 120,
              refreshTokenWindowMinutes: 60,
            },
          ],
        },
      ],
    },
  ];
  return org;
}

beforeAll(async () => {
  t = await startTestEmulator();
  client = t.client();
});
afterAll(async () => t.emulator.close());
beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed(orgWithPayments());
});
afterEach(() => expect(t.takeViolations()).toEqual([]));

describe('listAuthorizationServers', () => {
  it('lists every custom authorization server, inactive ones included, with its issuer, audiences and signing key', async () => {
    const servers = await all(client.authorizationServerApi.listAuthorizationServers());
    expect(servers.map((s) => [s.id, s.name, s.status, s.audiences, s.issuer])).toEqual([
      [IDS.defaultServer, 'default', 'ACTIVE', ['api://default'], `${t.url}/oauth2/default`],
      [PAYMENTS, 'Payments', 'INACTIVE', ['api://payments'], `${t.url}/oauth2/${PAYMENTS}`],
    ]);
    expect(servers[0]?.description).toBe('Default Authorization Server for your Applications');
    expect(servers[0]?.credentials?.signing?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(servers[0]?.credentials?.signing?.kid).not.toBe(servers[1]?.credentials?.signing?.kid);
    expect(servers[0]?.credentials?.signing?.rotationMode).toBe('AUTO');
    expect(servers[0]?._links?.policies?.href).toBe(`${t.url}/api/v1/authorizationServers/default/policies`);
    expect(servers[1]?._links?.policies?.href).toBe(`${t.url}/api/v1/authorizationServers/${PAYMENTS}/policies`);
  });

  it('links the lifecycle transition each server allows: deactivate when active, activate when inactive', async () => {
    const answer = await raw(t.url, 'GET', '/api/v1/authorizationServers');
    const links = (answer.json as Array<{ _links: Record<string, { href: string }> }>).map((s) => s._links);
    expect(links[0]?.['deactivate']?.href).toBe(`${t.url}/api/v1/authorizationServers/default/lifecycle/deactivate`);
    expect(links[0]?.['activate']).toBeUndefined();
    expect(links[1]?.['activate']?.href).toBe(`${t.url}/api/v1/authorizationServers/${PAYMENTS}/lifecycle/activate`);
    expect(links[1]?.['deactivate']).toBeUndefined();
  });

  it('q matches the start of a name or an audience, case-insensitive', async () => {
    const names = async (q: string) =>
      (await all(client.authorizationServerApi.listAuthorizationServers({ q }))).map((s) => s.name);
    expect(await names('pay')).toEqual(['Payments']);
    expect(await names('DEF')).toEqual(['default']);
    expect(await names('api://')).toEqual(['default', 'Payments']);
    expect(await names('ments')).toEqual([]);
  });

  it('pages by limit with a next link the SDK follows', async () => {
    await t.admin.clearRequests();
    const servers = await all(client.authorizationServerApi.listAuthorizationServers({ limit: 1 }));
    expect(servers.map((s) => s.id)).toEqual([IDS.defaultServer, PAYMENTS]);
    const log = await t.admin.requests();
    expect(log.map((r) => [r.path, r.query, r.status])).toEqual([
      ['/api/v1/authorizationServers', 'limit=1', 200],
      ['/api/v1/authorizationServers', `limit=1&after=${IDS.defaultServer}`, 200],
    ]);
  });

  it('needs okta.authorizationServers.read: an OAuth service app without it gets 403 E0000006', async () => {
    const { exportJWK, exportPKCS8, generateKeyPair } = await jose();
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const org = orgWithPayments();
    const clientId = '0oaservice0000000000';
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' };
    org.serviceApps = [{ clientId, publicJwk, scopes: ['okta.users.read', 'okta.authorizationServers.read'] }];
    await t.admin.seed(org);
    const pem = await exportPKCS8(privateKey);
    const service = (scopes: string[]) =>
      new okta.Client({
        orgUrl: t.url,
        authorizationMode: 'PrivateKey',
        clientId,
        scopes,
        privateKey: pem,
        keyId: 'k',
        cacheMiddleware: null,
        requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
      });
    const err = await failure(all(service(['okta.users.read']).authorizationServerApi.listAuthorizationServers()));
    expect([err.status, err.errorCode]).toEqual([403, 'E0000006']);
    expect(err.errorCauses?.[0]?.errorSummary).toContain('okta.authorizationServers.read');
    const reader = service(['okta.authorizationServers.read']).authorizationServerApi;
    expect((await all(reader.listAuthorizationServers())).map((s) => s.id)).toEqual([IDS.defaultServer, PAYMENTS]);
    const rules = await all(reader.listAuthorizationServerPolicyRules({ authServerId: PAYMENTS, policyId: STRICT }));
    expect(rules.map((r) => r.id)).toEqual([SHORT, BATCH]);
  });
});

describe('listAuthorizationServerPolicies', () => {
  it('lists a server’s access policies in priority order, with their rules link', async () => {
    const policies = await all(
      client.authorizationServerApi.listAuthorizationServerPolicies({ authServerId: PAYMENTS }),
    );
    expect(policies.map((p) => [p.id, p.name, p.type, p.status, p.priority, p.system])).toEqual([
      [STRICT, 'Strict', 'OAUTH_AUTHORIZATION_POLICY', 'ACTIVE', 1, false],
      [RETIRED, 'Retired', 'OAUTH_AUTHORIZATION_POLICY', 'INACTIVE', 2, false],
    ]);
    expect(policies[0]?.conditions?.clients?.include).toEqual(['ALL_CLIENTS']);
    expect(policies[0]?._links?.rules?.href).toBe(
      `${t.url}/api/v1/authorizationServers/${PAYMENTS}/policies/${STRICT}/rules`,
    );
  });

  it('answers for the default server by its id and by the name default alike', async () => {
    const byId = await all(
      client.authorizationServerApi.listAuthorizationServerPolicies({ authServerId: IDS.defaultServer }),
    );
    const byName = await all(
      client.authorizationServerApi.listAuthorizationServerPolicies({ authServerId: 'default' }),
    );
    expect(byId.map((p) => [p.id, p.name])).toEqual([[IDS.defaultPolicy, 'Default Policy']]);
    expect(byName.map((p) => p.id)).toEqual([IDS.defaultPolicy]);
  });

  it('answers 404 E0000007 for an unknown server, and no alias for a server not named default', async () => {
    for (const authServerId of ['aus0nobody0000000000', 'Payments']) {
      const err = await failure(all(client.authorizationServerApi.listAuthorizationServerPolicies({ authServerId })));
      expect([err.status, err.errorCode, err.errorSummary]).toEqual([
        404,
        'E0000007',
        `Not found: Resource not found: ${authServerId} (AuthorizationServer)`,
      ]);
    }
  });
});

describe('listAuthorizationServerPolicyRules', () => {
  it('lists a policy’s rules in priority order with the lifetimes of the tokens they mint', async () => {
    const rules = await all(
      client.authorizationServerApi.listAuthorizationServerPolicyRules({ authServerId: PAYMENTS, policyId: STRICT }),
    );
    expect(rules.map((r) => [r.id, r.name, r.type, r.status, r.priority])).toEqual([
      [SHORT, 'Short', 'RESOURCE_ACCESS', 'INACTIVE', 1],
      [BATCH, 'Batch jobs', 'RESOURCE_ACCESS', 'ACTIVE', 2],
    ]);
    expect(rules.map((r) => r.actions?.token)).toEqual([
      { accessTokenLifetimeMinutes: 5, refreshTokenLifetimeMinutes: 120, refreshTokenWindowMinutes: 60 },
      { accessTokenLifetimeMinutes: 1440, refreshTokenLifetimeMinutes: 0, refreshTokenWindowMinutes: 10080 },
    ]);
    expect(rules[1]?.conditions?.people?.groups?.include).toEqual(['EVERYONE']);
    expect(rules[1]?.conditions?.scopes?.include).toEqual(['*']);
  });

  it('answers the default rule of the default server, an empty list for a policy without rules', async () => {
    const rules = await all(
      client.authorizationServerApi.listAuthorizationServerPolicyRules({
        authServerId: 'default',
        policyId: IDS.defaultPolicy,
      }),
    );
    expect(rules.map((r) => [r.id, r.name, r.actions?.token?.accessTokenLifetimeMinutes])).toEqual([
      [IDS.defaultRule, 'Default Policy Rule', 60],
    ]);
    expect(rules[0]?._links?.self?.href).toBe(
      `${t.url}/api/v1/authorizationServers/default/policies/${IDS.defaultPolicy}/rules/${IDS.defaultRule}`,
    );
    const none = await all(
      client.authorizationServerApi.listAuthorizationServerPolicyRules({ authServerId: PAYMENTS, policyId: RETIRED }),
    );
    expect(none).toEqual([]);
  });

  it('answers 404 E0000007 for an unknown server, an unknown policy, and another server’s policy', async () => {
    const cases: Array<[string, string, string]> = [
      ['aus0nobody0000000000', STRICT, 'aus0nobody0000000000 (AuthorizationServer)'],
      [PAYMENTS, '00p0nobody0000000000', '00p0nobody0000000000 (Policy)'],
      [IDS.defaultServer, STRICT, `${STRICT} (Policy)`],
    ];
    for (const [authServerId, policyId, what] of cases) {
      const err = await failure(
        all(client.authorizationServerApi.listAuthorizationServerPolicyRules({ authServerId, policyId })),
      );
      expect([err.status, err.errorCode, err.errorSummary]).toEqual([
        404,
        'E0000007',
        `Not found: Resource not found: ${what}`,
      ]);
    }
  });

  it('is checked against the contract: a lifetime that is not an integer breaks it', () => {
    const observed = {
      method: 'GET',
      path: `/api/v1/authorizationServers/${PAYMENTS}/policies/${STRICT}/rules`,
      query: '',
      status: 200,
      injected: false,
    };
    const good = [{ id: SHORT, type: 'RESOURCE_ACCESS', actions: { token: { accessTokenLifetimeMinutes: 60 } } }];
    const bad = [{ id: SHORT, type: 'RESOURCE_ACCESS', actions: { token: { accessTokenLifetimeMinutes: '60' } } }];
    expect(validateResponse({ ...observed, body: good })).toEqual([]);
    expect(validateResponse({ ...observed, body: bad }).join('\n')).toMatch(
      /accessTokenLifetimeMinutes must be integer/,
    );
  });
});

describe('seed and state', () => {
  it('fills ids, statuses, priorities and refresh-token defaults, and round-trips through seed', async () => {
    await t.admin.seed({
      groups: [],
      apps: [],
      users: [],
      devices: [],
      authorizationServers: [
        {
          name: 'Partners',
          policies: [
            { name: 'First', rules: [{ name: 'A', accessTokenLifetimeMinutes: 5 }] },
            { name: 'Second', rules: [] },
          ],
        },
      ],
    });
    const state = await t.admin.state();
    const [server] = state.authorizationServers ?? [];
    expect(server?.id).toMatch(/^aus[A-Za-z0-9]{17}$/);
    expect([server?.status, server?.audiences]).toEqual(['ACTIVE', []]);
    expect(server?.policies.map((p) => [p.name, p.status, p.priority])).toEqual([
      ['First', 'ACTIVE', 1],
      ['Second', 'ACTIVE', 2],
    ]);
    expect(server?.policies.map((p) => p.id)).toEqual([
      expect.stringMatching(/^00p[A-Za-z0-9]{17}$/),
      expect.stringMatching(/^00p[A-Za-z0-9]{17}$/),
    ]);
    const rule = server?.policies[0]?.rules[0];
    expect(rule?.id).toMatch(/^0pr[A-Za-z0-9]{17}$/);
    expect(rule).toMatchObject({
      status: 'ACTIVE',
      priority: 1,
      accessTokenLifetimeMinutes: 5,
      refreshTokenLifetimeMinutes: 0,
      refreshTokenWindowMinutes: 10080,
    });
    await t.admin.seed(state);
    expect(await t.admin.state()).toEqual(state);
  });

  it('round-trips the fixture servers as given, and leaves them out of an org without any', async () => {
    const state = await t.admin.state();
    await t.admin.seed(state);
    expect(await t.admin.state()).toEqual(state);
    expect(state.authorizationServers?.map((s) => s.id)).toEqual([IDS.defaultServer, PAYMENTS]);
    expect(state.authorizationServers?.[1]?.policies[1]?.rules[1]).toEqual({
      id: SHORT,
      name: 'Short',
      status: 'INACTIVE',
      priority: 1,
      accessTokenLifetimeMinutes: 5,
      refreshTokenLifetimeMinutes: 120,
      refreshTokenWindowMinutes: 60,
    });
    await t.admin.reset();
    expect('authorizationServers' in (await t.admin.state())).toBe(false);
  });

  it('refuses an access-token lifetime under 5 minutes or over one day with the path of the rule, keeps 5 and 1440', async () => {
    const withLifetime = (minutes: number): Org => ({
      groups: [],
      apps: [],
      users: [],
      devices: [],
      authorizationServers: [
        { name: 'default', policies: [{ name: 'P', rules: [{ name: 'R', accessTokenLifetimeMinutes: minutes }] }] },
      ],
    });
    const before = await t.admin.state();
    for (const minutes of [4, 1441, 60.5]) {
      await expect(t.admin.seed(withLifetime(minutes))).rejects.toThrow(
        /400 authorizationServers\.0\.policies\.0\.rules\.0\.accessTokenLifetimeMinutes: /,
      );
    }
    expect(await t.admin.state()).toEqual(before);
    for (const minutes of [5, 1440]) {
      await t.admin.seed(withLifetime(minutes));
      const rules = await all(
        client.authorizationServerApi.listAuthorizationServerPolicyRules({
          authServerId: 'default',
          policyId: (await t.admin.state()).authorizationServers?.[0]?.policies[0]?.id ?? '',
        }),
      );
      expect(rules.map((r) => r.actions?.token?.accessTokenLifetimeMinutes)).toEqual([minutes]);
    }
  });

  it('refuses a second server named default and a refresh window under 10 minutes', async () => {
    const server = { name: 'default', policies: [] };
    await expect(
      t.admin.seed({ groups: [], apps: [], users: [], devices: [], authorizationServers: [server, server] }),
    ).rejects.toThrow(/400 authorization server default: a second server named default/);
    await expect(
      t.admin.seed({
        groups: [],
        apps: [],
        users: [],
        devices: [],
        authorizationServers: [
          {
            name: 'x',
            policies: [
              { name: 'P', rules: [{ name: 'R', accessTokenLifetimeMinutes: 60, refreshTokenWindowMinutes: 9 }] },
            ],
          },
        ],
      }),
    ).rejects.toThrow(/400 authorizationServers\.0\.policies\.0\.rules\.0\.refreshTokenWindowMinutes: /);
  });
});

describe('the sample org', () => {
  it('has the default server Okta creates with API Access Management: audience api://default, a 60-minute rule', async () => {
    await t.admin.seed(generateSampleOrg({ users: 8, seed: 42 }));
    const servers = await all(client.authorizationServerApi.listAuthorizationServers());
    expect(servers.map((s) => [s.name, s.audiences, s.issuer, s.status])).toEqual([
      ['default', ['api://default'], `${t.url}/oauth2/default`, 'ACTIVE'],
    ]);
    const policies = await all(
      client.authorizationServerApi.listAuthorizationServerPolicies({ authServerId: 'default' }),
    );
    expect(policies.map((p) => p.name)).toEqual(['Default Policy']);
    const rules = await all(
      client.authorizationServerApi.listAuthorizationServerPolicyRules({
        authServerId: 'default',
        policyId: policies[0]?.id ?? '',
      }),
    );
    expect(rules.map((r) => [r.name, r.actions?.token?.accessTokenLifetimeMinutes])).toEqual([
      ['Default Policy Rule', 60],
    ]);
  });
});
