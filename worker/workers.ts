// The worker layout: one Worker for workflows on OFFBOARD_TASK_QUEUE, and one per Okta bucket on
// `<queue>-okta-<bucket>`, each with the server-enforced rate of its bucket (see budget.ts).
import { extname, join } from 'node:path';
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import type { Client as TemporalClient } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { OffboardingPolicy } from '../activities/policy';
import { activityTaskQueue, OKTA_BUCKETS } from '../workflows/definitions';
import { queueRate, type OktaBudget } from './budget';

/** The workflows entry, `.ts` under tsx and vitest, `.js` once compiled. */
export const WORKFLOWS_PATH = join(__dirname, '..', 'workflows', `index${extname(__filename)}`);

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  okta: OktaClient;
  policy: OffboardingPolicy;
  budget: OktaBudget;
  /** For rehire lookups of closed runs. */
  temporal: TemporalClient;
  /** The payload codec (runs/temporal.ts `dataConverter`): the same as the clients', or history cannot be read. */
  dataConverter?: DataConverter;
  /** `workflowBundle` in production, `workflowsPath` in development; defaults to bundling `workflows/`. */
  workflowCode?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Extra options for every Worker (tests set a short shutdown grace time). */
  overrides?: Partial<WorkerOptions>;
}

export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const activities = createActivities(setup.okta, setup.policy, setup.temporal);
  const common = {
    connection: setup.connection,
    namespace: setup.namespace,
    dataConverter: setup.dataConverter,
    ...setup.overrides,
  };
  const workflowWorker = await Worker.create({
    ...common,
    taskQueue: setup.taskQueue,
    ...(setup.workflowCode ?? { workflowsPath: WORKFLOWS_PATH }),
    activities,
  });
  const bucketWorkers = await Promise.all(
    OKTA_BUCKETS.map((bucket) =>
      Worker.create({
        ...common,
        taskQueue: activityTaskQueue(setup.taskQueue, bucket),
        activities,
        enableNonLocalActivities: true,
        maxConcurrentActivityTaskExecutions: setup.budget.concurrency[bucket],
        maxTaskQueueActivitiesPerSecond: queueRate(setup.budget, bucket),
      }),
    ),
  );
  return [workflowWorker, ...bucketWorkers];
}

/** Runs the workers until shutdown; if one fails, the others are shut down too. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } finally {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}
