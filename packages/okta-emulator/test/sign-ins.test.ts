// What a watch for returning access reads in the System Log: the events of an account activated again, a group
// membership and an app assignment given back through the API, and sign-ins the admin API injects with their IP.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as okta from '@okta/okta-sdk-nodejs';
import { fixtureOrg, IDS } from './fixtures';
import { all, startTestEmulator, type TestEmulator } from '../src/testing/harness';

let t: TestEmulator;
let client: okta.Client;

beforeAll(async () => {
  t = await startTestEmulator({ activationDelayMs: 0 });
  client = t.client();
});
afterAll(async () => t.emulator.close());
beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed(fixtureOrg());
});
afterEach(() => expect(t.takeViolations()).toEqual([]));

type LogEvent = {
  uuid?: string;
  eventType?: string;
  actor?: { id?: string; type?: string };
  target?: Array<{ id?: string; type?: string }>;
  client?: { ipAddress?: string };
  request?: { ipChain?: Array<{ ip?: string }> };
  outcome?: { result?: string };
};

/** Access coming back, in one filter: what Okta's System Log filter takes (`sw`, parentheses). */
const RETURNING = [
  'eventType eq "user.lifecycle.activate"',
  'eventType eq "user.lifecycle.unsuspend"',
  'eventType eq "group.user_membership.add"',
  'eventType eq "application.user_membership.add"',
  '((eventType eq "user.session.start" or eventType sw "user.authentication.") and outcome.result eq "SUCCESS")',
].join(' or ');

async function returning(since: string): Promise<LogEvent[]> {
  const until = new Date(Date.now() + 1000).toISOString();
  return (await all(client.systemLogApi.listLogEvents({ since, until, filter: RETURNING }))) as LogEvent[];
}

describe('the System Log of returning access', () => {
  it('has an event for an account activated again, a group re-added and an app re-assigned', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    await client.userApi.activateUser({ userId: IDS.carol, sendEmail: false });
    await client.groupApi.assignUserToGroup({ groupId: IDS.sales, userId: IDS.carol });
    await client.applicationApi.assignUserToApplication({ appId: IDS.slack, appUser: { id: IDS.carol } });
    await client.groupApi.unassignUserFromGroup({ groupId: IDS.engineering, userId: IDS.carol });

    const events = await returning(since);
    expect(events.map((event) => event.eventType)).toEqual([
      'user.lifecycle.activate',
      'group.user_membership.add',
      'application.user_membership.add',
    ]);
    for (const event of events) expect(event.target?.find((x) => x.type === 'User')?.id).toBe(IDS.carol);
    expect(events[1]?.target?.find((x) => x.type === 'UserGroup')?.id).toBe(IDS.sales);
    expect(events[2]?.target?.find((x) => x.type === 'AppInstance')?.id).toBe(IDS.slack);
  });
});

describe('injected sign-ins', () => {
  it('log the user as actor, the client IP and the app signed in to', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const injected = await t.admin.signIn({
      user: 'alice.adams@example.com',
      ipAddress: '203.0.113.7',
      app: 'Salesforce',
      eventType: 'user.authentication.sso',
    });
    await t.admin.signIn({ user: IDS.alice, ipAddress: '2001:db8::7' });

    const events = await returning(since);
    expect(events.map((event) => [event.eventType, event.client?.ipAddress])).toEqual([
      ['user.authentication.sso', '203.0.113.7'],
      ['user.session.start', '2001:db8::7'],
    ]);
    expect(events[0]?.uuid).toBe(injected.uuid);
    expect(events[0]?.actor).toMatchObject({ id: IDS.alice, type: 'User' });
    expect(events[0]?.target).toMatchObject([{ id: IDS.salesforce, type: 'AppInstance' }]);
    expect(events[0]?.request?.ipChain?.[0]?.ip).toBe('203.0.113.7');
    expect(events[1]?.target).toEqual([]);
  });

  it('refuse a successful sign-in Okta could not log: a deactivated account, an app not assigned', async () => {
    await expect(t.admin.signIn({ user: IDS.carol, ipAddress: '203.0.113.7' })).rejects.toThrow(
      /400 user 00ucarol0+ is DEPROVISIONED: Okta logs no successful sign-in for it/,
    );
    await expect(
      t.admin.signIn({
        user: IDS.alice,
        ipAddress: '203.0.113.7',
        app: 'GitHub',
        eventType: 'user.authentication.sso',
      }),
    ).resolves.toMatchObject({ eventType: 'user.authentication.sso' });
    await t.admin.seed({ ...fixtureOrg(), groups: fixtureOrg().groups.map((g) => ({ ...g, apps: [] })) });
    await expect(
      t.admin.signIn({
        user: IDS.alice,
        ipAddress: '203.0.113.7',
        app: 'GitHub',
        eventType: 'user.authentication.sso',
      }),
    ).rejects.toThrow(/is not assigned app/);
  });

  it('log a failed attempt of any account, which a filter on the outcome leaves out', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const failed = await t.admin.signIn({ user: IDS.carol, ipAddress: '198.51.100.4', outcome: 'FAILURE' });
    expect(failed).toMatchObject({ outcome: { result: 'FAILURE' }, actor: { id: IDS.carol } });
    expect(await returning(since)).toEqual([]);
    const all_ = (await all(
      client.systemLogApi.listLogEvents({ since, until: new Date(Date.now() + 1000).toISOString() }),
    )) as LogEvent[];
    expect(all_.map((event) => [event.eventType, event.outcome?.result])).toEqual([['user.session.start', 'FAILURE']]);
  });

  it('refuse what is not a sign-in they know, with the field named', async () => {
    await expect(t.admin.signIn({ user: IDS.alice, ipAddress: 'not-an-ip' })).rejects.toThrow(/400 ipAddress:/);
    await expect(t.admin.signIn({ user: 'nobody@example.com', ipAddress: '203.0.113.7' })).rejects.toThrow(
      /400 no user nobody@example.com/,
    );
    await expect(
      t.admin.signIn({ user: IDS.alice, ipAddress: '203.0.113.7', eventType: 'user.authentication.sso' }),
    ).rejects.toThrow(/needs an app/);
    await expect(
      t.admin.signIn({ user: IDS.alice, ipAddress: '203.0.113.7', eventType: 'user.lifecycle.activate' as never }),
    ).rejects.toThrow(/400 eventType:/);
  });
});
