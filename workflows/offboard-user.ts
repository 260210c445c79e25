// The offboarding runbook (docs/architecture.md section 3), one run per person: wait for the
// effective date, check, lock, snapshot, revoke, deactivate, wait, decommission devices, optionally
// delete, verify. Beside it: the operators' messages, waits and safe points (steering.ts), the wait
// for `retry` after a failure (needs-attention.ts), real or planned changes (changes.ts), the
// status and report (report.ts).
import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import { Approval } from './admission';
import { PlannedChanges, RealChanges, type Changes } from './changes';
import {
  statusQuery,
  type MilestoneName,
  type OffboardingReport,
  type OffboardingRequest,
  type OffboardingSnapshot,
  parseDuration,
  type Residue,
  type RunOutcome,
  type RunPolicy,
} from './definitions';
import { decommissionDevices } from './devices';
import { Milestones } from './milestones';
import { LinkedOrgs } from './linked-orgs';
import { deactivatesInLock } from './lock-out';
import { describeFailure, parkingOnFailure, type Failure, type UntilDone } from './needs-attention';
import { FEWER_CALLS, FEWER_CALLS_AFTER_LOCK, OktaCalls, readRunPolicy } from './okta-calls';
import { Progress } from './report';
import { REHIRE_AFTER_CANCEL_IN_LOCK, restoreFromSnapshot } from './restore';
import { forEachLimited, type RunRecord } from './run-record';
import { confirmTrigger, readForCheck, refuse } from './protection';
import { readDestroyedByDeactivation, snapshotStep, type DestroyedByDeactivation } from './snapshot';
import { isStop, Steering } from './steering';
import { VERIFY_WHERE_OKTA_ANSWERS, verifyRevokedStep, verifyStep } from './verify';

/** Runs that started before it reset factors only when the snapshot listed some (Okta's list is policy-filtered). */
const ALWAYS_RESET_FACTORS = 'always-reset-factors';
/** Runs that started before it do not report how long access tokens issued before the lock stay valid. */
const REPORT_ACCESS_TOKENS = 'report-access-token-lifetime';
/** Runs that started before it read the check at lock priority, level with other people's lock-out calls. */
const CHECK_BEHIND_LOCK = 'check-behind-lock-priority';
/** Runs that started before it act without asking the blast-radius guard (workflows/admission.ts). */
const BLAST_RADIUS_GUARD = 'blast-radius-guard';
/**
 * Runs that started before it decided the blast-radius guard after the run policy's local activity. A worker under
 * load can complete the workflow task that holds that activity's result before the code after it has run; the
 * guard's marker then lands in the next task, while a replay reads the result in the first and meets the guard
 * before Temporal has told it of the marker: a nondeterminism error (the likely cause of the one CI met after a
 * worker replacement). Decided in the first activation, it cannot move.
 */
const GUARD_DECIDED_FIRST = 'guard-decided-in-first-activation';
/** Runs that started before it restored only the status after a rehire that came between an early deactivation and the snapshot. */
const REHIRE_AFTER_EARLY_DEACTIVATION = 'rehire-after-early-deactivation';
/** Runs that started before it restored on a `rehire` signal without asking whether the account became protected. */
const REHIRE_CHECKS_PROTECTION = 'rehire-of-an-open-run-checks-protection';

export async function offboardUser(request: OffboardingRequest): Promise<OffboardingReport> {
  return new Offboarding(request).run();
}

type User = OffboardingSnapshot['user'];
type Group = Omit<OffboardingSnapshot['groups'][number], 'ruleIds'>;

