// What an offboarding run shows of itself: its phase (kept in the OffboardingPhase search
// attribute), its steps, the answer to the `status` query, and the report it returns.
import { allHandlersFinished, condition, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  OffboardingEffectiveAt,
  OffboardingEventId,
  OffboardingPhase,
  OffboardingSource,
  OktaUserId,
  type AccessTokensLeft,
  type Milestone,
  type MilestoneName,
  type OffboardingReport,
  type OffboardingRequest,
  type OffboardingSnapshot,
  type OffboardingStatus,
  type Phase,
  type PlannedAction,
  type Residue,
  type RunOutcome,
} from './definitions';
import { RunRecord } from './run-record';
import type { Steering } from './steering';

export class Progress {
  readonly userId: string;
  phase: Phase = 'scheduled';
  readonly record: RunRecord;
  readonly notes: string[] = [];
  snapshot?: OffboardingSnapshot;
  /** See `OffboardingReport.statusBefore`. */
  statusBefore?: string;
  residue: Residue[] = [];
  accessTokens?: AccessTokensLeft;
  deviceWipeAt?: string;
  nextTimer?: OffboardingStatus['nextTimer'];
  attention?: OffboardingStatus['attention'];
  /** How many times the run has parked in needs-attention (time may have passed, and Okta changed, since). */
  parkings = 0;
  /** Called where the run reaches a milestone the phase shows (workflows/milestones.ts). */
  onMilestone?: (name: MilestoneName) => void;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly request: OffboardingRequest) {
    this.userId = request.userId;
    this.record = new RunRecord(`Offboarding ${request.userId}${request.dryRun ? ' (dry run)' : ''}`, () => this.phase);
  }

  /** The search attributes operators find the run by. */
  announce(effectiveAt: number | undefined): void {
    upsertSearchAttributes([
      { key: OktaUserId, value: this.userId },
      { key: OffboardingSource, value: this.request.source },
      { key: OffboardingEventId, value: this.request.correlationId },
      { key: OffboardingPhase, value: this.phase },
      ...(effectiveAt ? [{ key: OffboardingEffectiveAt, value: new Date(effectiveAt) }] : []),
    ]);
  }

  setPhase(phase: Phase): void {
    this.phase = phase;
    upsertSearchAttributes([{ key: OffboardingPhase, value: phase }]);
    this.record.publish();
    if (phase === 'awaiting-approval' || phase === 'needs-attention') this.onMilestone?.(phase);
  }

  /** A durable timer starts: the status shows when it fires, the Temporal UI what it waits for. */
  waiting(timer: NonNullable<OffboardingStatus['nextTimer']>, message: string): void {
    this.nextTimer = timer;
    this.record.publish(message);
    if (timer.kind === 'device-wipe') this.onMilestone?.('wipe-scheduled');
  }

  status(steering: Steering): OffboardingStatus {
    return {
      userId: this.userId,
      phase: this.phase,
      steps: this.record.steps,
      nextTimer: this.nextTimer,
      snapshotSummary: this.snapshot && {
        groups: this.snapshot.groups.length,
        apps: this.snapshot.apps.length,
        factors: this.snapshot.factors?.length,
        devices: this.snapshot.devices.length,
        oauthClients: this.snapshot.oauthClientIds?.length,
      },
      lastMessage: steering.messages.at(-1),
      wipeDevicesNowRequested: steering.wipeNow,
      attention: this.attention,
    };
  }

  /** Enters the terminal phase, lets running message handlers finish, and builds the report. */
  async finish(
    outcome: RunOutcome,
    { steering, plan, error }: { steering: Steering; plan?: PlannedAction[]; error?: OffboardingReport['error'] },
  ): Promise<OffboardingReport> {
    this.setPhase(outcome === 'dry-run' ? 'completed' : outcome);
    await condition(allHandlersFinished);
    return { ...this.soFar(steering), outcome, finishedAt: new Date().toISOString(), plan, error };
  }

  /** The report as it stands: what a milestone records before the run ends. */
  soFar(steering: Steering): Extract<Milestone, { kind: 'offboard' }>['report'] {
    return {
      workflowId: workflowInfo().workflowId,
      userId: this.userId,
      source: this.request.source,
      requestedBy: this.request.requestedBy,
      correlationId: this.request.correlationId,
      reason: this.request.reason,
      startedAt: this.startedAt,
      effectiveAt: steering.effectiveAt ? new Date(steering.effectiveAt).toISOString() : undefined,
      deviceWipeAt: this.deviceWipeAt,
      steps: this.record.steps,
      snapshot: this.snapshot,
      ...(this.statusBefore ? { statusBefore: this.statusBefore } : {}),
      residue: this.residue,
      messages: steering.messages,
      notes: this.notes,
      accessTokens: this.accessTokens,
      error: this.attention && {
        step: this.attention.step,
        type: this.attention.type,
        message: this.attention.message,
      },
    };
  }
}
