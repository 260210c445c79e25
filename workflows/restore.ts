// Rehire: restore from the snapshot, in reverse order of the runbook. Shared by `offboardUser`
// (rehire while the run is open) and `rehireUser` (after it closed).
import { patched, sleep } from '@temporalio/workflow';
import type { OffboardingSnapshot, RunPolicy } from './definitions';
import type { OktaCalls } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

/** Runs that started before it re-added groups and apps right after the activate call, racing Okta's activation. */
export const REHIRE_WAITS_FOR_ACTIVATION = 'rehire-waits-for-activation';

/** Okta activates asynchronously, usually within seconds; past this the changes' own retries (409 E0000112) take over. */
const ACTIVATION_WAIT_LIMIT_MS = 10 * 60_000;
const ACTIVATION_POLL_MAX_MS = 30_000;

export const NOT_RESTORABLE =
  'Sessions, OAuth tokens and MFA factors are not restorable: the person signs in again and re-enrolls their factors.';

export interface Rehire {
  userId: string;
  /** Absent when the run stopped before its snapshot, or no closed run left a report. */
  snapshot: OffboardingSnapshot | undefined;
  policy: RunPolicy;
  /** What the report tells the operator (what is not restored, what an admin must do). */
  notes: string[];
}

export async function restoreFromSnapshot(
  okta: OktaCalls,
  record: RunRecord,
  { userId, snapshot, policy, notes }: Rehire,
): Promise<void> {
  const userStep = record.begin('restoreUser', 'rehired');
  const user = await okta.call(
    'restoreUser',
    'revoke',
    `Restore user ${userId} (unsuspend or activate; Okta mails the person)`,
    { userId },
  );
  record.add(userStep, {
    id: userId,
    kind: 'user',
    outcome: user.outcome,
    reason: user.reason ?? `${user.from} -> ${user.to}`,
  });
  if (user.transitioning && patched(REHIRE_WAITS_FOR_ACTIVATION)) await untilActivated(okta, userId);
  record.finish(userStep);
  if (!snapshot) {
    notes.push('No snapshot was taken before the run stopped: no group or app had been changed.');
    return;
  }

  const trigger = policy.offboardingGroup?.toLowerCase();
  const groups = snapshot.groups.filter((group) => group.type === 'OKTA_GROUP');
  const groupStep = record.begin('addGroupMembership', 'rehired');
  await forEachLimited(groups, policy.itemConcurrency, async (group) => {
    if (trigger && (group.id.toLowerCase() === trigger || group.name.toLowerCase() === trigger)) {
      record.add(groupStep, {
        id: group.id,
        kind: 'group',
        outcome: 'skipped',
        reason: 'the offboarding group itself',
      });
      return;
    }
    const result = await okta.call(
      'addGroupMembership',
      'revoke',
      `Re-add ${userId} to group ${group.id} (${group.name})`,
      { groupId: group.id, userId },
    );
    record.add(groupStep, { id: group.id, kind: 'group', outcome: result.outcome, reason: result.reason });
    for (const ruleId of group.ruleIds) {
      notes.push(
        `Group ${group.id} (${group.name}) is managed by rule ${ruleId}; the user is on that rule's exclusion list. Remove them from it in Okta to let the rule manage the membership again.`,
      );
    }
  });
  record.finish(groupStep);

  const appStep = record.begin('assignApp', 'rehired');
  await forEachLimited(
    snapshot.apps.filter((app) => app.scope === 'USER'),
    policy.itemConcurrency,
    async (app) => {
      const args = { appId: app.id, userId, ...(app.profile ? { profile: app.profile } : {}) };
      const result = await okta.call(
        'assignApp',
        'revoke',
        `Re-assign app ${app.id} (${app.label}) to ${userId} with its app-user profile`,
        args,
      );
      record.add(appStep, { id: app.id, kind: 'app', outcome: result.outcome, reason: result.reason });
    },
  );
  record.finish(appStep);
  notes.push(NOT_RESTORABLE);
}

/**
 * Waits durably (a timer between reads, 1 s doubling up to 30 s) until Okta no longer shows
 * `transitioningToStatus`: before that, group adds and app assignments answer 409 E0000112.
 */
async function untilActivated(okta: OktaCalls, userId: string): Promise<void> {
  for (
    let waited = 0, pause = 1_000;
    waited < ACTIVATION_WAIT_LIMIT_MS;
    waited += pause, pause = Math.min(pause * 2, ACTIVATION_POLL_MAX_MS)
  ) {
    await sleep(pause);
    const user = await okta.call('getUser', 'revoke', `Read user ${userId}: is the activation done?`, { userId });
    if (!user.transitioningToStatus) return;
  }
}
