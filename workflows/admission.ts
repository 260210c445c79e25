// The blast-radius guard. `offboardingGate`, one workflow per task queue, counts the runs that ask to act within
// the approval window, org-wide, and holds every further run past the threshold, or every run while paused.
// `Approval` is a run's side: it asks the gate before any Okta call, and a held run (or one whose person is in an
// approval-required group) waits in `awaiting-approval` for `approve` from someone else than its requester, or `reject`.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  admitUpdate,
  approveUpdate,
  gateQuery,
  parseDuration,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  type Admission,
  type AdmissionAsk,
  type GatePause,
  type GateView,
  type OffboardingRequest,
  type OffboardingSnapshot,
  type OffboardingSource,
  type RunPolicy,
} from './definitions';
import { describeFailure } from './needs-attention';
import { OktaCalls } from './okta-calls';
import type { Progress } from './report';
import { isStop, type Steering } from './steering';

/** One run that asked, with the answer it got (asked again, the gate answers the same). */
interface GateStart extends Admission {
  runId: string;
  source: OffboardingSource;
  at: number;
  windowMs: number;
}

/** What the gate carries across continue-as-new. */
export interface GateState {
  starts: GateStart[];
  paused?: GatePause;
  /** The threshold and window of the latest ask, for the view. */
  policy?: { threshold: number; window: string };
}

/**
 * Temporal accepts at most 2,000 updates per workflow run (`history.maxTotalUpdates`) and suggests
 * continue-as-new near it; the gate continues well before, keeping its window and pause.
 */
const UPDATES_PER_RUN = 1_000;

export async function offboardingGate(state: GateState = { starts: [] }): Promise<void> {
  const gate = new Gate(state);
  setHandler(admitUpdate, (asks) => gate.admit(asks), {
    validator: (asks) => {
      if (!Array.isArray(asks) || asks.length === 0) throw new Error('admit takes at least one run');
      for (const ask of asks) {
        if (!ask.runId || !ask.workflowId) throw new Error('admit needs each run’s workflowId and runId');
        if (parseDuration(ask.window) === undefined) throw new Error(`not a duration: ${ask.window}`);
      }
    },
  });
  setHandler(pauseUpdate, (input) => gate.pause(input), {
    validator: ({ requestedBy }) => {
      if (!requestedBy) throw new Error('pause needs requestedBy');
    },
  });
  setHandler(resumeUpdate, () => gate.resume());
  setHandler(gateQuery, () => gate.view(Date.now()));
  gate.publish();
  await condition(() => workflowInfo().continueAsNewSuggested || gate.updates >= UPDATES_PER_RUN);
  await condition(allHandlersFinished);
  await continueAsNew<typeof offboardingGate>(gate.carry(Date.now()));
}

class Gate {
  /** By run id, oldest first. */
  private readonly starts: Map<string, GateStart>;
  private paused?: GatePause;
  private policy?: GateState['policy'];
  updates = 0;

  constructor(state: GateState) {
    this.starts = new Map(state.starts.map((start) => [start.runId, start]));
    this.paused = state.paused;
    this.policy = state.policy;
  }

  admit(asks: AdmissionAsk[]): Admission[] {
    this.updates++;
    const now = Date.now();
    this.prune(now);
    const answers = asks.map((ask) => {
      const known = this.starts.get(ask.runId);
      if (known) return answerOf(known);
      const windowMs = parseDuration(ask.window) ?? 0;
      const before = this.countSince(now - windowMs);
      const startsInWindow = before + 1;
      const answer: Admission = this.paused
        ? {
            admitted: false,
            reason: `the guard is paused (by ${this.paused.requestedBy} at ${this.paused.at}${this.paused.reason ? `: ${this.paused.reason}` : ''})`,
            startsInWindow,
          }
        : ask.threshold > 0 && before >= ask.threshold
          ? {
              admitted: false,
              reason: `${startsInWindow} starts within ${ask.window}, more than the approval threshold of ${ask.threshold}`,
              startsInWindow,
            }
          : {
              admitted: true,
              reason:
                ask.threshold > 0
                  ? `start ${startsInWindow} of at most ${ask.threshold} within ${ask.window}`
                  : 'no threshold (OFFBOARD_APPROVAL_THRESHOLD=0)',
              startsInWindow,
            };
      this.starts.set(ask.runId, { ...answer, runId: ask.runId, source: ask.source, at: now, windowMs });
      this.policy = { threshold: ask.threshold, window: ask.window };
      return answer;
    });
    this.publish();
    return answers;
  }