class Offboarding {
  private readonly userId: string;
  private readonly progress: Progress;
  private readonly record: RunRecord;
  private readonly steering: Steering;
  private readonly changes: Changes;
  private readonly untilDone: UntilDone;
  private readonly milestones: Milestones;
  /** The linked orgs (Org2Org) this run offboards the person from too (linked-orgs.ts); none before the lock. */
  private linked?: LinkedOrgs;
  private policy!: RunPolicy;
  private okta!: OktaCalls;
  /** The user's status as this run last knew it: saves a read at deactivation. */
  private knownStatus?: string;
  /** The status the run found: what a rehire restores when the run stopped before its snapshot. */
  private statusFound?: string;
  /** The groups the check read: with `beforeDeactivation`, what a rehire before the snapshot restores from. */
  private groupsFound?: Group[];
  /** The devices this run deleted: verification checks that each is gone. */
  private readonly deletedDeviceIds: string[] = [];
  /**
   * Groups and apps verified after deactivation, with no wait since (no device-wipe delay, no needs-attention): the
   * final verification re-reads status and devices only. `parkings` counts the needs-attention waits at that time.
   */
  private accessVerified?: { parkings: number };
  /** Read in the lock phase when it deactivates the user (lock-out.ts): apps, factors, devices. */
  private beforeDeactivation?: DestroyedByDeactivation;

  constructor(private readonly request: OffboardingRequest) {
    this.userId = request.userId;
    this.progress = new Progress(request);
    this.record = this.progress.record;
    this.steering = new Steering(request.effectiveAt, this.progress);
    setHandler(statusQuery, () => this.progress.status(this.steering));
    const safePoint = () => this.steering.checkpoint();
    this.changes = request.dryRun
      ? new PlannedChanges(this.progress, safePoint)
      : new RealChanges(() => this.okta, this.progress, safePoint);
    this.untilDone = parkingOnFailure(this.progress, this.steering);
    const report = () => ({ kind: 'offboard' as const, report: this.progress.soFar(this.steering) });
    const notifies = (name: MilestoneName) => this.policy?.notify?.includes(name) ?? false;
    this.milestones = new Milestones(report, this.progress.notes, notifies, request.dryRun);
    this.progress.onMilestone = (name) => this.milestones.reach(name);
  }

  run(): Promise<OffboardingReport> {
    const approval = new Approval(this.request, this.progress, this.steering);
    this.progress.announce(this.steering.effectiveAt);
    return this.steering.obeyingStops(
      async () => {
        const guardedFirst = patched(GUARD_DECIDED_FIRST) ? patched(BLAST_RADIUS_GUARD) : undefined;
        this.policy = await readRunPolicy();
        this.okta = new OktaCalls(this.policy);
        this.milestones.reach('started');
        await this.waitForEffectiveDate();
        const guarded = guardedFirst ?? patched(BLAST_RADIUS_GUARD);
        if (guarded) await this.askAdmission(approval);
        let { user, groups } = await this.check();
        // After a wait that may have lasted days, the lock works from what Okta says now.
        if (guarded && (await this.awaitMemberApproval(approval, groups))) ({ user, groups } = await this.check());
        const oauthClientIds = await this.lock(user);
        const { policy, userId, progress, changes, untilDone } = this;
        this.linked = LinkedOrgs.forRun({
          policy,
          userId,
          progress,
          changes,
          untilDone,
          safePoint: () => this.steering.checkpoint(),
        });
        await this.linked?.lock();
        this.milestones.reach('locked-out');
        const accessTokens = patched(REPORT_ACCESS_TOKENS) ? this.noteAccessTokens(Date.now()) : undefined;
        const snapshot = await this.takeSnapshot(user, groups, oauthClientIds);
        await this.untilDone('revoke-and-deactivate', async () => {
          const appsLeftToGroups = await this.revoke(snapshot);
          await this.verifyRevoked(appsLeftToGroups);
          await this.deactivate(user);
          await this.verifyAccess();
        });
        await this.linked?.offboard();
        await accessTokens;
        await this.waitForDeviceWipe();
        await this.untilDone('wipe-devices', () => this.wipeDevices(snapshot.devices));
        if (this.request.deleteAfter) {
          await this.waitForDeletion(this.request.deleteAfter);
          await this.untilDone('delete-user', () => this.deleteUser());
        }
        await this.untilDone('verify', () => this.verify());
        // A cancel or rehire that arrived during the last step still ends the run.
        this.steering.checkpoint();
        return this.finish(this.changes.outcome);
      },
      () => this.endOnStop(),
    );
  }

