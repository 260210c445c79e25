// The post-conditions of an offboarding (docs/architecture.md section 3, steps 5, 6 and 10), read back
// from Okta: anything that still grants access is residue, reported item by item. Each kind of access is
// checked where Okta shows it: before deactivation for what Okta hides from a deactivated user (factors,
// consent grants, OAuth clients), after it only for what Okta keeps answering (status, group memberships,
// app users, device records by id). A 404 from one of those is a failure to verify, never "nothing left".
import { patched } from '@temporalio/workflow';
import type { Phase, Residue } from './definitions';
import type { OktaCalls } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

/** Runs that started before verification followed what Okta answers verify as they did (every kind after deactivation). */
export const VERIFY_WHERE_OKTA_ANSWERS = 'verify-where-okta-answers';

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
  /**
   * Group memberships and app assignments were verified after deactivation, with no wait since: only the status and
   * the devices are read again.
   */
  groupsAndAppsVerified?: boolean;
  /**
   * The deleted devices are not read again: Okta's answer to each DELETE (204, or 404 when already gone) is the
   * proof, and a deleted device cannot come back (re-enrolling makes a new device id).
   */
  deletionsConfirmed?: boolean;
}

export interface RevokedQuery {
  userId: string;
  /** Direct assignments Okta refused to unassign because a group grants the app too: reported with that group. */
  appsLeftToGroups: string[];
}

/** Clients still listed after the lock's revocations get their tokens revoked here (the lock no longer lists them). */
export type RevokeSurvivors = (clientIds: string[]) => Promise<void>;

/**
 * Before deactivation: what Okta hides once the user is deactivated, factors and OAuth clients (a client is listed
 * while the user holds a grant or a token for it, so the list covers consent grants). Group memberships and apps
 * are verified after deactivation, where Okta still answers for them.
 */
async function findHiddenResidue(
  okta: OktaCalls,
  userId: string,
  revokeSurvivors: RevokeSurvivors,
): Promise<Residue[]> {
  const [factors, listed] = await Promise.all([
    okta.call('listFactors', 'revoke', `Verify: factors of ${userId}`, { userId }),
    okta.call('listOAuthClients', 'revoke', `Verify: OAuth clients of ${userId}`, { userId }),
  ]);
  let clients = listed;
  if (clients.length > 0) {
    await revokeSurvivors(clients);
    clients = await okta.call(
      'listOAuthClients',
      'revoke',
      `Verify: OAuth clients of ${userId} after revoking their tokens`,
      {
        userId,
      },
    );
  }
  const residue: Residue[] = factors.map((factor) => ({
    kind: 'factor',
    id: factor.id,
    detail: `${factor.factorType} factor still enrolled (${factor.status})`,
  }));
  for (const clientId of clients)
    residue.push({ kind: 'client', id: clientId, detail: 'OAuth client still holds tokens or grants' });
  return sorted(residue);
}

/** Before deactivation: what the revocations should have removed, while Okta still shows it. */
export async function findResidueBeforeDeactivation(
  okta: OktaCalls,
  { userId, appsLeftToGroups }: RevokedQuery,
  revokeSurvivors?: RevokeSurvivors,
): Promise<Residue[]> {
  if (revokeSurvivors) return findHiddenResidue(okta, userId, revokeSurvivors);
  const residue: Residue[] = [];
  const [groups, apps, factors, grants, clients] = await Promise.all([
    okta.call('listUserGroups', 'revoke', `Verify: groups of ${userId}`, { userId }),
    okta.call('listAssignedApps', 'revoke', `Verify: apps assigned to ${userId}`, { userId }),
    okta.call('listFactors', 'revoke', `Verify: factors of ${userId}`, { userId }),
    okta.call('listUserGrants', 'revoke', `Verify: consent grants of ${userId}`, { userId }),
    okta.call('listOAuthClients', 'revoke', `Verify: OAuth clients of ${userId}`, { userId }),
  ]);
  residue.push(...groupResidue(groups.groups));
  for (const app of apps.filter((entry) => entry.scope === 'USER' && !appsLeftToGroups.includes(entry.id))) {
    residue.push({ kind: 'app', id: app.id, detail: `direct assignment to ${app.label} left` });
  }
  for (const factor of factors)
    residue.push({
      kind: 'factor',
      id: factor.id,
      detail: `${factor.factorType} factor still enrolled (${factor.status})`,
    });
  for (const grantId of grants) residue.push({ kind: 'grant', id: grantId, detail: 'consent grant left' });
  for (const clientId of clients)
    residue.push({ kind: 'client', id: clientId, detail: 'OAuth client still holds tokens or grants' });
  return sorted(residue);
}

/** After deactivation (or deletion): only what Okta keeps answering for a deactivated user. */
export async function findResidue(okta: OktaCalls, query: ResidueQuery): Promise<Residue[]> {
  if (!patched(VERIFY_WHERE_OKTA_ANSWERS)) return findResidueEverywhere(okta, query);
  const { userId, expectDeleted } = query;
  const residue: Residue[] = [];
  const status = await okta.call('readUserStatus', 'revoke', `Verify: status of ${userId}`, { userId });
  residue.push(...statusResidue(userId, status, expectDeleted));
  if (status !== undefined && !query.groupsAndAppsVerified) {
    const [groups, apps] = await Promise.all([
      okta.call('listUserGroups', 'revoke', `Verify: groups of ${userId}`, { userId }),
      okta.call('listAssignedApps', 'revoke', `Verify: apps assigned to ${userId}`, { userId }),
    ]);
    residue.push(...groupResidue(groups.groups));
    for (const app of apps.filter((entry) => entry.scope === 'USER'))
      residue.push({ kind: 'app', id: app.id, detail: `direct assignment to ${app.label} left` });
  }
  residue.push(...(await deviceResidue(okta, query)));
  return sorted(residue);
}

