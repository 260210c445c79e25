// The System Log poller on a real Temporal Schedule (interval 2 s): a user added to the Offboarding
// group gets one run, never a second one across polls, also when the event hook started it first.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePollerSchedule, pollerScheduleId } from '../../worker/schedule';
import { cancelSignal } from '../../workflows/definitions';
import type { PollResult } from '../../workflows/poll-offboarding-group';
import { OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { byUser, HOOK_SECRET, runsAfterSettling, testIntake, waitForRuns } from '../support/starters';

let harness: OffboardingHarness;
let intake: FastifyInstance;

beforeAll(async () => {
  harness = await OffboardingHarness.start({ policy: { offboardingGroup: 'Offboarding' } });
  await harness.seed(standardOrg());
  intake = await testIntake(harness);
  await intake.listen({ port: 0, host: '127.0.0.1' });
  await ensurePollerSchedule(harness.client, { taskQueue: harness.taskQueue, group: 'Offboarding', interval: '2s' });
});
afterAll(async () => {
  await harness?.client.schedule
    .getHandle(pollerScheduleId(harness.taskQueue))
    .delete()
    .catch(() => undefined);
  await intake?.close();
  await harness?.close();
});

async function offboardingGroupId(): Promise<string> {
  return (await harness.admin.state()).groups.find((group) => group.name === 'Offboarding')!.id!;
}

/** Completed polls of this test's schedule, newest first, with their results. */
async function completedPolls(): Promise<PollResult[]> {
  const results: PollResult[] = [];
  const query = `WorkflowType = "pollOffboardingGroup" AND TaskQueue = "${harness.taskQueue}" AND ExecutionStatus = "Completed"`;
  for await (const execution of harness.client.workflow.list({ query })) {
    results.push(await harness.client.workflow.getHandle(execution.workflowId, execution.runId).result());
  }
  return results;
}

/** Waits until `more` polls have completed after now. */
async function pollsPass(more: number): Promise<PollResult[]> {
  const before = (await completedPolls()).length;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const polls = await completedPolls();
    if (polls.length >= before + more || Date.now() > deadline) return polls;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('the System Log poller', () => {
  it('starts a run for a user added to the Offboarding group, and never a second one', async () => {
    const alice = await harness.userId('alice@example.com');
    await harness.okta.client().groupApi.assignUserToGroup({ groupId: await offboardingGroupId(), userId: alice });

    const runs = await waitForRuns(harness.client, byUser(alice), 1, 30_000);
    expect(runs).toHaveLength(1);
    const description = await harness.client.workflow.getHandle(runs[0]!.workflowId).describe();
    expect(description.searchAttributes).toMatchObject({ OffboardingSource: ['okta-group'] });

    const polls = await pollsPass(2);
    expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual(runs);
    // The cursor moved past the add and is handed from poll to poll.
    const eventId = description.searchAttributes.OffboardingEventId?.[0];
    expect(polls.some((poll) => poll.recent.some((event) => event.uuid === eventId))).toBe(true);
    expect(polls.filter((poll) => poll.started > 0)).toHaveLength(1);
    expect(polls.filter((poll) => poll.cursorFrom === 'schedule-start')).toHaveLength(1);
  });

  it('does not start a second run for an add the event hook already started', async () => {
    const port = (intake.server.address() as AddressInfo).port;
    const okta = harness.okta.client();
    const hook = await okta.eventHookApi.createEventHook({
      eventHook: {
        name: 'Offboarding trigger',
        events: { type: 'EVENT_TYPE', items: ['group.user_membership.add'] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: `http://127.0.0.1:${port}/okta/event-hook`,
            authScheme: { type: 'HEADER', key: 'Authorization', value: HOOK_SECRET },
          },
        },
      },
    });
    await okta.eventHookApi.verifyEventHook({ eventHookId: hook.id! });
    const bob = await harness.userId('bob@example.com');

    await okta.groupApi.assignUserToGroup({ groupId: await offboardingGroupId(), userId: bob });

    const runs = await waitForRuns(harness.client, byUser(bob), 1, 30_000);
    expect(runs).toHaveLength(1);
    await pollsPass(2);
    expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual(runs);
    const handle = harness.client.workflow.getHandle(runs[0]!.workflowId);
    await handle.signal(cancelSignal, { requestedBy: 'vitest' });
    expect((await handle.result()).requestedBy).toBe('okta-event-hook');
  });

  it('is created idempotently: a second worker start updates the same schedule', async () => {
    await ensurePollerSchedule(harness.client, { taskQueue: harness.taskQueue, group: 'Offboarding', interval: '3s' });
    const description = await harness.client.schedule.getHandle(pollerScheduleId(harness.taskQueue)).describe();
    expect(description.spec.intervals).toMatchObject([{ every: 3_000 }]);
    expect(description.policies.overlap).toBe('SKIP');
  });
});