  /** 1. scheduled: `reschedule` moves the effective date, `expedite` ends the wait. */
  private async waitForEffectiveDate(): Promise<void> {
    const at = this.steering.effectiveAt;
    if (at === undefined || !(at > Date.now())) return; // absent, past, or not a date (NaN)
    await this.changes.wait(`wait until ${new Date(at).toISOString()}`, () => this.steering.untilEffectiveDate());
  }

  /**
   * 1b. awaiting-approval, before any Okta call: the blast-radius guard counts this start with every other
   * starter's; past the threshold, or while paused, the run waits here for an operator's `approve`.
   */
  private async askAdmission(approval: Approval): Promise<void> {
    await this.changes.wait('ask the blast-radius guard to admit it (it counts the start)', () =>
      approval.admit(this.policy),
    );
  }

  /** 2b. awaiting-approval again, after the check's reads: members of approval-required groups always wait. */
  private async awaitMemberApproval(approval: Approval, groups: Group[]): Promise<boolean> {
    const reason = approval.requirement(groups, this.policy);
    if (!reason) return false;
    await this.changes.wait(`wait in awaiting-approval for an approval (${reason})`, () => approval.hold(reason));
    return true;
  }

  /** 2. checking: reads only what the protection check needs, and refuses before any change. */
  private async check(): Promise<{ user: User; groups: Group[] }> {
    this.progress.setPhase('checking');
    const step = this.record.begin('checkUser', 'checking');
    try {
      const checked = await readForCheck(this.okta, this.userId, patched(CHECK_BEHIND_LOCK) ? 'check' : 'lock');
      if (checked.refusal) throw refuse(checked.refusal);
      const { groups } = checked;
      if (this.request.source === 'okta-group') await confirmTrigger(this.okta, this.policy, this.userId, groups);
      const user = { id: checked.user.id, status: checked.user.transitioningToStatus ?? checked.user.status };
      this.knownStatus = user.status;
      this.statusFound = user.status;
      this.groupsFound = groups;
      this.record.add(step, {
        id: user.id,
        kind: 'user',
        outcome: 'done',
        reason: `status ${user.status}, ${groups.length} groups`,
      });
      this.record.finish(step, 'done');
      this.steering.checkpoint();
      return { user, groups };
    } catch (error) {
      if (isStop(error)) throw error;
      const failure = describeFailure(error);
      this.record.finish(step, 'failed', failure.message);
      return this.failRun(failure);
    }
  }

