// The Okta event hook against the emulator's real delivery: verification handshake, then a user
// added to the Offboarding group through the Okta SDK starts exactly one run.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cancelSignal, type OffboardingReport } from '../../workflows/definitions';
import { all } from '@okta-offboarding/okta-emulator/testing';
import { OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { byEvent, byUser, HOOK_SECRET, runsAfterSettling, testIntake, waitForRuns } from '../support/starters';

let harness: OffboardingHarness;
let intake: FastifyInstance;
let hookUrl: string;

beforeAll(async () => {
  harness = await OffboardingHarness.start({ policy: { offboardingGroup: 'Offboarding' } });
  intake = await testIntake(harness);
  await intake.listen({ port: 0, host: '127.0.0.1' });
  hookUrl = `http://127.0.0.1:${(intake.server.address() as AddressInfo).port}/okta/event-hook`;
});
afterAll(async () => {
  await intake?.close();
  await harness?.close();
});
beforeEach(async () => {
  await harness.seed(standardOrg());
});

async function groupId(name: string): Promise<string> {
  const group = (await harness.admin.state()).groups.find((candidate) => candidate.name === name);
  if (!group?.id) throw new Error(`no group ${name}`);
  return group.id;
}

/** Registers the hook the way an Okta admin does (create, verify, activate) through the SDK. */
async function registerHook(secret = HOOK_SECRET) {
  const okta = harness.okta.client();
  const hook = await okta.eventHookApi.createEventHook({
    eventHook: {
      name: 'Offboarding trigger',
      events: { type: 'EVENT_TYPE', items: ['group.user_membership.add'] },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: { uri: hookUrl, authScheme: { type: 'HEADER', key: 'Authorization', value: secret } },
      },
    },
  });
  await okta.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
  await okta.eventHookApi.activateEventHook({ eventHookId: hook.id! });
  return okta;
}

describe('the Okta event hook', () => {
  it('passes the verification handshake and starts one run when a user is added to the Offboarding group', async () => {
    const okta = await registerHook();
    const alice = await harness.userId('alice@example.com');

    await okta.groupApi.assignUserToGroup({ groupId: await groupId('Offboarding'), userId: alice });

    const runs = await waitForRuns(harness.client, byUser(alice));
    expect(runs).toHaveLength(1);
    const now = Date.now();
    const [added] = await all(
      await okta.systemLogApi.listLogEvents({
        since: new Date(now - 60_000).toISOString(),
        until: new Date(now + 1_000).toISOString(),
        filter: 'eventType eq "group.user_membership.add"',
      }),
    );
    expect(await waitForRuns(harness.client, byEvent(added!.uuid!))).toHaveLength(1);
    const handle = harness.client.workflow.getHandle(runs[0]!.workflowId);
    await handle.signal(cancelSignal, { requestedBy: 'vitest' });
    const report: OffboardingReport = await handle.result();
    expect(report).toMatchObject({ source: 'okta-group', requestedBy: 'okta-event-hook', correlationId: added!.uuid });
  });

  it('ignores adds to other groups, and absorbs duplicated and batched deliveries', async () => {
    const okta = await registerHook();
    const bob = await harness.userId('bob@example.com');
    await okta.groupApi.assignUserToGroup({ groupId: await groupId('Super Admins'), userId: bob });
    expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual([]);

    const add = {
      uuid: 'aa11bb22-cc33-dd44-ee55-ff6677889900',
      eventType: 'group.user_membership.add',
      published: new Date().toISOString(),
      target: [
        { id: bob, type: 'User', alternateId: 'bob@example.com', displayName: 'bob Tester' },
        { id: await groupId('Offboarding'), type: 'UserGroup', alternateId: 'unknown', displayName: 'Offboarding' },
      ],
    };
    const delivery = {
      eventType: 'com.okta.event_hook',
      eventId: 'delivery-1',
      data: { events: [add, add, { ...add, uuid: 'other-event', eventType: 'user.session.start' }] },
    };
    const deliver = () =>
      intake.inject({
        method: 'POST',
        url: '/okta/event-hook',
        payload: delivery,
        headers: { authorization: HOOK_SECRET },
      });
    const answers = await Promise.all([deliver(), deliver()]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([204, 204]);
    expect(await waitForRuns(harness.client, byUser(bob))).toHaveLength(1);
    expect(await runsAfterSettling(harness.client, byUser(bob))).toHaveLength(1);
  });

  it('starts nothing for a group that only shares the offboarding group’s display name, and a forged delivery changes nothing', async () => {
    // Configured by name (the compose default): the intake matches the id that name has in Okta.
    const bob = await harness.userId('bob@example.com');
    const alice = await harness.userId('alice@example.com');
    const deliver = (userId: string, groupId: string, uuid: string) =>
      intake.inject({
        method: 'POST',
        url: '/okta/event-hook',
        headers: { authorization: HOOK_SECRET },
        payload: {
          data: {
            events: [
              {
                uuid,
                eventType: 'group.user_membership.add',
                target: [
                  { id: userId, type: 'User' },
                  { id: groupId, type: 'UserGroup', displayName: 'Offboarding' },
                ],
              },
            ],
          },
        },
      });
    // A group mastered in a directory, named Offboarding too.
    expect((await deliver(bob, '00gDirectoryOffboard1', 'cc11bb22-cc33-dd44-ee55-ff6677889900')).statusCode).toBe(204);
    const real = await groupId('Offboarding');
    expect((await deliver(alice, real, 'dd11bb22-cc33-dd44-ee55-ff6677889900')).statusCode).toBe(204);
    const [run] = await waitForRuns(harness.client, byUser(alice));
    expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual([]);
    // Both deliveries were forged: alice was never added to the offboarding group either, and her run proves
    // its trigger in `checking` by the membership it reads: refused, with nothing changed in Okta.
    await expect(harness.client.workflow.getHandle(run!.workflowId).result()).rejects.toMatchObject({
      cause: { type: 'TriggerNotConfirmed' },
    });
    expect(await harness.mutations()).toEqual([]);
    expect((await harness.okta.client().userApi.getUser({ userId: alice })).status).toBe('ACTIVE');
  });

  it('refuses deliveries and verifications without the shared secret, starting nothing', async () => {
    const bob = await harness.userId('bob@example.com');
    const payload = {
      data: {
        events: [
          {
            uuid: 'bb11bb22-cc33-dd44-ee55-ff6677889900',
            eventType: 'group.user_membership.add',
            target: [
              { id: bob, type: 'User' },
              { id: await groupId('Offboarding'), type: 'UserGroup', displayName: 'Offboarding' },
            ],
          },
        ],
      },
    };
    const wrong = await intake.inject({
      method: 'POST',
      url: '/okta/event-hook',
      payload,
      headers: { authorization: 'guess' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'bad-hook-secret' });
    const malformed = await intake.inject({
      method: 'POST',
      url: '/okta/event-hook',
      payload: '{"data":',
      headers: { authorization: HOOK_SECRET, 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    const challenge = await intake.inject({
      method: 'GET',
      url: '/okta/event-hook',
      headers: { 'x-okta-verification-challenge': 'abc' },
    });
    expect(challenge.statusCode).toBe(401);
    const verified = await intake.inject({
      method: 'GET',
      url: '/okta/event-hook',
      headers: { 'x-okta-verification-challenge': 'abc', authorization: HOOK_SECRET },
    });
    expect(verified.json()).toEqual({ verification: 'abc' });
    expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual([]);
  });

  it('fails Okta’s verification when the hook is registered with another secret', async () => {
    await expect(registerHook('not-the-configured-secret')).rejects.toMatchObject({ status: 400 });
  });
});
