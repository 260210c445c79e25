// Rehire: restore from the snapshot, in reverse order of the runbook. Shared by `offboardUser`
// (rehire while the run is open) and `rehireUser` (after it closed).
import { patched, sleep } from '@temporalio/workflow';
import type { OffboardingSnapshot, RunPolicy, StepRecord } from './definitions';
import type { OktaCalls } from './okta-calls';
import { forEachLimited, type RunRecord } from './run-record';

/** Runs that started before it re-added groups and apps right after the activate call, racing Okta's activation. */
export const REHIRE_WAITS_FOR_ACTIVATION = 'rehire-waits-for-activation';

/** Okta activates asynchronously, usually within seconds; past this the changes' own retries (409 E0000112) take over. */
const ACTIVATION_WAIT_LIMIT_MS = 10 * 60_000;
const ACTIVATION_POLL_MAX_MS = 30_000;

/**
 * Runs that started before it restored every snapshot group and app, and the account to ACTIVE whatever it was
 * before, and re-activated a user even without a snapshot.
 */
export const RESTORES_WHAT_WAS_REMOVED = 'rehire-restores-what-the-run-removed';

/**
 * Runs that started before it, cancelled between the lock's first change and the snapshot, kept nothing a later
 * rehire could restore from, so `rehireUser` left the account locked (SUSPENDED, or deactivated early).
 */
export const REHIRE_AFTER_CANCEL_IN_LOCK = 'rehire-after-a-cancel-in-the-lock';

export const NOT_RESTORABLE =
  'Sessions, OAuth tokens and MFA factors are not restorable: the person signs in again and re-enrolls their factors.';

export interface Rehire {
  userId: string;
  /** Absent when the run stopped before its snapshot, or no closed run left a report. */
  snapshot: OffboardingSnapshot | undefined;
  policy: RunPolicy;
  /** What the report tells the operator (what is not restored, what an admin must do). */
  notes: string[];
  /** The offboarding run's steps: what it removed comes back, nothing else. */
  steps: StepRecord[];
  /** The status the run found, when it stopped before its snapshot (a rehire during the lock). */
  statusBefore?: string;
}

/** What the offboarding run took away, by its steps: memberships it removed, and apps it unassigned or whose assignments its deactivation removed. */
function removedByRun(steps: StepRecord[], snapshot: OffboardingSnapshot): { groups: Set<string>; apps: Set<string> } {
  const doneIn = (name: string) =>
    new Set(
      steps
        .filter((step) => step.step === name)
        .flatMap((step) => step.items)
        .filter((item) => item.outcome === 'done')
        .map((item) => item.id),
    );
  // Deactivation removes every app assignment (Okta deprovisions the user from each app).
  const deactivated = doneIn('deactivateUser').size > 0;
  const direct = snapshot.apps.filter((app) => app.scope === 'USER').map((app) => app.id);
  return { groups: doneIn('removeGroupMembership'), apps: deactivated ? new Set(direct) : doneIn('unassignApp') };
}

export async function restoreFromSnapshot(okta: OktaCalls, record: RunRecord, rehire: Rehire): Promise<void> {
  if (patched(RESTORES_WHAT_WAS_REMOVED)) return restoreWhatWasRemoved(okta, record, rehire);
  const { userId, snapshot, policy, notes } = rehire;
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

  const groups = snapshot.groups.filter((group) => group.type === 'OKTA_GROUP');
  const groupStep = record.begin('addGroupMembership', 'rehired');
  await forEachLimited(groups, policy.itemConcurrency, async (group) => {
    if (isTrigger(policy, group)) {
      record.add(groupStep, {
        id: group.id,
        kind: 'group',
        outcome: 'skipped',
        reason: 'the offboarding group itself',
      });
      return;
    }
    const result = await reAddGroup(okta, userId, group, notes);
    record.add(groupStep, { id: group.id, kind: 'group', outcome: result.outcome, reason: result.reason });
  });
  record.finish(groupStep);

  const appStep = record.begin('assignApp', 'rehired');
  await forEachLimited(
    snapshot.apps.filter((app) => app.scope === 'USER'),
    policy.itemConcurrency,
    async (app) => {
      const result = await reAssignApp(okta, userId, app);
      record.add(appStep, { id: app.id, kind: 'app', outcome: result.outcome, reason: result.reason });
    },
  );
  record.finish(appStep);
  notes.push(NOT_RESTORABLE);
}

/**
 * Rehire as the run left things: the account back to the status the run found (SUSPENDED stays SUSPENDED), and
 * only the memberships and direct assignments the run removed, each item saying why it is or is not restored.
 * Without a snapshot or a known status (the run failed or was cancelled before it changed anything), nothing.
 */