  /**
   * 3. locking, at lock priority: three rounds, each one's calls at once, so that every access path
   * is cut within seconds; a user Okta cannot suspend is then deactivated (lock-out.ts). Returns the
   * OAuth clients listed before the revocations emptied the list (none are listed for a user already
   * deactivated: Okta answers 404 for them).
   */
  private async lock(user: User): Promise<string[] | undefined> {
    this.progress.setPhase('locking');
    const { id: userId, status } = user;
    const deactivateNow = deactivatesInLock(status);
    // The clients are for the snapshot only, and a list in the lock-out's own bucket: since FEWER_CALLS, clients
    // still holding tokens after the revocations are found (and their tokens revoked) by the check before deactivation.
    const fewer = patched(FEWER_CALLS);
    const listClients = (summary: string): Promise<string[]> =>
      status === 'DEPROVISIONED' && patched(VERIFY_WHERE_OKTA_ANSWERS)
        ? Promise.resolve([])
        : this.okta.call('listOAuthClients', 'lock', summary, { userId });
    return this.untilDone('lock', async () => {
      // Suspend, and list the OAuth clients for the snapshot.
      const suspend = this.record.begin('suspendUser', 'locking');
      const [suspended, clients] = await Promise.all([
        this.changes.run(
          suspend,
          { kind: 'user', id: userId },
          'suspendUser',
          'lock',
          `Suspend user ${userId}`,
          { userId, knownStatus: status },
          {
            plannedIf: status === 'ACTIVE',
          },
        ),
        fewer ? Promise.resolve(undefined) : listClients(`List OAuth clients of ${userId}`),
      ]);
      if (suspended === 'done') this.knownStatus = 'SUSPENDED';
      this.record.finish(suspend);

      // Sessions with their OAuth tokens, and consent grants.
      const sessions = this.record.begin('revokeSessions', 'locking');
      const grants = this.record.begin('revokeGrants', 'locking');
      await Promise.all([
        this.changes.run(
          sessions,
          { kind: 'session', id: userId },
          'revokeSessions',
          'lock',
          `Revoke sessions and OAuth tokens of ${userId}`,
          { userId },
        ),
        this.changes.run(
          grants,
          { kind: 'grant', id: userId },
          'revokeGrants',
          'lock',
          `Revoke OAuth consent grants of ${userId}`,
          { userId },
        ),
      ]);
      this.record.finish(sessions);
      this.record.finish(grants);

      if (fewer) {
        if (deactivateNow) await this.deactivateInLock(user);
        return clients;
      }
      // Any client that still holds tokens.
      const tokens = this.record.begin('revokeClientTokens', 'locking');
      await this.changes.afterChanges(
        async () => {
          const survivors = await listClients(`List OAuth clients still holding tokens of ${userId}`);
          await forEachLimited(survivors, this.policy.itemConcurrency, async (clientId) => {
            const summary = `Revoke refresh tokens of ${userId} for client ${clientId}`;
            await this.changes.run(tokens, { kind: 'client', id: clientId }, 'revokeClientTokens', 'lock', summary, {
              userId,
              clientId,
            });
          });
          this.record.finish(tokens);
        },
        () =>
          this.record.finish(
            tokens,
            'not-needed',
            'a real run revokes the tokens of any OAuth client still listed after the revocations above',
          ),
      );
      if (deactivateNow) await this.deactivateInLock(user);
      return clients;
    });
  }

  /** Read what deactivation destroys, reset the factors while Okta lists them, deactivate. */
  private async deactivateInLock(user: User): Promise<void> {
    const userId = this.userId;
    this.beforeDeactivation ??= await readDestroyedByDeactivation(this.okta, user, 'lock', this.readsHolders());
    const factors = this.record.begin('resetFactors', 'locking');
    await this.changes.run(
      factors,
      { kind: 'factor', id: userId },
      'resetFactors',
      'lock',
      `Reset all factors of ${userId}`,
      { userId },
    );
    this.record.finish(factors);
    const step = this.record.begin('deactivateUser', 'locking');
    const reason = `${user.status} cannot be suspended: deactivated in the lock phase`;
    const args = { userId, knownStatus: this.knownStatus };
    if (
      (await this.changes.run(
        step,
        { kind: 'user', id: userId },
        'deactivateUser',
        'lock',
        `Deactivate user ${userId} (${reason})`,
        args,
      )) !== 'failed'
    ) {
      this.knownStatus = 'DEPROVISIONED';
    }
    this.record.finish(step, undefined, reason);
  }

  /**
   * Beside the snapshot: how long JWT access tokens issued before the lock stay valid to resource servers that
   * validate them locally (no revocation reaches those). A read that never blocks the runbook: a failure is noted.
   */
  private async noteAccessTokens(lockedAt: number): Promise<void> {
    const step = this.record.begin('readAccessTokenLifetime', 'snapshot');
    try {
      const lifetime = await this.okta.call(
        'readAccessTokenLifetime',
        'revoke',
        'Read the longest access-token lifetime of the authorization servers',
        undefined,
      );
      const validUntil = new Date(lockedAt + lifetime.longestMinutes * 60_000).toISOString();
      this.progress.accessTokens = { ...lifetime, validUntil };
      const said = `up to ${lifetime.longestMinutes} min after the lock, until ${validUntil} (${lifetime.source})`;
      this.progress.notes.push(
        `JWT access tokens issued before the lock stay valid to apps that validate them locally ${said}.`,
      );
      this.record.finish(step, lifetime.read ? 'done' : 'skipped', said);
    } catch (error) {
      const { message } = describeFailure(error);
      this.progress.notes.push(
        `The access-token lifetime could not be read (${message}): up to one day, Okta's maximum.`,
      );
      this.record.finish(step, 'failed', message);
    }
  }

