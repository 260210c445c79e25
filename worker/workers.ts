// The worker layout: one Worker for workflows on OFFBOARD_TASK_QUEUE, and one per Okta bucket on
// `<queue>-okta-<bucket>`, each with the server-enforced rate of its bucket (see budget.ts).
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import type { Client as TemporalClient } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityOptions } from '../activities';
import type { NotifySettings } from '../activities/notify-settings';
import type { OffboardingPolicy } from '../activities/policy';
import type { AuditTrail } from '../archive/trail';
import { activityTaskQueue, OKTA_BUCKETS, parseDuration } from '../workflows/definitions';
import { queueRate, type OktaBudget } from './budget';
import { WORKFLOW_BUNDLER_OPTIONS, WORKFLOWS_PATH } from './bundle';
import { createLinkedOrgWorkers, type LinkedOrgSetup } from './orgs';

/**
 * The workflow worker's memory and concurrency. A layoff is thousands of runs that mostly wait on durable timers: a
 * run evicted from the sticky cache is replayed from its history when its timer fires (milliseconds of CPU), so the
 * cache is sized for the runs that are active at once, not for every open run. Measured in docs/performance.md.
 */
export interface WorkflowFootprint {
  /** Runs kept in the worker's sticky cache (`maxCachedWorkflows`). */
  maxCachedWorkflows: number;
  /** Workflow tasks processed at once (`maxConcurrentWorkflowTaskExecutions`). */
  workflowTaskSlots: number;
  /**
   * How long a run's next workflow task waits for this worker, which holds the run in its cache, before Temporal
   * hands it to any worker, which must replay the run's history first (`stickyQueueScheduleToStartTimeout`).
   */
  stickyQueueTimeout: string;
}

export const DEFAULT_FOOTPRINT: WorkflowFootprint = {
  maxCachedWorkflows: 1000,
  workflowTaskSlots: 10,
  stickyQueueTimeout: '10s',
};

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  okta: OktaClient;
  policy: OffboardingPolicy;
  budget: OktaBudget;
  /** Linked orgs (OKTA_ORGS_FILE): each on queues of its own, with its own client and budget (worker/orgs.ts). */
  linkedOrgs?: LinkedOrgSetup[];
  /** For rehire lookups of closed runs. */
  temporal: TemporalClient;
  /** The audit archive, opened once per worker process (archive/open.ts): milestones, and rehire after retention. */
  archive?: AuditTrail;
  /** Who hears of what (OFFBOARD_NOTIFY_FILE); no notification without it. */
  notifications?: NotifySettings;
  /** The payload codec (runs/temporal.ts `dataConverter`): the same as the clients', or history cannot be read. */
  dataConverter?: DataConverter;
  /** `workflowBundle` in production, `workflowsPath` in development; defaults to bundling `workflows/`. */
  workflowCode?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** The workflow worker's cache and slots; `DEFAULT_FOOTPRINT` when absent. */
  footprint?: WorkflowFootprint;
  /** How the activities share org-wide reads between runs (tests that reseed Okta turn the sharing off). */
  activityOptions?: ActivityOptions;
  /** Extra options for every Worker (tests set a short shutdown grace time). */
  overrides?: Partial<WorkerOptions>;
}

export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const activities = createActivities(
    setup.okta,
    setup.policy,
    setup.temporal,
    setup.archive,
    setup.notifications,
    setup.activityOptions,
  );
  const common = {
    connection: setup.connection,
    namespace: setup.namespace,
    dataConverter: setup.dataConverter,
    ...setup.overrides,
  };
  const workflowWorker = await Worker.create({
    ...common,
    taskQueue: setup.taskQueue,
    ...(setup.workflowCode ?? { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS }),
    maxCachedWorkflows: (setup.footprint ?? DEFAULT_FOOTPRINT).maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: (setup.footprint ?? DEFAULT_FOOTPRINT).workflowTaskSlots,
    stickyQueueScheduleToStartTimeout:
      parseDuration((setup.footprint ?? DEFAULT_FOOTPRINT).stickyQueueTimeout) ?? DEFAULT_FOOTPRINT.stickyQueueTimeout,
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
  return [workflowWorker, ...bucketWorkers, ...(await createLinkedOrgWorkers(setup, common))];
}

/** Runs the workers until shutdown; if one fails, the others are shut down too. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } finally {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}
