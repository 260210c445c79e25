// The blast-radius guard's activity: a run asks the gate workflow of its task queue to admit it (no Okta call).
// The asks a worker process receives at once travel in one update, one update in flight at a time, because
// Temporal admits at most 10 updates in flight per workflow (`history.maxInFlightUpdates`): a layoff's hundreds
// of simultaneous asks would otherwise be refused and retried.
import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { admitUpdate, gateStart, type Admission, type AdmissionAsk } from '../workflows/definitions';

/** Keeps one update's payload far below Temporal's 2 MB limit. */
const MAX_ASKS_PER_UPDATE = 500;

interface Waiting {
  ask: AdmissionAsk;
  resolve: (admission: Admission) => void;
  reject: (error: unknown) => void;
}

/** The asks for one gate, sent in batches: while one update is in flight, the next batch gathers. */
class GateAsks {
  private readonly waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  ask(ask: AdmissionAsk): Promise<Admission> {
    const answer = new Promise<Admission>((resolve, reject) => this.waiting.push({ ask, resolve, reject }));
    if (!this.sending) void this.send();
    return answer;
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_ASKS_PER_UPDATE);
        try {
          const answers = await this.temporal.workflow.executeUpdateWithStart(admitUpdate, {
            args: [batch.map((entry) => entry.ask)],
            startWorkflowOperation: new WithStartWorkflowOperation('offboardingGate', gateStart(this.taskQueue)),
          });
          batch.forEach((entry, index) => {
            const answer = answers[index];
            if (answer) entry.resolve(answer);
            else entry.reject(new Error(`the gate answered ${answers.length} of ${batch.length} asks`));
          });
        } catch (error) {
          // Each run's activity is retried; the gate answers a run it already counted the same way.
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

export function createAdmissionActivities(temporal: Client | undefined) {
  const gates = new Map<string, GateAsks>();
  return {
    /** The gate's answer for this run: admitted, or held (paused, or past the threshold) with the reason. */
    async askAdmission({ taskQueue, ask }: { taskQueue: string; ask: AdmissionAsk }): Promise<Admission> {
      if (!temporal) throw ApplicationFailure.nonRetryable('The worker has no Temporal client to reach the gate with');
      let gate = gates.get(taskQueue);
      if (!gate) gates.set(taskQueue, (gate = new GateAsks(temporal, taskQueue)));
      return gate.ask(ask);
    },
  };
}