  /** 4. snapshot: the audit "before" and the source for rehire. */
  private async takeSnapshot(
    user: User,
    groups: Group[],
    oauthClientIds: string[] | undefined,
  ): Promise<OffboardingSnapshot> {
    this.progress.setPhase('snapshot');
    const query = {
      user,
      groups,
      oauthClientIds,
      itemConcurrency: this.policy.itemConcurrency,
      beforeDeactivation: this.beforeDeactivation,
      readHolders: this.readsHolders(),
      readFactors: !!this.request.dryRun || !patched(FEWER_CALLS_AFTER_LOCK),
    };
    return this.untilDone('snapshot', async () => {
      this.progress.snapshot = await snapshotStep(this.okta, this.record, query);
      return this.progress.snapshot;
    });
  }

  /** Each device's other holders, read in the snapshot: by dry runs (their plan), and by runs before FEWER_CALLS. */
  private readsHolders(): boolean {
    return !!this.request.dryRun || !patched(FEWER_CALLS);
  }

  /**
   * 5. revoking: factors, OKTA_GROUP memberships, direct app assignments. Returns the direct assignments
   * left to a group that grants the app too (Okta refuses to unassign them).
   */
  private async revoke({ factors, groups, apps }: OffboardingSnapshot): Promise<string[]> {
    this.progress.setPhase('revoking');
    const userId = this.userId;

    // Okta lists only the factors the enrollment policy allows: an empty list proves nothing, so always reset.
    if (!this.beforeDeactivation) {
      const factorStep = this.record.begin('resetFactors', 'revoking');
      const always = patched(ALWAYS_RESET_FACTORS);
      const listed = factors ? ` (${factors.length} listed)` : '';
      if (always || (factors?.length ?? 0) > 0) {
        const summary = `Reset all factors of ${userId}${listed}`;
        await this.changes.run(factorStep, { kind: 'factor', id: userId }, 'resetFactors', 'revoke', summary, {
          userId,
        });
      }
      this.record.finish(factorStep, undefined, !factors?.length && !always ? 'no factors enrolled' : undefined);
    }

    const groupStep = this.record.begin('removeGroupMembership', 'revoking');
    await forEachLimited(groups, this.policy.itemConcurrency, async (group) => {
      if (group.type !== 'OKTA_GROUP') {
        const reason = `${group.type} membership is not managed in Okta (${group.name})`;
        this.record.add(groupStep, { id: group.id, kind: 'group', outcome: 'skipped', reason });
        return;
      }
      const summary = `Remove ${userId} from group ${group.id} (${group.name})`;
      await this.changes.run(groupStep, { kind: 'group', id: group.id }, 'removeGroupMembership', 'revoke', summary, {
        groupId: group.id,
        userId,
      });
    });
    this.record.finish(groupStep);

    const appStep = this.record.begin('unassignApp', 'revoking');
    const leftToGroups: string[] = [];
    // Deactivated in the lock: Okta removed every app assignment with it (checked after deactivation, as always).
    const removedByDeactivation =
      this.beforeDeactivation && this.knownStatus === 'DEPROVISIONED' && patched(FEWER_CALLS);
    // Deactivation comes next and deprovisions the user from every assigned app (Okta's deactivateUser); the access
    // check after it reads the apps, and unassigns any Okta still lists (`sweepAppsAfterDeactivation`).
    const leftToDeactivation = !removedByDeactivation && patched(FEWER_CALLS_AFTER_LOCK);
    await forEachLimited(apps, this.policy.itemConcurrency, async (app) => {
      if (removedByDeactivation) {
        const reason = 'removed with the deactivation in the lock phase';
        this.record.add(appStep, { id: app.id, kind: 'app', outcome: 'not-needed', reason });
        return;
      }
      if (app.scope !== 'USER') {
        const reason = 'group-scoped assignment: leaves with the group membership';
        this.record.add(appStep, { id: app.id, kind: 'app', outcome: 'skipped', reason });
        return;
      }
      if (leftToDeactivation) {
        const reason = 'left to the deactivation, which deprovisions every assigned app; checked after it';
        this.record.add(appStep, { id: app.id, kind: 'app', outcome: 'not-needed', reason });
        return;
      }
      const summary = `Unassign app ${app.id} (${app.label}) from ${userId}`;
      const outcome = await this.changes.run(appStep, { kind: 'app', id: app.id }, 'unassignApp', 'revoke', summary, {
        appId: app.id,
        userId,
      });
      if (outcome === 'not-needed') leftToGroups.push(app.id);
    });
    this.record.finish(appStep);
    return leftToGroups;
  }

