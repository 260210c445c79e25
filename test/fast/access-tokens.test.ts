// How long access tokens issued before the lock stay valid (activities/tokens.ts): the longest lifetime an active
// rule of an active custom authorization server grants, at least the org authorization server's fixed hour; when
// the credential may not read the policies, one day (Okta's maximum), said as such. Real SDK, emulator over HTTP.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { startTestEmulator, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import { createActivities } from '../../activities';
import { DEFAULT_POLICY } from '../../activities/policy';
import { createOktaClient, type OktaConfig } from '../../okta/client';
import { runActivity } from '../support/activities';

let okta: TestEmulator;
const clientId = '0oanoauthservers0001';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  okta = await startTestEmulator({});
});
afterAll(async () => {
  expect(okta.takeViolations()).toEqual([]);
  await okta.emulator.close();
});

const rule = (name: string, minutes: number, status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE') => ({
  name,
  status,
  accessTokenLifetimeMinutes: minutes,
});

function org(authorizationServers: Org['authorizationServers']): Org {
  return {
    groups: [],
    apps: [],
    users: [],
    devices: [],
    authorizationServers,
    serviceApps: [
      {
        clientId,
        publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' },
        scopes: ['okta.users.read', 'okta.users.manage'],
      },
    ],
  };
}

/** Fresh activities each time: the worker keeps one answer for ten minutes. */
async function lifetime(auth: OktaConfig['auth'] = { kind: 'api-token', token: 'test-token' }) {
  const activities = createActivities(createOktaClient({ orgUrl: okta.url, auth }), DEFAULT_POLICY);
  return runActivity(activities.readAccessTokenLifetime);
}

describe('the longest access-token lifetime', () => {
  it('is the longest active rule of an active authorization server, named by its ids', async () => {
    await okta.admin.seed(
      org([
        {
          name: 'default',
          policies: [
            { name: 'Default Policy', rules: [rule('Default Policy Rule', 60), rule('Partners', 240)] },
            { name: 'Retired', status: 'INACTIVE', rules: [rule('Old', 1200)] },
          ],
        },
        { name: 'payments', policies: [{ name: 'Strict', rules: [rule('Short', 15), rule('Off', 900, 'INACTIVE')] }] },
        { name: 'legacy', status: 'INACTIVE', policies: [{ name: 'Any', rules: [rule('Long', 1440)] }] },
      ]),
    );
    const state = await okta.admin.state();
    const server = state.authorizationServers?.find((s) => s.name === 'default');
    const policy = server?.policies.find((p) => p.name === 'Default Policy');
    const partners = policy?.rules.find((r) => r.name === 'Partners');

    expect(await lifetime()).toEqual({
      longestMinutes: 240,
      source: `authorization server ${server?.id}, policy ${policy?.id}, rule ${partners?.id}`,
      read: true,
    });
  });

  it('is the org authorization server’s fixed hour when no custom server grants longer', async () => {
    await okta.admin.seed(org([{ name: 'api', policies: [{ name: 'P', rules: [rule('R', 30)] }] }]));
    expect(await lifetime()).toEqual({ longestMinutes: 60, source: 'the org authorization server', read: true });
    await okta.admin.seed(org([]));
    expect(await lifetime()).toEqual({ longestMinutes: 60, source: 'the org authorization server', read: true });
  });

  it('is one day, said as unread with the missing scope, when the credential may not read the policies', async () => {
    await okta.admin.seed(org([{ name: 'default', policies: [{ name: 'P', rules: [rule('R', 120)] }] }]));
    const answer = await lifetime({
      kind: 'service-app',
      clientId,
      privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      keyId: 'k1',
      scopes: ['okta.users.read', 'okta.users.manage', 'okta.authorizationServers.read'],
    });
    expect(answer).toMatchObject({ longestMinutes: 1440, read: false });
    expect(answer.source).toMatch(/okta\.authorizationServers\.read/);
  });
});
