// The post-conditions of an offboarding (docs/architecture.md section 3, step 10), read back from
// Okta: anything that still grants access is residue, reported item by item.
import type { Phase, Residue } from './definitions';
import type { OktaCalls } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

/** Verification found access left: the run cannot end `completed`. */
export class ResidueFound extends Error {
  constructor(readonly residue: Residue[]) {
    super(
      `${residue.length} item(s) still grant access: ${residue.map((item) => `${item.kind} ${item.id}`).join(', ')}`,
    );
  }
}

export interface ResidueQuery {
  userId: string;
  /** `deleteAfter` ran: the user must be gone. */
  expectDeleted: boolean;
  /** Devices the run decommissioned: each must be gone. */
  deletedDeviceIds: string[];
  itemConcurrency: number;
}

export async function findResidue(
  okta: OktaCalls,
  { userId, expectDeleted, deletedDeviceIds, itemConcurrency }: ResidueQuery,
): Promise<Residue[]> {
  const residue: Residue[] = [];
  const status = await okta.call('readUserStatus', 'revoke', `Verify: status of ${userId}`, { userId });
  if (status === undefined) {
    if (!expectDeleted)
      residue.push({ kind: 'user-status', id: userId, detail: 'user no longer exists (deleted outside this run)' });
  } else {
    if (expectDeleted) residue.push({ kind: 'user-status', id: userId, detail: `user still exists (${status})` });
    else if (status !== 'DEPROVISIONED')
      residue.push({ kind: 'user-status', id: userId, detail: `status ${status}, expected DEPROVISIONED` });

    const { groups } = await okta.call('listUserGroups', 'revoke', `Verify: groups of ${userId}`, { userId });
    for (const group of groups.filter((entry) => entry.type === 'OKTA_GROUP')) {
      residue.push({ kind: 'group', id: group.id, detail: `still a member of OKTA_GROUP ${group.name}` });
    }
    const links = await okta.call('listAppLinks', 'revoke', `Verify: app links of ${userId}`, { userId });
    await forEachLimited(links, itemConcurrency, async (link) => {
      const assignment = await okta.call('getAppAssignment', 'revoke', `Verify: assignment of app ${link.id}`, {
        appId: link.id,
        label: link.label,
        userId,
      });
      if (assignment?.scope === 'USER')
        residue.push({ kind: 'app', id: link.id, detail: `direct assignment to ${link.label} left` });
    });
    for (const factor of await okta.call('listFactors', 'revoke', `Verify: factors of ${userId}`, { userId })) {
      residue.push({
        kind: 'factor',
        id: factor.id,
        detail: `${factor.factorType} factor still enrolled (${factor.status})`,
      });
    }
    for (const grantId of await okta.call('listUserGrants', 'revoke', `Verify: consent grants of ${userId}`, {
      userId,
    })) {
      residue.push({ kind: 'grant', id: grantId, detail: 'consent grant left' });
    }
    for (const clientId of await okta.call('listOAuthClients', 'revoke', `Verify: OAuth clients of ${userId}`, {
      userId,
    })) {
      residue.push({ kind: 'client', id: clientId, detail: 'OAuth client still holds tokens or grants' });
    }
  }
  await forEachLimited(deletedDeviceIds, itemConcurrency, async (deviceId) => {
    const device = await okta.call('getDevice', 'revoke', `Verify: device ${deviceId} deleted`, { deviceId });
    if (device) residue.push({ kind: 'device', id: deviceId, detail: `device still exists (${device.status})` });
  });
  return residue.sort((a, b) => `${a.kind}${a.id}`.localeCompare(`${b.kind}${b.id}`));
}

/** One verification step: records what is left, and throws `ResidueFound` if anything is. */
export async function verifyStep(
  okta: OktaCalls,
  record: RunRecord,
  step: string,
  phase: Phase,
  query: ResidueQuery,
): Promise<void> {
  const verification = record.begin(step, phase);
  const residue = await findResidue(okta, query);
  record.finish(
    verification,
    residue.length ? 'failed' : 'done',
    residue.length ? `${residue.length} item(s) left` : 'no access left',
  );
  if (residue.length) throw new ResidueFound(residue);
}
