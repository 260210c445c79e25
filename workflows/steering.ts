// Steering a run (docs/architecture.md section 4): the operators' messages (cancel, rehire,
// wipeDevicesNow, reschedule, expedite, retry) with their validators, the state they set, the
// durable waits they end, and the safe points at which a cancel or rehire stops the run.
import { CancellationScope, condition, isCancellation, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  cancelSignal,
  DeviceWipeAt,
  expediteUpdate,
  OffboardingEffectiveAt,
  parseDuration,
  rehireSignal,
  rescheduleUpdate,
  retryUpdate,
  wipeDevicesNowSignal,
  type AppliedMessage,
  type SteeringMessage,
} from './definitions';
import type { Progress } from './report';

/** Thrown at a safe point once `cancel` or `rehire` arrived. */
class RunStopped extends Error {}

/** A stop (at a safe point, or Temporal's Cancel) rather than a failure: nothing to retry or report. */
export const isStop = (error: unknown): boolean => error instanceof RunStopped || isCancellation(error);

/** Every wait below also ends when a stop arrives; the safe point after it then stops the run. */
export class Steering {
  /** The first `cancel` or `rehire` (or Temporal's Cancel): the run stops at its next safe point. */
  stop?: SteeringMessage;
  /** Epoch milliseconds; `reschedule` moves it. */
  effectiveAt?: number;
  wipeNow = false;
  readonly messages: AppliedMessage[] = [];
  private deadlineMoved = false;
  private expedited = false;
  private retryRequested = false;

  /** Installs the handlers before the run's first await, so that messages sent with the start are seen. */
  constructor(
    effectiveAt: string | undefined,
    private readonly progress: Progress,
  ) {
    this.effectiveAt = effectiveAt ? Date.parse(effectiveAt) : undefined;
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
        return { phase: this.progress.phase };
      },
      { validator: (_input) => this.requireScheduled('expedite') },
    );
    setHandler(
      retryUpdate,
      (input) => {
        this.retryRequested = true;
        this.apply({ name: 'retry', ...input });
        return { phase: this.progress.phase };
      },
      {
        validator: (_input) => {
          if (this.progress.phase !== 'needs-attention')
            throw new Error(`retry is only accepted in needs-attention; the run is ${this.progress.phase}`);
        },
      },
    );
  }

  /** A safe point: stop here if `cancel` or `rehire` arrived. */
  checkpoint(): void {
    if (this.stop) throw new RunStopped();
  }

  /**
   * Runs the runbook; once it stops at a safe point, `onStop` ends the run instead. The Temporal UI's
   * Cancel button (or `temporal workflow cancel`) is handled like the `cancel` signal.
   */
  async obeyingStops<T>(runbook: () => Promise<T>, onStop: () => Promise<T>): Promise<T> {
    try {
      return await runbook();
    } catch (error) {
      if (error instanceof RunStopped) return onStop();
      if (!isCancellation(error)) throw error;
      this.stop ??= this.apply({ name: 'temporal-cancel', requestedBy: 'temporal' });
      return CancellationScope.nonCancellable(onStop);
    }
  }

  /** Until the effective date, which `reschedule` moves (the timer starts again) and `expedite` ends. */
  async untilEffectiveDate(): Promise<void> {
    while (this.effectiveAt !== undefined && this.effectiveAt > Date.now() && !this.expedited) {
      const firesAt = new Date(this.effectiveAt).toISOString();
      this.progress.waiting({ kind: 'effective-at', firesAt }, `Waiting for the effective date ${firesAt}.`);
      this.deadlineMoved = false;
      const summary = `Effective date ${firesAt}`;
      await condition(
        () => this.deadlineMoved || this.expedited || this.stop !== undefined,
        this.effectiveAt - Date.now(),
        { summary },
      );
      this.checkpoint();
    }
    this.progress.nextTimer = undefined;
  }

  /** Until `delay` passed (kept in the DeviceWipeAt search attribute) or `wipeDevicesNow` arrived. */
  async untilDeviceWipe(delay: string): Promise<void> {
    const wipeAt = Date.now() + (parseDuration(delay) ?? 0);
    const firesAt = new Date(wipeAt).toISOString();
    this.progress.deviceWipeAt = firesAt;
    upsertSearchAttributes([{ key: DeviceWipeAt, value: new Date(wipeAt) }]);
    if (!this.wipeNow && wipeAt > Date.now()) {
      const message = `Waiting ${delay} before decommissioning devices (until ${firesAt}); \`wipeDevicesNow\` ends the wait.`;
      this.progress.waiting({ kind: 'device-wipe', firesAt }, message);
      await condition(() => this.wipeNow || this.stop !== undefined, wipeAt - Date.now(), {
        summary: `Device wipe delay ${delay}`,
      });
      this.progress.nextTimer = undefined;
    }
    this.checkpoint();
  }

  /** Until `deleteAfter` passed. */
  async untilDeletion(deleteAfter: string): Promise<void> {
    const deleteAt = Date.now() + (parseDuration(deleteAfter) ?? 0);
    this.progress.waiting(
      { kind: 'deletion', firesAt: new Date(deleteAt).toISOString() },
      `Waiting ${deleteAfter} before deleting the user.`,
    );
    await condition(() => this.stop !== undefined, Math.max(deleteAt - Date.now(), 0), {
      summary: `Delete after ${deleteAfter}`,
    });
    this.progress.nextTimer = undefined;
    this.checkpoint();
  }

  /** Until `retry` arrives; or a stop, when the waiting block obeys stops. */
  async untilRetry({ stoppable }: { stoppable: boolean }): Promise<void> {
    await condition(() => this.retryRequested || (stoppable && this.stop !== undefined));
    this.retryRequested = false;
  }

  private apply(message: SteeringMessage): SteeringMessage {
    this.messages.push({ ...message, at: new Date().toISOString(), phase: this.progress.phase });
    return message;
  }

  private requireScheduled(update: string): void {
    const { phase } = this.progress;
    if (phase !== 'scheduled' || this.stop)
      throw new Error(`${update} is only accepted while the run is scheduled; it is ${phase}`);
  }
}