  pause({ requestedBy, reason }: { requestedBy: string; reason?: string }): GateView {
    this.updates++;
    this.paused ??= { requestedBy, at: new Date().toISOString(), ...(reason ? { reason } : {}) };
    this.publish();
    return this.view(Date.now());
  }

  resume(): GateView {
    this.updates++;
    this.paused = undefined;
    this.publish();
    return this.view(Date.now());
  }

  view(now: number): GateView {
    const windowMs = parseDuration(this.policy?.window ?? '') ?? 0;
    const recent = [...this.starts.values()].filter((start) => start.at > now - windowMs);
    const bySource: GateView['bySource'] = {};
    for (const start of recent) bySource[start.source] = (bySource[start.source] ?? 0) + 1;
    return {
      ...(this.paused ? { paused: this.paused } : {}),
      ...(this.policy ?? {}),
      startsInWindow: recent.length,
      heldInWindow: recent.filter((start) => !start.admitted).length,
      bySource,
    };
  }

  carry(now: number): GateState {
    this.prune(now);
    return { starts: [...this.starts.values()], paused: this.paused, policy: this.policy };
  }

  /** The Temporal UI's current details: the pause and the count. */
  publish(): void {
    const view = this.view(Date.now());
    const sources = Object.entries(view.bySource).map(([source, count]) => `${source} ${count}`);
    setCurrentDetails(
      [
        view.paused
          ? `**Paused** by ${view.paused.requestedBy} at ${view.paused.at}${view.paused.reason ? `: ${view.paused.reason}` : ''}: every new run waits in \`awaiting-approval\`.`
          : '**Admitting** runs up to the threshold.',
        '',
        `${view.startsInWindow} starts within ${view.window ?? 'the window'} (threshold ${view.threshold ?? 'not yet known'}), ${view.heldInWindow} held${sources.length ? `; ${sources.join(', ')}` : ''}.`,
      ].join('\n'),
    );
  }

  private countSince(since: number): number {
    let count = 0;
    for (const start of this.starts.values()) if (start.at > since) count++;
    return count;
  }

  /** Each start is kept for its own window: asked again after it, a run is counted again. */
  private prune(now: number): void {
    for (const [runId, start] of this.starts) if (start.at <= now - start.windowMs) this.starts.delete(runId);
  }
}

const answerOf = ({ admitted, reason, startsInWindow }: Admission): Admission => ({ admitted, reason, startsInWindow });

const normalise = (value: string): string => value.trim().toLowerCase();

/**
 * The gate answers within seconds; one that does not (its worker gone, its code broken) holds the run for an
 * operator rather than letting it act unguarded.
 */
const ASK_BUDGET = { lockBudget: '5m', attemptTimeout: '1m' };

type Group = Pick<OffboardingSnapshot['groups'][number], 'id' | 'name'>;

export class Approval {
  private approvedBy?: string;
  private holding = false;

  /** Installs the handlers before the run's first await, so that an early `approve` is answered by its validator. */
  constructor(
    private readonly request: OffboardingRequest,
    private readonly progress: Progress,
    private readonly steering: Steering,
  ) {
    setHandler(
      approveUpdate,
      (input) => {
        this.approvedBy = input.requestedBy;
        this.record({ name: 'approve', ...input });
        return { phase: this.progress.phase };
      },
      { validator: (input) => this.requireHeld('approve', input.requestedBy, true) },
    );
    setHandler(
      rejectUpdate,
      (input) => {
        const message = { name: 'reject' as const, ...input };
        this.record(message);
        this.progress.notes.push(
          `Rejected in awaiting-approval by ${input.requestedBy}${input.reason ? ` (${input.reason})` : ''}.`,
        );
        this.steering.stop ??= message;
        return { phase: this.progress.phase };
      },
      { validator: (input) => this.requireHeld('reject', input.requestedBy, false) },
    );
  }

