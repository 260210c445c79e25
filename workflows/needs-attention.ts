// A block of steps that keeps failing after the lock began parks the run in `needs-attention`
// (visible by the OffboardingPhase search attribute) until an operator fixes the cause and sends
// `retry`; the block then runs again from its start, which its steps' idempotence makes safe.
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import type { Progress } from './report';
import { isStop, type Steering } from './steering';
import { ResidueFound } from './verify';

export type Failure = { step?: string; type: string; message: string };

/**
 * Runs a block until it succeeds; a failure that outlived its retry budget (or is non-retryable)
 * waits for `retry`. `stoppable: false` is for the rehire restore, which runs after the stop it obeys.
 */
export type UntilDone = <T>(block: string, work: () => Promise<T>, options?: { stoppable?: boolean }) => Promise<T>;

export function parkingOnFailure(progress: Progress, steering: Steering): UntilDone {
  return async (block, work, { stoppable = true } = {}) => {
    const stopHere = (): void => {
      if (stoppable) steering.checkpoint();
    };
    for (;;) {
      stopHere();
      const resumePhase = progress.phase;
      try {
        return await work();
      } catch (error) {
        if (isStop(error)) throw error;
        const failure = describeFailure(error);
        if (error instanceof ResidueFound) progress.residue = error.residue;
        progress.attention = {
          step: failure.step ?? block,
          type: failure.type,
          message: failure.message,
          since: new Date().toISOString(),
        };
        log.warn('Offboarding needs attention', { userId: progress.userId, block, ...failure });
        progress.parkings++;
        progress.setPhase('needs-attention');
        progress.record.publish(
          `**Needs attention** in \`${block}\`: ${failure.type}: ${failure.message}. Send the \`retry\` update once the cause is fixed.`,
        );
        await steering.untilRetry({ stoppable });
        progress.attention = undefined;
        stopHere();
        progress.setPhase(resumePhase);
      }
    }
  };
}

/** The failing step, its error type and message, from whatever a step threw. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    const type =
      cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : (cause?.name ?? 'ActivityFailure');
    return { step: error.activityType, type, message: cause?.message ?? error.message };
  }
  if (error instanceof ApplicationFailure) return { type: error.type ?? 'ApplicationFailure', message: error.message };
  if (error instanceof ResidueFound)
    return { step: 'verifyAccessRemoved', type: 'ResidueFound', message: error.message };
  return {
    type: error instanceof Error ? error.name : 'Error',
    message: String(error instanceof Error ? error.message : error),
  };
}