  /** Check the revocations while Okta still shows factors, grants and OAuth clients (it hides them once deactivated). */
  private async verifyRevoked(appsLeftToGroups: string[]): Promise<void> {
    if (!patched(VERIFY_WHERE_OKTA_ANSWERS)) return;
    if (this.knownStatus === 'DEPROVISIONED') {
      this.record.single(
        'verifyRevoked',
        'revoking',
        'not-needed',
        'already deactivated: Okta hides factors, grants and OAuth clients; what it keeps answering is verified next',
      );
      return;
    }
    const query = { userId: this.userId, appsLeftToGroups };
    const revokeSurvivors = patched(FEWER_CALLS)
      ? (clients: string[]) => this.revokeSurvivingTokens(clients)
      : undefined;
    await this.changes.afterChanges(
      () => verifyRevokedStep(this.okta, this.record, query, revokeSurvivors),
      () => false,
    );
  }

  /** OAuth clients still listed after the lock's revocations: their refresh tokens are revoked one client at a time. */
  private async revokeSurvivingTokens(clients: string[]): Promise<void> {
    const userId = this.userId;
    const step = this.record.begin('revokeClientTokens', 'revoking');
    await forEachLimited(clients, this.policy.itemConcurrency, async (clientId) => {
      const summary = `Revoke refresh tokens of ${userId} for client ${clientId}`;
      await this.changes.run(step, { kind: 'client', id: clientId }, 'revokeClientTokens', 'lock', summary, {
        userId,
        clientId,
      });
    });
    this.record.finish(step);
  }

  /** 6. deactivating, then verify at once that no access is left. */
  private async deactivate(user: User): Promise<void> {
    this.progress.setPhase('deactivating');
    if (this.beforeDeactivation) return; // deactivated in the lock phase
    const step = this.record.begin('deactivateUser', 'deactivating');
    // The status known since the lock saves a read; a stale one costs a 400 E0000001 and a re-read.
    const args = { userId: this.userId, knownStatus: this.knownStatus };
    const plannedIf = user.status !== 'DEPROVISIONED';
    await this.changes.run(
      step,
      { kind: 'user', id: this.userId },
      'deactivateUser',
      'revoke',
      `Deactivate user ${this.userId}`,
      args,
      { plannedIf },
    );
    this.record.finish(step);
  }

  private async verifyAccess(): Promise<void> {
    const query = {
      userId: this.userId,
      expectDeleted: false,
      deletedDeviceIds: [],
      itemConcurrency: this.policy.itemConcurrency,
    };
    const sweep = {
      remove: (residue: Residue[]) => this.sweepAppsAfterDeactivation(residue),
      removed: 'unassigning the direct apps Okta still listed after the deactivation',
    };
    await this.changes.afterChanges(
      () => verifyStep(this.okta, this.record, 'verifyAccess', 'deactivating', query, sweep),
      () => undefined,
    );
    if (patched(FEWER_CALLS)) this.accessVerified = { parkings: this.progress.parkings };
  }

