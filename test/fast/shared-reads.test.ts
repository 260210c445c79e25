// Org-wide reads every run makes (activities/shared-read.ts): a layoff's snapshots share one listing of the org's
// group rules per minute instead of one per person, and a failed listing is asked again, not kept. Real SDK,
// emulator over HTTP, the activities as the worker builds them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Org } from '@okta-offboarding/okta-emulator';
import { startTestEmulator, TOKEN, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import { createActivities } from '../../activities';
import { GROUP_RULES_SHARED_MS } from '../../activities/groups';
import { DEFAULT_POLICY } from '../../activities/policy';
import { sharedRead } from '../../activities/shared-read';
import { createOktaClient } from '../../okta/client';
import { runActivity } from '../support/activities';

let okta: TestEmulator;

const org: Org = {
  groups: [
    { name: 'Everyone', type: 'BUILT_IN' },
    { name: 'Engineering', type: 'OKTA_GROUP', rule: { name: 'Engineering department' } },
    { name: 'Sales', type: 'OKTA_GROUP', rule: { name: 'Sales department' } },
    { name: 'Plain', type: 'OKTA_GROUP' },
  ],
  apps: [],
  users: [],
  devices: [],
};

beforeAll(async () => {
  okta = await startTestEmulator({});
  await okta.admin.seed(org);
});
afterAll(async () => {
  expect(okta.takeViolations()).toEqual([]);
  await okta.emulator.close();
});

const rulesListings = async () =>
  (await okta.admin.requests()).filter((entry) => entry.method === 'GET' && entry.path === '/api/v1/groups/rules')
    .length;

function workerActivities(groupRulesSharedMs?: number) {
  const client = createOktaClient({ orgUrl: okta.url, auth: { kind: 'api-token', token: TOKEN } });
  return createActivities(client, DEFAULT_POLICY, undefined, undefined, undefined, { groupRulesSharedMs });
}

async function groupIds(): Promise<Record<string, string>> {
  const state = await okta.admin.state();
  return Object.fromEntries(state.groups.map((group) => [group.name, group.id as string]));
}

describe("the org's group rules", () => {
  it('are listed once for every snapshot of the worker within a minute, in flight or after, each run getting its own', async () => {
    const ids = await groupIds();
    const activities = workerActivities();
    await okta.admin.clearRequests();

    const [engineering, sales, plain] = await Promise.all([
      runActivity(activities.listGroupRules, { groupIds: [ids.Engineering as string] }),
      runActivity(activities.listGroupRules, { groupIds: [ids.Sales as string, ids.Plain as string] }),
      runActivity(activities.listGroupRules, { groupIds: [ids.Plain as string] }),
    ]);
    const later = await runActivity(activities.listGroupRules, { groupIds: [ids.Engineering as string] });

    expect(await rulesListings(), 'one listing for four runs').toBe(1);
    expect(engineering.map((rule) => rule.groupIds)).toEqual([[ids.Engineering]]);
    expect(sales.map((rule) => rule.groupIds)).toEqual([[ids.Sales]]);
    expect(plain).toEqual([]);
    expect(later).toEqual(engineering);
    expect(GROUP_RULES_SHARED_MS).toBe(60_000);
  });

  it('are listed again after a failed listing: the failure is not shared with the next run', async () => {
    const ids = await groupIds();
    const activities = workerActivities();
    await okta.admin.clearRequests();
    await okta.admin.addFault({ route: '/api/v1/groups/rules', method: 'GET', status: 500, count: 1 });

    await expect(runActivity(activities.listGroupRules, { groupIds: [ids.Engineering as string] })).rejects.toThrow();
    const retried = await runActivity(activities.listGroupRules, { groupIds: [ids.Engineering as string] });
    await okta.admin.clearFaults();

    expect(retried.map((rule) => rule.groupIds)).toEqual([[ids.Engineering]]);
    expect(await rulesListings()).toBe(2);
  });

  it('are listed by every run when the sharing is off (0)', async () => {
    const ids = await groupIds();
    const activities = workerActivities(0);
    await okta.admin.clearRequests();
    for (let i = 0; i < 3; i++) await runActivity(activities.listGroupRules, { groupIds: [ids.Sales as string] });
    expect(await rulesListings()).toBe(3);
  });
});

describe('a shared read', () => {
  it('asks again once its window has passed', async () => {
    let reads = 0;
    const read = sharedRead(30, async () => ++reads);
    expect([await read(), await read()]).toEqual([1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await read()).toBe(2);
  });
});
