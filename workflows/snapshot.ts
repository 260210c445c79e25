// The snapshot: what the user could reach before the revocations (app assignments with their scope,
// factors, devices and who else holds them, OAuth clients, group rules), read from Okta. It is the
// audit "before" and the source for rehire: ids, types, scopes and statuses only.
import type { OffboardingSnapshot } from './definitions';
import type { OktaCalls } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

export interface SnapshotQuery {
  user: OffboardingSnapshot['user'];
  /** The groups the check read. */
  groups: Array<Omit<OffboardingSnapshot['groups'][number], 'ruleIds'>>;
  /** Listed at the lock, before the revocations emptied the list. */
  oauthClientIds: string[];
  itemConcurrency: number;
}

/** The `takeSnapshot` step. */
export async function snapshotStep(
  okta: OktaCalls,
  record: RunRecord,
  query: SnapshotQuery,
): Promise<OffboardingSnapshot> {
  const step = record.begin('takeSnapshot', 'snapshot');
  const snapshot = await readSnapshot(okta, query);
  const { groups, apps, factors, devices } = snapshot;
  record.finish(
    step,
    'done',
    `${groups.length} groups, ${apps.length} apps, ${factors.length} factors, ${devices.length} devices`,
  );
  return snapshot;
}

async function readSnapshot(
  okta: OktaCalls,
  { user, groups, oauthClientIds, itemConcurrency }: SnapshotQuery,
): Promise<OffboardingSnapshot> {
  const links = await okta.call('listAppLinks', 'revoke', `List app links of ${user.id}`, { userId: user.id });
  const apps: OffboardingSnapshot['apps'] = [];
  await forEachLimited(links, itemConcurrency, async (link) => {
    const summary = `Read assignment of app ${link.id} (${link.label})`;
    const assignment = await okta.call('getAppAssignment', 'revoke', summary, {
      appId: link.id,
      label: link.label,
      userId: user.id,
    });
    if (assignment) apps.push(assignment);
  });
  const factors = await okta.call('listFactors', 'revoke', `List factors of ${user.id}`, { userId: user.id });
  const devices: OffboardingSnapshot['devices'] = [];
  for (const device of await okta.call('listUserDevices', 'revoke', `List devices of ${user.id}`, {
    userId: user.id,
  })) {
    const summary = `Read holders of device ${device.id}`;
    const otherActiveUserIds = await okta.call('listOtherDeviceUsers', 'revoke', summary, {
      deviceId: device.id,
      userId: user.id,
    });
    devices.push({ ...device, otherActiveUserIds });
  }
  const oktaGroupIds = groups.filter((group) => group.type === 'OKTA_GROUP').map((group) => group.id);
  const rules = oktaGroupIds.length
    ? await okta.call('listGroupRules', 'revoke', "Read group rules of the user's groups", { groupIds: oktaGroupIds })
    : [];
  const ruleIdsOf = (groupId: string) => rules.filter((rule) => rule.groupIds.includes(groupId)).map((rule) => rule.id);
  apps.sort((a, b) => a.id.localeCompare(b.id));
  return {
    takenAt: new Date().toISOString(),
    user,
    groups: groups.map((group) => ({ ...group, ruleIds: ruleIdsOf(group.id) })),
    apps,
    factors,
    devices,
    oauthClientIds,
  };
}
