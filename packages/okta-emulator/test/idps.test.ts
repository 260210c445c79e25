// Identity providers and their linked users (an Org2Org OIDC IdP) through the real Okta SDK: the listing with `q`
// and paging, the single link, their seed, state and rate-limit bucket.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as okta from '@okta/okta-sdk-nodejs';
import { workforceBucket } from '../src/rate-limits';
import type { Org } from '../src/types';
import { fixtureOrg, IDS } from './fixtures';
import { all, failure, startTestEmulator, type TestEmulator } from '../src/testing/harness';

let t: TestEmulator;
let client: okta.Client;

const oid = (prefix: string, name: string): string => (prefix + name).padEnd(20, '0');
const WORKFORCE = oid('0oa', 'workforce');
/** The other org's user ids: what an Org2Org IdP user's externalId holds. */
const WIC = { alice: oid('00u', 'wicalice'), bob: oid('00u', 'wicbob'), carol: oid('00u', 'wiccarol') };

function orgWithIdp(): Org {
  const org = fixtureOrg();
  org.identityProviders = [
    {
      id: WORKFORCE,
      name: 'Workforce (Org2Org)',
      users: [
        { user: 'alice.adams@example.com', externalId: WIC.alice, profile: { email: 'alice.adams@example.com' } },
        { user: IDS.bob, externalId: WIC.bob },
        { user: 'carol.clark@example.com', externalId: WIC.carol },
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
  await t.admin.seed(orgWithIdp());
});
afterEach(() => expect(t.takeViolations()).toEqual([]));

describe('listIdentityProviderApplicationUsers', () => {
  it("lists every linked user: this org's user id, the IdP's externalId for them, the IdP profile and links", async () => {
    const linked = await all(client.identityProviderApi.listIdentityProviderApplicationUsers({ idpId: WORKFORCE }));
    expect(linked.map((user) => [user.id, user.externalId])).toEqual([
      [IDS.alice, WIC.alice],
      [IDS.bob, WIC.bob],
      [IDS.carol, WIC.carol],
    ]);
    expect(linked[0]?.profile).toEqual({ email: 'alice.adams@example.com' });
    expect(linked[0]?._links?.['user']).toEqual({ href: `${t.url}/api/v1/users/${IDS.alice}` });
    expect(linked[0]?._links?.['idp']).toEqual({ href: `${t.url}/api/v1/idps/${WORKFORCE}` });
  });

  it('q matches the start of externalId, case-insensitive, so one link is found in one call', async () => {
    await t.admin.clearRequests();
    const found = await all(
      client.identityProviderApi.listIdentityProviderApplicationUsers({ idpId: WORKFORCE, q: WIC.bob.toLowerCase() }),
    );
    expect(found.map((user) => user.id)).toEqual([IDS.bob]);
    expect(await t.admin.requests()).toHaveLength(1);
    const none = await all(
      client.identityProviderApi.listIdentityProviderApplicationUsers({ idpId: WORKFORCE, q: '00uNobody' }),
    );
    expect(none).toEqual([]);
  });

  it('pages by limit and after, following the Link header', async () => {
    await t.admin.clearRequests();
    const linked = await all(
      client.identityProviderApi.listIdentityProviderApplicationUsers({ idpId: WORKFORCE, limit: 2 }),
    );
    expect(linked).toHaveLength(3);
    expect((await t.admin.requests()).map((entry) => entry.query)).toEqual(['limit=2', `limit=2&after=${IDS.bob}`]);
  });

  it('embeds the linked user with expand=user', async () => {
    const [alice] = await all(
      client.identityProviderApi.listIdentityProviderApplicationUsers({
        idpId: WORKFORCE,
        q: WIC.alice,
        expand: 'user',
      }),
    );
    expect((alice?._embedded?.['user'] as { id?: string; status?: string } | undefined)?.id).toBe(IDS.alice);
  });

  it('keeps a deactivated user linked, and drops the link of a deleted one', async () => {
    await client.userApi.deactivateUser({ userId: IDS.alice });
    await client.userApi.deleteUser({ userId: IDS.carol }); // already DEPROVISIONED: the first DELETE deletes
    const linked = await all(client.identityProviderApi.listIdentityProviderApplicationUsers({ idpId: WORKFORCE }));
    expect(linked.map((user) => user.id)).toEqual([IDS.alice, IDS.bob]);
  });

  it('answers 404 E0000007 for an unknown IdP', async () => {
    const error = await failure(
      all(client.identityProviderApi.listIdentityProviderApplicationUsers({ idpId: oid('0oa', 'nosuchidp') })),
    );
    expect(error.status).toBe(404);
    expect(error.errorCode).toBe('E0000007');
  });

  it('counts against the /api/v1 bucket (default), as Okta maps /api/v1/idps/ID/users', () => {
    expect(workforceBucket('GET', `/api/v1/idps/${WORKFORCE}/users`)).toBe('default');
    expect(workforceBucket('GET', `/api/v1/idps/${WORKFORCE}/users/${IDS.alice}`)).toBe('default');
  });
});

describe('getIdentityProviderApplicationUser', () => {
  it("reads one link by this org's user id, and answers 404 for a user the IdP does not link", async () => {
    const bob = await client.identityProviderApi.getIdentityProviderApplicationUser({
      idpId: WORKFORCE,
      userId: IDS.bob,
    });
    expect(bob.externalId).toBe(WIC.bob);
    const error = await failure(
      client.identityProviderApi.getIdentityProviderApplicationUser({ idpId: WORKFORCE, userId: IDS.dave }),
    );
    expect(error.status).toBe(404);
    expect((await t.admin.requests()).at(-1)?.userId).toBe(IDS.dave);
  });
});

describe('seed and state', () => {
  it('round-trips identity providers and their links through the state JSON', async () => {
    const state = await t.admin.state();
    expect(state.identityProviders).toEqual([
      {
        id: WORKFORCE,
        name: 'Workforce (Org2Org)',
        type: 'OIDC',
        status: 'ACTIVE',
        users: [
          { user: IDS.alice, externalId: WIC.alice, profile: { email: 'alice.adams@example.com' } },
          { user: IDS.bob, externalId: WIC.bob },
          { user: IDS.carol, externalId: WIC.carol },
        ],
      },
    ]);
    await t.admin.seed(state);
    expect((await t.admin.state()).identityProviders).toEqual(state.identityProviders);
  });

  it('refuses a link to an unknown user and a user linked twice, naming them', async () => {
    const unknown = orgWithIdp();
    unknown.identityProviders![0]!.users.push({ user: 'nobody@example.com', externalId: 'x' });
    await expect(t.admin.seed(unknown)).rejects.toThrow(/unknown user nobody@example.com/);
    const twice = orgWithIdp();
    twice.identityProviders![0]!.users.push({ user: IDS.alice, externalId: 'another' });
    await expect(t.admin.seed(twice)).rejects.toThrow(/linked twice/);
  });

  it('leaves identityProviders out of the state of an org without any', async () => {
    await t.admin.seed(fixtureOrg());
    expect((await t.admin.state()).identityProviders).toBeUndefined();
  });
});