async function restoreWhatWasRemoved(
  okta: OktaCalls,
  record: RunRecord,
  { userId, snapshot, policy, notes, steps, statusBefore }: Rehire,
): Promise<void> {
  const before = snapshot?.user.status ?? statusBefore;
  if (!before) {
    notes.push(
      'The offboarding run changed nothing it recorded (it ended before its snapshot): rehire changes nothing.',
    );
    return;
  }
  const userStep = record.begin('restoreUser', 'rehired');
  const user = await okta.call('restoreUser', 'revoke', `Restore user ${userId} to ${before}, as the run found it`, {
    userId,
    toStatus: before,
  });
  let reached = user.to;
  if (user.transitioning) reached = await untilActivated(okta, userId);
  if (before === 'SUSPENDED' && reached === 'ACTIVE') {
    // Okta has no way from DEPROVISIONED to SUSPENDED: activated just now, suspended again at once.
    const suspended = await okta.call('suspendUser', 'revoke', `Suspend ${userId} again, as the run found them`, {
      userId,
    });
    reached = suspended.to;
  }
  const how = user.reason ? `; ${user.reason}` : '';
  record.add(userStep, {
    id: userId,
    kind: 'user',
    outcome: user.outcome,
    reason: `${user.from} -> ${reached} (${before} before the run${how})`,
  });
  record.finish(userStep);
  if (before === 'STAGED' && reached !== 'STAGED')
    notes.push(`The user was STAGED before the run; Okta cannot return a user to STAGED: now ${reached}, not mailed.`);
  if (!snapshot) {
    notes.push('The run stopped before its snapshot: only the account status is restored.');
    return;
  }

  const removed = removedByRun(steps, snapshot);
  const groupStep = record.begin('addGroupMembership', 'rehired');
  await forEachLimited(snapshot.groups, policy.itemConcurrency, async (group) => {
    const skip = (reason: string) =>
      record.add(groupStep, { id: group.id, kind: 'group', outcome: 'not-needed', reason });
    if (isTrigger(policy, group)) return skip('the offboarding group itself');
    if (!removed.groups.has(group.id)) return skip('the run did not remove this membership');
    const result = await reAddGroup(okta, userId, group, notes);
    record.add(groupStep, { id: group.id, kind: 'group', outcome: result.outcome, reason: result.reason });
  });
  record.finish(groupStep);

  const appStep = record.begin('assignApp', 'rehired');
  await forEachLimited(snapshot.apps, policy.itemConcurrency, async (app) => {
    if (app.scope !== 'USER' || !removed.apps.has(app.id)) {
      const reason = app.scope !== 'USER' ? 'comes back with the group membership' : 'the run did not remove it';
      record.add(appStep, { id: app.id, kind: 'app', outcome: 'not-needed', reason });
      return;
    }
    const result = await reAssignApp(okta, userId, app);
    record.add(appStep, { id: app.id, kind: 'app', outcome: result.outcome, reason: result.reason });
  });
  record.finish(appStep);
  notes.push(NOT_RESTORABLE);
}

/** The trigger group itself: never restored, or the person would leave again. */
function isTrigger(policy: RunPolicy, group: OffboardingSnapshot['groups'][number]): boolean {
  const trigger = policy.offboardingGroup?.toLowerCase();
  return !!trigger && (group.id.toLowerCase() === trigger || group.name.toLowerCase() === trigger);
}

/** Re-adds one membership; a rule-managed one also gets a note about the rule's exclusion list. */
async function reAddGroup(
  okta: OktaCalls,
  userId: string,
  group: OffboardingSnapshot['groups'][number],
  notes: string[],
) {
  const result = await okta.call(
    'addGroupMembership',
    'revoke',
    `Re-add ${userId} to group ${group.id} (${group.name})`,
    { groupId: group.id, userId },
  );
  for (const ruleId of group.ruleIds) {
    notes.push(
      `Group ${group.id} (${group.name}) is managed by rule ${ruleId}; the user is on that rule's exclusion list. Remove them from it in Okta to let the rule manage the membership again.`,
    );
  }
  return result;
}

/** Re-assigns one direct app with the app-user profile the snapshot kept. */
function reAssignApp(okta: OktaCalls, userId: string, app: OffboardingSnapshot['apps'][number]) {
  const args = { appId: app.id, userId, ...(app.profile ? { profile: app.profile } : {}) };
  return okta.call(
    'assignApp',
    'revoke',
    `Re-assign app ${app.id} (${app.label}) to ${userId} with its app-user profile`,
    args,
  );
}

/**
 * Waits durably (a timer between reads, 1 s doubling up to 30 s) until Okta no longer shows
 * `transitioningToStatus`: before that, group adds and app assignments answer 409 E0000112.
 */
async function untilActivated(okta: OktaCalls, userId: string): Promise<string> {
  let status = 'ACTIVE';
  for (
    let waited = 0, pause = 1_000;
    waited < ACTIVATION_WAIT_LIMIT_MS;
    waited += pause, pause = Math.min(pause * 2, ACTIVATION_POLL_MAX_MS)
  ) {
    await sleep(pause);
    const user = await okta.call('getUser', 'revoke', `Read user ${userId}: is the activation done?`, { userId });
    status = user.transitioningToStatus ?? user.status;
    if (!user.transitioningToStatus) return status;
  }
  return status;
}