  /**
   * Direct assignments left to the deactivation that Okta still lists after it (its documents say deactivation
   * deprovisions every app; where an org's Okta answers otherwise, or lags) are unassigned here, and the check runs
   * again. Returns whether it unassigned anything.
   */
  private async sweepAppsAfterDeactivation(residue: Residue[]): Promise<boolean> {
    if (!patched(FEWER_CALLS_AFTER_LOCK)) return false;
    const apps = residue.filter((item) => item.kind === 'app');
    if (apps.length === 0 || apps.length !== residue.length) return false;
    const step = this.record.begin('unassignApp', 'deactivating');
    await forEachLimited(apps, this.policy.itemConcurrency, async (app) => {
      const summary = `Unassign app ${app.id} from ${this.userId}: still listed after the deactivation`;
      await this.changes.run(step, { kind: 'app', id: app.id }, 'unassignApp', 'revoke', summary, {
        appId: app.id,
        userId: this.userId,
      });
    });
    this.record.finish(step);
    return true;
  }

  /** 7. awaiting-device-wipe: a durable timer that `wipeDevicesNow` ends. */
  private async waitForDeviceWipe(): Promise<void> {
    this.progress.setPhase('awaiting-device-wipe');
    const delay = this.request.deviceWipeDelay ?? this.policy.deviceWipeDelay;
    if ((parseDuration(delay) ?? 0) > 0) this.accessVerified = undefined;
    await this.changes.wait(`wait ${delay} before decommissioning devices`, () => this.steering.untilDeviceWipe(delay));
  }

  /** 8. wiping-devices: deactivate and delete each device no other user who is not deactivated holds. */
  private async wipeDevices(devices: OffboardingSnapshot['devices']): Promise<void> {
    this.progress.setPhase('wiping-devices');
    const { okta, changes, record, userId } = this;
    await decommissionDevices(devices, {
      okta,
      changes,
      record,
      userId,
      itemConcurrency: this.policy.itemConcurrency,
      deleted: this.deletedDeviceIds,
    });
  }

  /** 9. awaiting-deletion (optional), then delete the user. */
  private async waitForDeletion(deleteAfter: string): Promise<void> {
    this.progress.setPhase('awaiting-deletion');
    await this.changes.wait(`delete the user ${deleteAfter} after the device step`, () =>
      this.steering.untilDeletion(deleteAfter),
    );
  }

  private async deleteUser(): Promise<void> {
    const step = this.record.begin('deleteUser', 'awaiting-deletion');
    await this.changes.run(
      step,
      { kind: 'user', id: this.userId },
      'deleteUser',
      'revoke',
      `Delete user ${this.userId}`,
      { userId: this.userId },
    );
    this.record.finish(step);
  }

  /** 10. verifying: re-read Okta; any residue keeps the run from `completed`. */
  private async verify(): Promise<void> {
    const { userId, deletedDeviceIds } = this;
    // Right after the access verification, with no wait between, the device step changed only devices.
    const unchanged =
      this.accessVerified?.parkings === this.progress.parkings && this.request.deleteAfter === undefined;
    const query = {
      userId,
      expectDeleted: this.request.deleteAfter !== undefined,
      deletedDeviceIds,
      itemConcurrency: this.policy.itemConcurrency,
      groupsAndAppsVerified: unchanged,
      deletionsConfirmed: patched(FEWER_CALLS_AFTER_LOCK),
    };
    await this.changes.afterChanges(
      async () => {
        this.progress.setPhase('verifying');
        await verifyStep(this.okta, this.record, 'verifyOffboarded', 'verifying', query);
        this.progress.residue = []; // what an earlier failed verification found is gone
      },
      () => undefined,
    );
  }

