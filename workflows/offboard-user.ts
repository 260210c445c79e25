// The offboarding runbook (DESIGN.md section 3), one run per person: wait for the effective date,
// check, lock, snapshot, revoke, deactivate, wait, decommission devices, optionally delete, verify.
// Steering messages (section 4) may stop it at any safe point; a step that fails for good after
// the lock began parks the run in `needs-attention` until an operator sends `retry`.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import {
  cancelSignal,
  DeviceWipeAt,
  expediteUpdate,
  OffboardingEffectiveAt,
  OffboardingEventId,
  OffboardingPhase,
  OffboardingSource,
  OktaUserId,
  parseDuration,
  rehireSignal,
  rescheduleUpdate,
  retryUpdate,
  statusQuery,
  wipeDevicesNowSignal,
  type AppliedMessage,
  type OffboardingReport,
  type OffboardingRequest,
  type OffboardingSnapshot,
  type OffboardingStatus,
  type Phase,
  type PlannedAction,
  type Residue,
  type RunOutcome,
  type RunPolicy,
  type SteeringMessage,
  type StepItem,
  type StepRecord,
} from './definitions';
import { OktaCalls, workerActivities, type Urgency } from './okta-calls';
import { restoreFromSnapshot } from './restore';
import { forEachLimited, RunRecord } from './run-record';
import { findResidue } from './verify';

export async function offboardUser(request: OffboardingRequest): Promise<OffboardingReport> {
  return new Offboarding(request).run();
}

/** Thrown at a safe point once `cancel` or `rehire` arrived. */
class RunStopped extends Error {}

/** Verification found access left: the run cannot end `completed`. */
class ResidueFound extends Error {
  constructor(readonly residue: Residue[]) {
    super(`${residue.length} item(s) still grant access: ${residue.map((item) => `${item.kind} ${item.id}`).join(', ')}`);
  }
}

type UserAtCheck = { id: string; status: string };
type Group = OffboardingSnapshot['groups'][number];

class Offboarding {
  private phase: Phase = 'scheduled';
  private readonly record: RunRecord;
  private policy!: RunPolicy;
  private okta!: OktaCalls;
  private readonly userId: string;
  private readonly startedAt = new Date().toISOString();

  // Steering state, written by message handlers.
  private stop?: SteeringMessage;
  private effectiveAt?: number;
  private deadlineMoved = false;
  private expedited = false;
  private wipeNow = false;
  private retryRequested = false;
  private readonly messages: AppliedMessage[] = [];

  // What the run learned and did.
  private lockBegun = false;
  private deactivated = false;
  private user?: UserAtCheck;
  private knownStatus?: string;
  private groups: Group[] = [];
  private oauthClientIds: string[] = [];
  private snapshot?: OffboardingSnapshot;
  private residue: Residue[] = [];
  private deletedDeviceIds: string[] = [];
  private deviceWipeAt?: string;
  private nextTimer?: OffboardingStatus['nextTimer'];
  private attention?: OffboardingStatus['attention'];
  private readonly plan: PlannedAction[] = [];
  private readonly notes: string[] = [];

  constructor(private readonly request: OffboardingRequest) {
    this.userId = request.userId;
    this.record = new RunRecord(`Offboarding ${request.userId}${request.dryRun ? ' (dry run)' : ''}`, () => this.phase);
    this.effectiveAt = request.effectiveAt ? Date.parse(request.effectiveAt) : undefined;
    this.installHandlers();
  }

