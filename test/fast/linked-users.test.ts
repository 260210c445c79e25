// Finding the person's user in a linked org (activities/idps.ts), one activity at a time against an emulator through
// the real SDK: by the Org2Org IdP's link (exact externalId, whatever `q` matches) or by a profile attribute.
import { describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { activityFailure, runActivity, useActivityHarness, type ActivityHarness } from '../support/activities';

let harness: ActivityHarness;
useActivityHarness((started) => (harness = started));

const IDP = '0oaWorkforceIdp00001';
/** Workforce ids: one is the start of the other, so `q` (a prefix match in the emulator) answers both. */
const WORKFORCE = { ada: '00uAda0000000000wfc1', adaPrefix: '00uAda0000000000wfc', grace: '00uGrace000000000wfc' };

function customers(): Org {
  return {
    groups: [],
    apps: [],
    users: [
      { login: 'ada@customers.example.com', status: 'ACTIVE', profile: { workforceId: WORKFORCE.ada } },
      { login: 'ada2@customers.example.com', status: 'SUSPENDED', profile: { workforceId: WORKFORCE.adaPrefix } },
      { login: 'grace@customers.example.com', status: 'DEPROVISIONED', profile: { workforceId: WORKFORCE.grace } },
    ],
    devices: [],
    identityProviders: [
      {
        id: IDP,
        name: 'Workforce',
        users: [
          { user: 'ada@customers.example.com', externalId: WORKFORCE.ada },
          { user: 'ada2@customers.example.com', externalId: WORKFORCE.adaPrefix },
          { user: 'grace@customers.example.com', externalId: WORKFORCE.grace },
        ],
      },
    ],
  };
}

describe('findLinkedUsersByIdp', () => {
  it('keeps only the exact externalId among what q answers, with each status, in one call', async () => {
    await harness.seed(customers());
    await harness.admin.clearRequests();
    const found = await runActivity(harness.activities.findLinkedUsersByIdp, {
      idpId: IDP,
      externalId: WORKFORCE.adaPrefix,
    });
    expect(found).toEqual([{ id: await harness.userId('ada2@customers.example.com'), status: 'SUSPENDED' }]);
    const requests = await harness.admin.requests();
    expect(requests.map((entry) => entry.query)).toEqual([`q=${WORKFORCE.adaPrefix}&limit=200&expand=user`]);
  });

  it('finds a deactivated linked user, and pages through every link with scan', async () => {
    await harness.seed(customers());
    await harness.admin.clearRequests();
    const found = await runActivity(harness.activities.findLinkedUsersByIdp, {
      idpId: IDP,
      externalId: WORKFORCE.grace,
      scan: true,
    });
    expect(found).toEqual([{ id: await harness.userId('grace@customers.example.com'), status: 'DEPROVISIONED' }]);
    expect((await harness.admin.requests()).map((entry) => entry.query)).toEqual(['limit=200&expand=user']);
  });

  it('answers nobody for a person the IdP does not link', async () => {
    await harness.seed(customers());
    expect(
      await runActivity(harness.activities.findLinkedUsersByIdp, { idpId: IDP, externalId: '00uNobody00000000000' }),
    ).toEqual([]);
  });

  it('fails for good on an IdP the org does not have: a wrong idpId is no all-clear', async () => {
    await harness.seed(customers());
    const failure = await activityFailure(
      runActivity(harness.activities.findLinkedUsersByIdp, {
        idpId: '0oaNoSuchIdp00000000',
        externalId: WORKFORCE.ada,
      }),
    );
    expect(failure.type).toBe('LinkedOrgMisconfigured');
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('findLinkedUsersByAttribute', () => {
  it('finds the users whose profile attribute is exactly the workforce id, deactivated ones too', async () => {
    await harness.seed(customers());
    expect(
      await runActivity(harness.activities.findLinkedUsersByAttribute, {
        attribute: 'workforceId',
        value: WORKFORCE.grace,
      }),
    ).toEqual([{ id: await harness.userId('grace@customers.example.com'), status: 'DEPROVISIONED' }]);
    expect(
      await runActivity(harness.activities.findLinkedUsersByAttribute, { attribute: 'workforceId', value: 'x"y' }),
    ).toEqual([]);
  });
});
