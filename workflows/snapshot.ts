// The snapshot: what the user could reach before the revocations (app assignments with their scope and
// direct ones' app-user profiles, factors, devices and who else holds them, OAuth clients, group rules),
// read from Okta. It is the audit "before" and the source for rehire.
import { patched } from '@temporalio/workflow';
import type { OffboardingSnapshot } from './definitions';
import type { OktaCalls, Urgency } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

/** Runs that started before it read apps by their links, one read per app: they still do. */
export const APP_INVENTORY = 'app-inventory-by-filtered-listing';

export interface SnapshotQuery {
  user: OffboardingSnapshot['user'];
  /** The groups the check read. */
  groups: Array<Omit<OffboardingSnapshot['groups'][number], 'ruleIds'>>;
  /** Listed at the lock, before the revocations emptied the list (runs before `fewer-okta-calls-per-person`). */
  oauthClientIds?: string[];
  itemConcurrency: number;
  /** Read each device's other holders (dry runs, and runs before `fewer-okta-calls-per-person`). */
  readHolders: boolean;
  /** Read in the lock phase, before an early deactivation destroyed it (see `Offboarding.lock`). */
  beforeDeactivation?: DestroyedByDeactivation;
  /**
   * List the factors (dry runs, and runs before `fewer-okta-calls-after-the-lock`). A real run resets every factor
   * whatever the list says (Okta lists only those the enrollment policy shows) and checks the list after the reset,
   * so the list before it is only a record: the System Log keeps each enrollment and the reset.
   */
  readFactors?: boolean;
}

/** What deactivation takes away or Okta hides from a deactivated user: the part of the snapshot read first. */
export type DestroyedByDeactivation = Pick<OffboardingSnapshot, 'apps' | 'factors' | 'devices'>;

/** The `takeSnapshot` step. */
export async function snapshotStep(
  okta: OktaCalls,
  record: RunRecord,
  query: SnapshotQuery,
): Promise<OffboardingSnapshot> {
  const step = record.begin('takeSnapshot', 'snapshot');
  const snapshot = await readSnapshot(okta, query);
  const { groups, apps, factors, devices } = snapshot;
  const early = query.beforeDeactivation ? ' (apps, factors and devices read before the early deactivation)' : '';
  const listed = factors ? `${factors.length} factors` : 'factors not listed (all are reset, then checked)';
  record.finish(
    step,
    'done',
    `${groups.length} groups, ${apps.length} apps, ${listed}, ${devices.length} devices${early}`,
  );
  return snapshot;
}

/**
 * App assignments (from the filtered app listing: provisioning-only apps included), factors and devices,
 * with their other holders when `readHolders` (a real run decides on the holders at wipe time; a dry run's plan
 * goes by these). A user already deactivated has no assignments left, and Okta answers 404 for their factors
 * and devices: none are read.
 */
export async function readDestroyedByDeactivation(
  okta: OktaCalls,
  user: OffboardingSnapshot['user'],
  urgency: Urgency,
  readHolders = true,
  readFactors = true,
): Promise<DestroyedByDeactivation> {
  const userId = user.id;
  if (user.status === 'DEPROVISIONED') {
    const apps = await okta.call('listAssignedApps', urgency, `List apps assigned to ${userId}`, { userId });
    return { apps, factors: [], devices: [] };
  }
  const [apps, factors, userDevices] = await Promise.all([
    okta.call('listAssignedApps', urgency, `List apps assigned to ${userId}`, { userId }),
    readFactors ? okta.call('listFactors', urgency, `List factors of ${userId}`, { userId }) : undefined,
    okta.call('listUserDevices', urgency, `List devices of ${userId}`, { userId }),
  ]);
  if (!readHolders) return { apps, ...(factors ? { factors } : {}), devices: userDevices };
  const devices: OffboardingSnapshot['devices'] = [];
  for (const device of userDevices) {
    const summary = `Read holders of device ${device.id}`;
    const otherActiveUserIds = await okta.call('listOtherDeviceUsers', urgency, summary, {
      deviceId: device.id,
      userId,
    });
    devices.push({ ...device, otherActiveUserIds });
  }
  return { apps, ...(factors ? { factors } : {}), devices };
}

async function readSnapshot(okta: OktaCalls, query: SnapshotQuery): Promise<OffboardingSnapshot> {
  const { user, groups, oauthClientIds } = query;
  const { apps, factors, devices } =
    query.beforeDeactivation ??
    (patched(APP_INVENTORY)
      ? await readDestroyedByDeactivation(okta, user, 'revoke', query.readHolders, query.readFactors ?? true)
      : await readByAppLinks(okta, query));
  const oktaGroupIds = groups.filter((group) => group.type === 'OKTA_GROUP').map((group) => group.id);
  const rules = oktaGroupIds.length
    ? await okta.call('listGroupRules', 'revoke', "Read group rules of the user's groups", { groupIds: oktaGroupIds })
    : [];
  const ruleIdsOf = (groupId: string) => rules.filter((rule) => rule.groupIds.includes(groupId)).map((rule) => rule.id);
  return {
    takenAt: new Date().toISOString(),
    user,
    groups: groups.map((group) => ({ ...group, ruleIds: ruleIdsOf(group.id) })),
    apps,
    ...(factors ? { factors } : {}),
    devices,
    ...(oauthClientIds ? { oauthClientIds } : {}),
  };
}

/** Before `APP_INVENTORY`: apps by their dashboard links (hidden-link apps missed), one assignment read per app. */
async function readByAppLinks(
  okta: OktaCalls,
  { user, itemConcurrency }: SnapshotQuery,
): Promise<DestroyedByDeactivation> {
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
  apps.sort((a, b) => a.id.localeCompare(b.id));
  return { apps, factors, devices };
}