  async run(): Promise<OffboardingReport> {
    upsertSearchAttributes([
      { key: OktaUserId, value: this.userId },
      { key: OffboardingSource, value: this.request.source },
      { key: OffboardingEventId, value: this.request.correlationId },
      { key: OffboardingPhase, value: this.phase },
      ...(this.effectiveAt ? [{ key: OffboardingEffectiveAt, value: new Date(this.effectiveAt) }] : []),
    ]);
    try {
      this.policy = await workerActivities.getRunPolicy();
      this.okta = new OktaCalls(this.policy);
      await this.waitForEffectiveDate();
      const user = await this.check();
      await this.lock(user);
      await this.takeSnapshot(user);
      await this.untilDone('revoke-and-deactivate', async () => {
        await this.revoke();
        await this.deactivate();
        await this.verifyAccess();
      });
      await this.waitForDeviceWipe();
      await this.untilDone('wipe-devices', () => this.wipeDevices());
      if (this.request.deleteAfter) {
        await this.waitForDeletion(this.request.deleteAfter);
        await this.untilDone('delete-user', () => this.deleteUser());
      }
      await this.untilDone('verify', () => this.verify());
      // A cancel or rehire that arrived during the last step still ends the run (section 4).
      this.checkpoint();
      return await this.finish(this.request.dryRun ? 'dry-run' : 'completed');
    } catch (error) {
      if (error instanceof RunStopped) return this.endOnStop();
      if (isCancellation(error)) {
        // The UI's Cancel button or `temporal workflow cancel`: handled like the `cancel` signal.
        this.stop ??= this.apply({ name: 'temporal-cancel', requestedBy: 'temporal' });
        return CancellationScope.nonCancellable(() => this.endOnStop());
      }
      throw error;
    }
  }

  // ---- 1. scheduled -------------------------------------------------------------------------

  private async waitForEffectiveDate(): Promise<void> {
    if (this.request.dryRun) {
      if (this.effectiveAt && this.effectiveAt > Date.now()) this.notes.push(`A real run would wait until ${new Date(this.effectiveAt).toISOString()}.`);
      return;
    }
    while (this.effectiveAt !== undefined && this.effectiveAt > Date.now() && !this.expedited) {
      const firesAt = new Date(this.effectiveAt).toISOString();
      this.nextTimer = { kind: 'effective-at', firesAt };
      this.record.publish(`Waiting for the effective date ${firesAt}.`);
      this.deadlineMoved = false;
      await condition(() => this.deadlineMoved || this.expedited || this.stop !== undefined, this.effectiveAt - Date.now(), {
        summary: `Effective date ${firesAt}`,
      });
      this.checkpoint();
    }
    this.nextTimer = undefined;
  }

  // ---- 2. checking: read only what the protection check needs; refuse before any change ------

  private async check(): Promise<UserAtCheck> {
    this.setPhase('checking');
    const step = this.record.begin('checkUser', 'checking');
    try {
      // Both reads at once: every round trip here delays the lock. The user's own error wins (UserNotFound).
      const [userRead, groupsRead] = await Promise.allSettled([
        this.okta.call('getUser', 'lock', `Read user ${this.userId}`, { userId: this.userId }),
        this.okta.call('listUserGroups', 'lock', `Read groups of ${this.userId}`, { userId: this.userId }),
      ]);
      if (userRead.status === 'rejected') throw userRead.reason;
      if (groupsRead.status === 'rejected') throw groupsRead.reason;
      const user = userRead.value;
      const { groups, protectedBy } = groupsRead.value;
      const refusal = user.protectedBy ?? protectedBy;
      if (refusal) {
        throw ApplicationFailure.create({ type: 'ProtectedAccount', message: `Refused: ${refusal}. Nothing was changed.`, nonRetryable: true });
      }
      this.user = { id: user.id, status: user.transitioningToStatus ?? user.status };
      this.knownStatus = this.user.status;
      this.groups = groups.map((group) => ({ ...group, ruleIds: [] }));
      this.record.add(step, { id: user.id, kind: 'user', outcome: 'done', reason: `status ${this.user.status}, ${groups.length} groups` });
      this.record.finish(step, 'done');
      this.checkpoint();
      return this.user;
    } catch (error) {
      if (error instanceof RunStopped || isCancellation(error)) throw error;
      const failure = describeFailure(error);
      this.record.finish(step, 'failed', failure.message);
      const report = await this.finish('failed', failure);
      throw ApplicationFailure.create({ type: failure.type, message: failure.message, nonRetryable: true, details: [report] });
    }
  }

  // ---- 3. locking: most urgent, lock-priority calls --------------------------------------------