/** Before `VERIFY_WHERE_OKTA_ANSWERS`: every kind read after deactivation, apps by their links. */
async function findResidueEverywhere(okta: OktaCalls, query: ResidueQuery): Promise<Residue[]> {
  const { userId, expectDeleted, itemConcurrency } = query;
  const residue: Residue[] = [];
  const status = await okta.call('readUserStatus', 'revoke', `Verify: status of ${userId}`, { userId });
  residue.push(...statusResidue(userId, status, expectDeleted));
  if (status !== undefined) {
    const { groups } = await okta.call('listUserGroups', 'revoke', `Verify: groups of ${userId}`, { userId });
    residue.push(...groupResidue(groups));
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
  residue.push(...(await deviceResidue(okta, query)));
  return sorted(residue);
}

function statusResidue(userId: string, status: string | undefined, expectDeleted: boolean): Residue[] {
  if (status === undefined)
    return expectDeleted
      ? []
      : [{ kind: 'user-status', id: userId, detail: 'user no longer exists (deleted outside this run)' }];
  if (expectDeleted) return [{ kind: 'user-status', id: userId, detail: `user still exists (${status})` }];
  return status === 'DEPROVISIONED'
    ? []
    : [{ kind: 'user-status', id: userId, detail: `status ${status}, expected DEPROVISIONED` }];
}

function groupResidue(groups: Array<{ id: string; name: string; type: string }>): Residue[] {
  return groups
    .filter((group) => group.type === 'OKTA_GROUP')
    .map((group) => ({ kind: 'group', id: group.id, detail: `still a member of OKTA_GROUP ${group.name}` }));
}

async function deviceResidue(
  okta: OktaCalls,
  { deletedDeviceIds, itemConcurrency, deletionsConfirmed }: ResidueQuery,
): Promise<Residue[]> {
  const residue: Residue[] = [];
  if (deletionsConfirmed) return residue;
  await forEachLimited(deletedDeviceIds, itemConcurrency, async (deviceId) => {
    const device = await okta.call('getDevice', 'revoke', `Verify: device ${deviceId} deleted`, { deviceId });
    if (device) residue.push({ kind: 'device', id: deviceId, detail: `device still exists (${device.status})` });
  });
  return residue;
}

const sorted = (residue: Residue[]): Residue[] =>
  residue.sort((a, b) => `${a.kind}${a.id}`.localeCompare(`${b.kind}${b.id}`));

/** What the final verification did not read again, and why, for its step's reason. */
function verificationScope({ groupsAndAppsVerified, deletionsConfirmed, deletedDeviceIds }: ResidueQuery): string {
  const devices = deletedDeviceIds.length
    ? deletionsConfirmed
      ? `; ${deletedDeviceIds.length} device deletion(s) confirmed by Okta's answer to the DELETE`
      : `; ${deletedDeviceIds.length} deleted device(s) read again`
    : '';
  if (groupsAndAppsVerified)
    return ` (status read again; groups and apps verified after deactivation, no wait since${devices})`;
  return devices ? ` (${devices.slice(2)})` : '';
}

/** One verification step: records what is left, and throws `ResidueFound` if anything is. */
export async function verifyStep(
  okta: OktaCalls,
  record: RunRecord,
  step: string,
  phase: Phase,
  query: ResidueQuery,
  sweep?: Sweep,
): Promise<void> {
  const verification = record.begin(step, phase);
  let residue = await findResidue(okta, query);
  const swept = residue.length > 0 && !!sweep && (await sweep.remove(residue));
  if (swept) residue = await findResidue(okta, query);
  const scope = verificationScope(query);
  const after = swept ? `, after ${sweep.removed}` : '';
  record.finish(
    verification,
    residue.length ? 'failed' : 'done',
    residue.length ? `${residue.length} item(s) left${scope}${after}` : `no access left${scope}${after}`,
  );
  if (residue.length) throw new ResidueFound(residue);
}

/** What a verification may remove itself before it reads again: `remove` says whether it removed anything. */
export interface Sweep {
  remove(residue: Residue[]): Promise<boolean>;
  /** For the verification's reason: what was removed. */
  removed: string;
}

/**
 * The check after the revocations, before deactivation hides factors, grants and OAuth clients. If the
 * reads fail because someone deactivated the user meanwhile (Okta then answers 404), there is nothing
 * Okta shows here any more: the check after deactivation is what remains. Returns whether it checked.
 */
export async function verifyRevokedStep(
  okta: OktaCalls,
  record: RunRecord,
  query: RevokedQuery,
  revokeSurvivors?: RevokeSurvivors,
): Promise<boolean> {
  const verification = record.begin('verifyRevoked', 'revoking');
  let residue: Residue[];
  try {
    residue = await findResidueBeforeDeactivation(okta, query, revokeSurvivors);
  } catch (error) {
    const status = await okta.call('readUserStatus', 'revoke', `Verify: status of ${query.userId}`, {
      userId: query.userId,
    });
    if (status !== 'DEPROVISIONED') throw error;
    record.finish(
      verification,
      'not-needed',
      'deactivated outside this run meanwhile: Okta hides factors, grants and OAuth clients',
    );
    return false;
  }
  record.finish(
    verification,
    residue.length ? 'failed' : 'done',
    residue.length ? `${residue.length} item(s) left` : 'no access left',
  );
  if (residue.length) throw new ResidueFound(residue);
  return true;
}
