// Ends the runs a lockout-only benchmark leaves open (waiting on their device timer): one batch terminate
// through Temporal's batch operations (the server's own batcher works through the visibility query), with
// progress from DescribeBatchOperation; any run it missed is terminated by id.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** The open offboardings of one task queue: the benchmark's, never another client's of the same namespace. */
export const openRunsQuery = (taskQueue: string): string =>
  `WorkflowType = "offboardUser" AND TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`;

export interface Termination {
  /** Runs open before the batch. */
  open: number;
  /** Terminated by the batch operation. */
  byBatch: number;
  /** Terminated one by one afterwards (missed by the batch's visibility query, or the batch failed). */
  byId: number;
  /** Runs still open at the end (should be 0). */
  left: number;
  durationMs: number;
  /** The batch job's id, for `temporal batch describe`. */
  jobId?: string;
  /** Why the batch did not finish, if it did not. */
  batchError?: string;
}

const RUNNING = temporal.api.enums.v1.BatchOperationState.BATCH_OPERATION_STATE_RUNNING;
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Terminates every open offboardUser run of `taskQueue`; `progress` gets (done, total) along the way. */
export async function terminateOpenRuns(
  client: Client,
  taskQueue: string,
  reason: string,
  progress: (done: number, total: number) => void,
  timeoutMs = 600_000,
): Promise<Termination> {
  const began = Date.now();
  const query = openRunsQuery(taskQueue);
  const countOpen = async () => (await client.workflow.count(query)).count;
  const open = await countOpen();
  const result: Termination = { open, byBatch: 0, byId: 0, left: 0, durationMs: 0 };
  if (open === 0) return result;
  const namespace = client.options.namespace;
  const jobId = `bench-stop-${randomUUID()}`;
  result.jobId = jobId;
  try {
    await client.workflowService.startBatchOperation({
      namespace,
      jobId,
      reason,
      visibilityQuery: query,
      terminationOperation: { identity: 'offboarding-bench' },
    });
    for (;;) {
      await sleep(1_000);
      const batch = await client.workflowService.describeBatchOperation({ namespace, jobId }).catch(() => undefined); // not visible for a moment after the start
      if (!batch) continue;
      const done = Number(batch.completeOperationCount ?? 0);
      result.byBatch = done;
      progress(done, Number(batch.totalOperationCount ?? 0) || open);
      if (batch.state !== RUNNING) {
        if (Number(batch.failureOperationCount ?? 0) > 0)
          result.batchError = `${Number(batch.failureOperationCount)} terminations failed in the batch`;
        break;
      }
      if (Date.now() - began > timeoutMs) {
        result.batchError = `the batch had not finished after ${timeoutMs / 1000} s`;
        break;
      }
    }
  } catch (error) {
    result.batchError = error instanceof Error ? error.message : String(error);
  }
  // Whatever the batch left: by id, a few at a time.
  const rest: string[] = [];
  for await (const execution of client.workflow.list({ query })) rest.push(execution.workflowId);
  for (let i = 0; i < rest.length; i += 16) {
    await Promise.all(
      rest.slice(i, i + 16).map((workflowId) =>
        client.workflow
          .getHandle(workflowId)
          .terminate(reason)
          .then(
            () => result.byId++,
            () => undefined, // closed meanwhile
          ),
      ),
    );
    progress(result.byBatch + result.byId, open);
  }
  // Visibility follows the terminations by a moment.
  for (let tries = 0; tries < 10; tries++) {
    result.left = await countOpen();
    if (result.left === 0) break;
    await sleep(1_000);
  }
  result.durationMs = Date.now() - began;
  return result;
}