  private async lock(user: UserAtCheck): Promise<void> {
    this.setPhase('locking');
    this.lockBegun = !this.request.dryRun;
    // Three rounds, each one's calls at once, so that every access path is cut within seconds:
    // suspend (and note the OAuth clients, for the snapshot: revocation empties that list); then
    // sessions with their OAuth tokens, and consent grants; then any client that still holds tokens.
    await this.untilDone('lock', async () => {
      const suspend = this.record.begin('suspendUser', 'locking');
      const [suspended, clients] = await Promise.all([
        user.status === 'ACTIVE' || !this.request.dryRun
          ? this.change(suspend, 'user', user.id, 'lock', 'suspendUser', `Suspend user ${user.id}`, { userId: user.id, knownStatus: user.status })
          : Promise.resolve(undefined),
        this.okta.call('listOAuthClients', 'lock', `List OAuth clients of ${user.id}`, { userId: user.id }),
      ]);
      if (suspended === 'done') this.knownStatus = 'SUSPENDED';
      this.oauthClientIds = clients;
      this.record.finish(suspend);

      const sessions = this.record.begin('revokeSessions', 'locking');
      const grants = this.record.begin('revokeGrants', 'locking');
      await Promise.all([
        this.change(sessions, 'session', user.id, 'lock', 'revokeSessions', `Revoke sessions and OAuth tokens of ${user.id}`, { userId: user.id }),
        this.change(grants, 'grant', user.id, 'lock', 'revokeGrants', `Revoke OAuth consent grants of ${user.id}`, { userId: user.id }),
      ]);
      this.record.finish(sessions);
      this.record.finish(grants);

      const tokens = this.record.begin('revokeClientTokens', 'locking');
      if (this.request.dryRun) {
        this.record.finish(tokens, 'not-needed', 'a real run revokes the tokens of any OAuth client still listed after the revocations above');
        return;
      }
      const survivors = await this.okta.call('listOAuthClients', 'lock', `List OAuth clients still holding tokens of ${user.id}`, { userId: user.id });
      await forEachLimited(survivors, this.policy.itemConcurrency, async (clientId) => {
        await this.change(tokens, 'client', clientId, 'lock', 'revokeClientTokens', `Revoke refresh tokens of ${user.id} for client ${clientId}`, { userId: user.id, clientId });
      });
      this.record.finish(tokens);
    });
  }

  // ---- 4. snapshot: the audit "before" and the source for rehire ------------------------------

  private async takeSnapshot(user: UserAtCheck): Promise<void> {
    this.setPhase('snapshot');
    await this.untilDone('snapshot', async () => {
      const step = this.record.begin('takeSnapshot', 'snapshot');
      const links = await this.okta.call('listAppLinks', 'revoke', `List app links of ${user.id}`, { userId: user.id });
      const apps: OffboardingSnapshot['apps'] = [];
      await forEachLimited(links, this.policy.itemConcurrency, async (link) => {
        const assignment = await this.okta.call('getAppAssignment', 'revoke', `Read assignment of app ${link.id} (${link.label})`, { appId: link.id, label: link.label, userId: user.id });
        if (assignment) apps.push(assignment);
      });
      const factors = await this.okta.call('listFactors', 'revoke', `List factors of ${user.id}`, { userId: user.id });
      const devices: OffboardingSnapshot['devices'] = [];
      for (const device of await this.okta.call('listUserDevices', 'revoke', `List devices of ${user.id}`, { userId: user.id })) {
        const otherActiveUserIds = await this.okta.call('listOtherDeviceUsers', 'revoke', `Read holders of device ${device.id}`, { deviceId: device.id, userId: user.id });
        devices.push({ ...device, otherActiveUserIds });
      }
      const oktaGroupIds = this.groups.filter((group) => group.type === 'OKTA_GROUP').map((group) => group.id);
      const rules = oktaGroupIds.length ? await this.okta.call('listGroupRules', 'revoke', 'Read group rules of the user\'s groups', { groupIds: oktaGroupIds }) : [];
      const groups = this.groups.map((group) => ({ ...group, ruleIds: rules.filter((rule) => rule.groupIds.includes(group.id)).map((rule) => rule.id) }));
      apps.sort((a, b) => a.id.localeCompare(b.id));
      this.snapshot = { takenAt: new Date().toISOString(), user, groups, apps, factors, devices, oauthClientIds: this.oauthClientIds };
      this.record.finish(step, 'done', `${groups.length} groups, ${apps.length} apps, ${factors.length} factors, ${devices.length} devices`);
    });
  }