  /** Asks the gate to admit this run (counted in its window); a held run waits for an operator. */
  async admit(policy: RunPolicy): Promise<void> {
    const { workflowId, runId, taskQueue } = workflowInfo();
    const ask: AdmissionAsk = {
      workflowId,
      runId,
      source: this.request.source,
      // A worker of the previous release reads no approval settings: the defaults hold meanwhile.
      threshold: policy.approvalThreshold ?? 25,
      window: policy.approvalWindow ?? '1h',
    };
    let admission: Admission;
    try {
      admission = await new OktaCalls({ ...policy, ...ASK_BUDGET }).call(
        'askAdmission',
        'lock',
        `Ask the blast-radius guard to admit ${workflowId}`,
        { taskQueue, ask },
      );
    } catch (error) {
      if (isStop(error)) throw error;
      const failure = describeFailure(error);
      admission = {
        admitted: false,
        reason: `the blast-radius guard did not answer (${failure.type}: ${failure.message})`,
        startsInWindow: 0,
      };
    }
    if (!admission.admitted) await this.hold(admission.reason);
  }

  /** Why this person's run needs an approval whatever the count (a group of OFFBOARD_APPROVAL_REQUIRED_GROUPS). */
  requirement(groups: Group[], policy: RunPolicy): string | undefined {
    if (this.approvedBy) return undefined;
    const listed = new Set((policy.approvalRequiredGroups ?? []).map(normalise));
    const hit = groups.find((group) => listed.has(normalise(group.id)) || listed.has(normalise(group.name)));
    return hit && `member of ${hit.id} (${hit.name}), a group whose members' runs always need an approval`;
  }

  /** `awaiting-approval`: no Okta change until `approve`; `reject`, `cancel` or `rehire` end the run here. */
  async hold(reason: string): Promise<void> {
    const { record } = this.progress;
    const step = record.begin('awaitApproval', 'awaiting-approval');
    step.reason = reason;
    // After the step: the awaiting-approval milestone the phase reaches carries the reason (no command moves).
    this.progress.setPhase('awaiting-approval');
    record.publish(
      `**Awaiting approval**: ${reason}. Nothing is changed in Okta until an operator other than ${this.request.requestedBy} sends \`approve\`; \`reject\` ends the run.`,
    );
    this.holding = true;
    try {
      await condition(() => this.approvedBy !== undefined || this.steering.stop !== undefined);
    } finally {
      this.holding = false;
      // A stop (or Temporal's Cancel, which rejects the wait) ends the run here, before any change.
      const stop = this.steering.stop;
      if (stop || !this.approvedBy)
        record.finish(step, 'skipped', `${reason}; ${stop?.name ?? 'cancelled'} by ${stop?.requestedBy ?? 'temporal'}`);
    }
    this.steering.checkpoint();
    record.add(step, {
      id: this.request.userId,
      kind: 'user',
      outcome: 'done',
      reason: `approved by ${this.approvedBy}`,
    });
    record.finish(step, 'done', reason);
  }

  private record(message: { name: 'approve' | 'reject'; requestedBy: string; reason?: string }): void {
    this.steering.messages.push({ ...message, at: new Date().toISOString(), phase: this.progress.phase });
  }

  private requireHeld(update: 'approve' | 'reject', requestedBy: string, twoPerson: boolean): void {
    if (!requestedBy) throw new Error(`${update} needs requestedBy`);
    if (!this.holding || this.steering.stop)
      throw new Error(`${update} is only accepted while the run is awaiting approval; it is ${this.progress.phase}`);
    if (twoPerson && normalise(requestedBy) === normalise(this.request.requestedBy))
      throw new Error(
        `two-person rule: ${requestedBy} requested this run and cannot approve it; another operator must`,
      );
  }
}