  /** After `cancel`, `rehire` or Temporal's Cancel: a rehire restores what the run changed; a cancel keeps it. */
  private async endOnStop(): Promise<OffboardingReport> {
    const { notes } = this.progress;
    if (this.steering.stop?.name === 'rehire') {
      if (this.changes.sentAny) {
        if (patched(REHIRE_CHECKS_PROTECTION)) await this.refuseRehireOfProtected();
        const snapshot = this.progress.snapshot ?? this.snapshotOfEarlyDeactivation();
        this.progress.setPhase('rehired');
        const rehire = {
          userId: this.userId,
          snapshot,
          policy: this.policy,
          notes,
          steps: this.record.steps,
          statusBefore: this.statusFound,
        };
        await this.untilDone('restore', () => restoreFromSnapshot(this.okta, this.record, rehire), {
          stoppable: false,
        });
        await this.linked?.restore();
      } else {
        notes.push('Rehired before any change: nothing to restore.');
      }
      return this.finish('rehired');
    }
    if (this.changes.sentAny && !this.progress.snapshot && patched(REHIRE_AFTER_CANCEL_IN_LOCK)) {
      this.keepWhatARehireNeeds();
    }
    if (this.changes.made('deactivateUser'))
      notes.push('Cancelled after deactivation: the user stays deactivated; `rehire` is the way back.');
    else if (this.changes.sentAny)
      notes.push('Cancelled after the lock began: the changes listed in the steps stay; `rehire` restores them.');
    else notes.push('Cancelled before any change in Okta.');
    return this.finish('cancelled');
  }

  /**
   * An account that became protected (a protected group, an admin role) while the run was open is not brought
   * back by a rehire either: the run ends `failed` with `ProtectedAccount`, and what it changed stays.
   */
  private async refuseRehireOfProtected(): Promise<void> {
    const { refusal } = await readForCheck(this.okta, this.userId, 'revoke');
    if (!refusal) return;
    const failure = { step: 'restore', type: 'ProtectedAccount', message: `Rehire refused: ${refusal}.` };
    this.progress.notes.push(`Rehire refused: ${refusal}. Nothing was restored: the changes listed in the steps stay.`);
    return this.failRun(failure);
  }

  /**
   * A cancel between the lock's first change and the snapshot: the report keeps what a later `rehireUser` needs to
   * undo the lock, the reads before an early deactivation as a snapshot, or else the status the run found.
   */
  private keepWhatARehireNeeds(): void {
    if (this.snapshotOfEarlyDeactivation()) return;
    if (this.changes.made('suspendUser') || this.changes.made('deactivateUser'))
      this.progress.statusBefore = this.statusFound;
  }

  /**
   * A rehire between an early deactivation (a user Okta cannot suspend, lock-out.ts) and the snapshot: the apps,
   * factors and devices read just before that deactivation and the groups the check read are what the run saw.
   */
  private snapshotOfEarlyDeactivation(): OffboardingSnapshot | undefined {
    const { beforeDeactivation, groupsFound, statusFound } = this;
    if (!beforeDeactivation || !groupsFound || !statusFound || !patched(REHIRE_AFTER_EARLY_DEACTIVATION))
      return undefined;
    this.progress.snapshot = {
      takenAt: new Date().toISOString(),
      user: { id: this.userId, status: statusFound },
      groups: groupsFound.map((group) => ({ ...group, ruleIds: [] })),
      ...beforeDeactivation,
      oauthClientIds: [],
    };
    return this.progress.snapshot;
  }

  /** Ends the run `failed`: the report is written, then carried by the non-retryable failure as its details. */
  private async failRun(failure: Failure): Promise<never> {
    const report = await this.finish('failed', failure);
    throw ApplicationFailure.create({
      type: failure.type,
      message: failure.message,
      nonRetryable: true,
      details: [report],
    });
  }

  /** The report; the run ends once its milestones are archived and notified. */
  private async finish(outcome: RunOutcome, error?: Failure): Promise<OffboardingReport> {
    const report = await this.progress.finish(outcome, { steering: this.steering, plan: this.changes.plan, error });
    if (outcome !== 'dry-run') this.milestones.reach(outcome);
    await this.milestones.settled();
    return report;
  }
}