  // ---- 5. revoking ------------------------------------------------------------------------------

  private async revoke(): Promise<void> {
    this.setPhase('revoking');
    const snapshot = this.requireSnapshot();
    const userId = this.userId;

    const factors = this.record.begin('resetFactors', 'revoking');
    if (snapshot.factors.length > 0) {
      await this.change(factors, 'factor', userId, 'revoke', 'resetFactors', `Reset all ${snapshot.factors.length} factors of ${userId}`, { userId });
    }
    this.record.finish(factors, undefined, snapshot.factors.length === 0 ? 'no factors enrolled' : undefined);

    const groups = this.record.begin('removeGroupMembership', 'revoking');
    await forEachLimited(snapshot.groups, this.policy.itemConcurrency, async (group) => {
      if (group.type !== 'OKTA_GROUP') {
        this.record.add(groups, { id: group.id, kind: 'group', outcome: 'skipped', reason: `${group.type} membership is not managed in Okta (${group.name})` });
        return;
      }
      await this.change(groups, 'group', group.id, 'revoke', 'removeGroupMembership', `Remove ${userId} from group ${group.id} (${group.name})`, { groupId: group.id, userId });
    });
    this.record.finish(groups);

    const apps = this.record.begin('unassignApp', 'revoking');
    await forEachLimited(snapshot.apps, this.policy.itemConcurrency, async (app) => {
      if (app.scope !== 'USER') {
        this.record.add(apps, { id: app.id, kind: 'app', outcome: 'skipped', reason: 'group-scoped assignment: leaves with the group membership' });
        return;
      }
      await this.change(apps, 'app', app.id, 'revoke', 'unassignApp', `Unassign app ${app.id} (${app.label}) from ${userId}`, { appId: app.id, userId });
    });
    this.record.finish(apps);
  }

  // ---- 6. deactivating, then verify access at once ----------------------------------------------

  private async deactivate(): Promise<void> {
    this.setPhase('deactivating');
    const step = this.record.begin('deactivateUser', 'deactivating');
    if (this.user?.status !== 'DEPROVISIONED' || !this.request.dryRun) {
      // The status known since the lock saves a read; a stale one costs a 400 E0000001 and a re-read.
      await this.change(step, 'user', this.userId, 'revoke', 'deactivateUser', `Deactivate user ${this.userId}`, { userId: this.userId, knownStatus: this.knownStatus });
    }
    this.record.finish(step);
    this.deactivated = !this.request.dryRun;
  }

  private async verifyAccess(): Promise<void> {
    if (this.request.dryRun) return;
    const step = this.record.begin('verifyAccess', 'deactivating');
    const residue = await findResidue(this.okta, { userId: this.userId, expectDeleted: false, deletedDeviceIds: [], itemConcurrency: this.policy.itemConcurrency });
    this.record.finish(step, residue.length ? 'failed' : 'done', residue.length ? `${residue.length} item(s) left` : 'no access left');
    if (residue.length) throw new ResidueFound(residue);
  }

  // ---- 7. awaiting-device-wipe --------------------------------------------------------------

  private async waitForDeviceWipe(): Promise<void> {
    this.setPhase('awaiting-device-wipe');
    const delay = this.request.deviceWipeDelay ?? this.policy.deviceWipeDelay;
    const delayMs = parseDuration(delay) ?? 0;
    if (this.request.dryRun) {
      this.notes.push(`A real run would wait ${delay} before decommissioning devices.`);
      return;
    }
    const wipeAt = Date.now() + delayMs;
    this.deviceWipeAt = new Date(wipeAt).toISOString();
    upsertSearchAttributes([{ key: DeviceWipeAt, value: new Date(wipeAt) }]);
    if (!this.wipeNow && wipeAt > Date.now()) {
      this.nextTimer = { kind: 'device-wipe', firesAt: this.deviceWipeAt };
      this.record.publish(`Waiting ${delay} before decommissioning devices (until ${this.deviceWipeAt}); \`wipeDevicesNow\` ends the wait.`);
      await condition(() => this.wipeNow || this.stop !== undefined, wipeAt - Date.now(), { summary: `Device wipe delay ${delay}` });
      this.nextTimer = undefined;
    }
    this.checkpoint();
  }

  // ---- 8. wiping-devices: deactivate and delete devices no other ACTIVE user holds -------------

  private async wipeDevices(): Promise<void> {
    this.setPhase('wiping-devices');
    const step = this.record.begin('decommissionDevice', 'wiping-devices');
    await forEachLimited(this.requireSnapshot().devices, this.policy.itemConcurrency, async (device) => {
      const skip = (reason: string) => this.record.add(step, { id: device.id, kind: 'device', outcome: 'skipped', reason });
      if (this.request.dryRun) {
        if (device.otherActiveUserIds.length > 0) return skip(`shared with ACTIVE user(s) ${device.otherActiveUserIds.join(', ')}: kept`);
        this.plan.push({ phase: this.phase, step: 'deactivateDevice', itemId: device.id });
      } else {
        // Holders change during the wait (a co-holder may have left too): decide on today's holders.
        const others = await this.okta.call('listOtherDeviceUsers', 'revoke', `Read holders of device ${device.id}`, { deviceId: device.id, userId: this.userId });
        if (others.length > 0) return skip(`shared with ACTIVE user(s) ${others.join(', ')}: kept`);
        const current = await this.okta.call('getDevice', 'revoke', `Read device ${device.id}`, { deviceId: device.id });
        if (!current) {
          this.record.add(step, { id: device.id, kind: 'device', outcome: 'not-needed', reason: 'device already deleted' });
          return;
        }
        if (current.status !== 'DEACTIVATED') {
          await this.okta.call('deactivateDevice', 'revoke', `Deactivate device ${device.id} (${device.platform})`, { deviceId: device.id });
        }
      }
      const outcome = await this.change(step, 'device', device.id, 'revoke', 'deleteDevice', `Delete device ${device.id} (${device.platform})`, { deviceId: device.id });
      if (outcome !== 'skipped' && outcome !== 'failed') this.deletedDeviceIds.push(device.id);
    });
    this.record.finish(step);
  }

  // ---- 9. awaiting-deletion (optional) ------------------------------------------------------------

  private async waitForDeletion(deleteAfter: string): Promise<void> {
    this.setPhase('awaiting-deletion');
    if (this.request.dryRun) {
      this.notes.push(`A real run would delete the user ${deleteAfter} after the device step.`);
      return;
    }
    const deleteAt = Date.now() + (parseDuration(deleteAfter) ?? 0);
    this.nextTimer = { kind: 'deletion', firesAt: new Date(deleteAt).toISOString() };
    this.record.publish(`Waiting ${deleteAfter} before deleting the user.`);
    await condition(() => this.stop !== undefined, Math.max(deleteAt - Date.now(), 0), { summary: `Delete after ${deleteAfter}` });
    this.nextTimer = undefined;
    this.checkpoint();
  }

  private async deleteUser(): Promise<void> {
    const step = this.record.begin('deleteUser', 'awaiting-deletion');
    await this.change(step, 'user', this.userId, 'revoke', 'deleteUser', `Delete user ${this.userId}`, { userId: this.userId });
    this.record.finish(step);
  }

  // ---- 10. verifying: re-read Okta; any residue keeps the run from `completed` -------------------

  private async verify(): Promise<void> {
    if (this.request.dryRun) return;
    this.setPhase('verifying');
    const step = this.record.begin('verifyOffboarded', 'verifying');
    this.residue = await findResidue(this.okta, {
      userId: this.userId,
      expectDeleted: this.request.deleteAfter !== undefined,
      deletedDeviceIds: this.deletedDeviceIds,
      itemConcurrency: this.policy.itemConcurrency,
    });
    this.record.finish(step, this.residue.length ? 'failed' : 'done', this.residue.length ? `${this.residue.length} item(s) left` : 'no access left');
    if (this.residue.length) throw new ResidueFound(this.residue);
  }

  // ---- mechanics ------------------------------------------------------------------------------

  /**
   * Runs one Okta change on one item and records its outcome; in a dry run, records the plan
   * instead. Returns the outcome.
   */
  private async change(
    step: StepRecord,
    kind: StepItem['kind'],
    itemId: string,
    urgency: Urgency,
    name: ChangeActivity,
    summary: string,
    args: object,
  ): Promise<StepItem['outcome']> {
    this.checkpoint();
    if (this.request.dryRun) {
      this.plan.push({ phase: this.phase, step: name, itemId });
      this.record.add(step, { id: itemId, kind, outcome: 'not-needed', reason: 'planned (dry run)' });
      return 'not-needed';
    }
    const result = (await this.okta.call(name, urgency, summary, args as never)) as { outcome: StepItem['outcome']; reason?: string };
    this.record.add(step, { id: itemId, kind, outcome: result.outcome, reason: result.reason });
    return result.outcome;
  }

  /**
   * Runs a block of idempotent steps until it succeeds. A failure that outlived its retry budget
   * (or is non-retryable) parks the run in `needs-attention`; `retry` runs the block again.
   * `stoppable: false` is for the rehire restore, which runs after the stop it obeys.
   */
  private async untilDone(block: string, work: () => Promise<void>, { stoppable = true } = {}): Promise<void> {
    const stopHere = (): void => {
      if (stoppable) this.checkpoint();
    };
    for (;;) {
      stopHere();
      const resumePhase = this.phase;
      try {
        await work();
        return;
      } catch (error) {
        if (error instanceof RunStopped || isCancellation(error)) throw error;
        const failure = describeFailure(error);
        if (error instanceof ResidueFound) this.residue = error.residue;
        this.attention = { step: failure.step ?? block, type: failure.type, message: failure.message, since: new Date().toISOString() };
        log.warn('Offboarding needs attention', { userId: this.userId, block, ...failure });
        this.setPhase('needs-attention');
        this.record.publish(`**Needs attention** in \`${block}\`: ${failure.type}: ${failure.message}. Send the \`retry\` update once the cause is fixed.`);
        await condition(() => this.retryRequested || (stoppable && this.stop !== undefined));
        this.retryRequested = false;
        this.attention = undefined;
        stopHere();
        this.setPhase(resumePhase);
      }
    }
  }

  /** A safe point: stop here if `cancel` or `rehire` arrived. */
  private checkpoint(): void {
    if (this.stop) throw new RunStopped();
  }

  private setPhase(phase: Phase): void {
    this.phase = phase;
    upsertSearchAttributes([{ key: OffboardingPhase, value: phase }]);
    this.record.publish();
  }

  private requireSnapshot(): OffboardingSnapshot {
    if (!this.snapshot) throw ApplicationFailure.nonRetryable('No snapshot: the runbook order is broken');
    return this.snapshot;
  }

  private async endOnStop(): Promise<OffboardingReport> {
    const stop = this.stop;
    if (stop?.name === 'rehire') {
      if (this.lockBegun) {
        this.setPhase('rehired');
        await this.untilDone('restore', () => restoreFromSnapshot(this.okta, this.record, this.policy, this.userId, this.snapshot, this.notes), { stoppable: false });
      } else {
        this.notes.push('Rehired before any change: nothing to restore.');
      }
      return this.finish('rehired');
    }
    if (this.deactivated) this.notes.push('Cancelled after deactivation: the user stays deactivated; `rehire` is the way back.');
    else if (this.lockBegun) this.notes.push('Cancelled after the lock began: the changes listed in the steps stay; `rehire` restores them.');
    else this.notes.push('Cancelled before any change in Okta.');
    return this.finish('cancelled');
  }

  private async finish(outcome: RunOutcome, error?: OffboardingReport['error']): Promise<OffboardingReport> {
    const terminal: Phase = outcome === 'dry-run' ? 'completed' : outcome;
    this.setPhase(terminal);
    await condition(allHandlersFinished);
    return {
      workflowId: workflowInfo().workflowId,
      userId: this.userId,
      outcome,
      source: this.request.source,
      requestedBy: this.request.requestedBy,
      correlationId: this.request.correlationId,
      reason: this.request.reason,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      effectiveAt: this.effectiveAt ? new Date(this.effectiveAt).toISOString() : undefined,
      deviceWipeAt: this.deviceWipeAt,
      steps: this.record.steps,
      snapshot: this.snapshot,
      residue: this.residue,
      messages: this.messages,
      plan: this.request.dryRun ? this.plan : undefined,
      error,
      notes: this.notes,
    };
  }

  // ---- messages (DESIGN.md section 4) ----------------------------------------------------------

  private apply(message: SteeringMessage): SteeringMessage {
    this.messages.push({ ...message, at: new Date().toISOString(), phase: this.phase });
    return message;
  }

  private installHandlers(): void {
    setHandler(cancelSignal, (input) => {
      const message = this.apply({ name: 'cancel', ...input });
      this.stop ??= message;
    });
    setHandler(rehireSignal, (input) => {
      const message = this.apply({ name: 'rehire', ...input });
      this.stop ??= message;
    });
    setHandler(wipeDevicesNowSignal, (input) => {
      this.apply({ name: 'wipeDevicesNow', ...input });
      this.wipeNow = true;
    });
    setHandler(
      rescheduleUpdate,
      ({ effectiveAt, requestedBy }) => {
        this.effectiveAt = Date.parse(effectiveAt);
        this.deadlineMoved = true;
        upsertSearchAttributes([{ key: OffboardingEffectiveAt, value: new Date(this.effectiveAt) }]);
        this.apply({ name: 'reschedule', effectiveAt, requestedBy });
        return { effectiveAt: new Date(this.effectiveAt).toISOString() };
      },
      {
        validator: ({ effectiveAt }) => {
          this.requireScheduled('reschedule');
          const at = Date.parse(effectiveAt);
          if (!Number.isFinite(at)) throw new Error(`effectiveAt is not an ISO-8601 date: ${effectiveAt}`);
          if (at <= Date.now()) throw new Error(`effectiveAt must be in the future: ${effectiveAt}`);
        },
      },
    );
    setHandler(
      expediteUpdate,
      (input) => {
        this.expedited = true;
        this.apply({ name: 'expedite', ...input });
        return { phase: this.phase };
      },
      { validator: (_input) => this.requireScheduled('expedite') },
    );
    setHandler(
      retryUpdate,
      (input) => {
        this.retryRequested = true;
        this.apply({ name: 'retry', ...input });
        return { phase: this.phase };
      },
      {
        validator: (_input) => {
          if (this.phase !== 'needs-attention') throw new Error(`retry is only accepted in needs-attention; the run is ${this.phase}`);
        },
      },
    );
    setHandler(statusQuery, (): OffboardingStatus => ({
      userId: this.userId,
      phase: this.phase,
      steps: this.record.steps,
      nextTimer: this.nextTimer,
      snapshotSummary: this.snapshot && {
        groups: this.snapshot.groups.length,
        apps: this.snapshot.apps.length,
        factors: this.snapshot.factors.length,
        devices: this.snapshot.devices.length,
        oauthClients: this.snapshot.oauthClientIds.length,
      },
      lastMessage: this.messages.at(-1),
      wipeDevicesNowRequested: this.wipeNow,
      attention: this.attention,
    }));
  }

  private requireScheduled(update: string): void {
    if (this.phase !== 'scheduled' || this.stop) throw new Error(`${update} is only accepted while the run is scheduled; it is ${this.phase}`);
  }
}

type ChangeActivity =
  | 'suspendUser'
  | 'revokeSessions'
  | 'revokeGrants'
  | 'revokeClientTokens'
  | 'resetFactors'
  | 'removeGroupMembership'
  | 'unassignApp'
  | 'deactivateUser'
  | 'deleteDevice'
  | 'deleteUser';

/** The failing step, its error type and message, from whatever a step threw. */
function describeFailure(error: unknown): { step?: string; type: string; message: string } {
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    const type = cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : (cause?.name ?? 'ActivityFailure');
    return { step: error.activityType, type, message: cause?.message ?? error.message };
  }
  if (error instanceof ApplicationFailure) return { type: error.type ?? 'ApplicationFailure', message: error.message };
  if (error instanceof ResidueFound) return { step: 'verifyAccessRemoved', type: 'ResidueFound', message: error.message };
  return { type: error instanceof Error ? error.name : 'Error', message: String(error instanceof Error ? error.message : error) };
}
