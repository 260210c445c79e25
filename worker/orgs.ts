// Several Okta orgs (docs/org2org.md): the workforce org keeps `<queue>-okta-<bucket>`, and each linked org gets
// `<queue>-org-<name>-okta-<bucket>`, whose workers host the activities built around that org's Okta client, at the
// rate of that org's own limits and share. The queue decides the org, so activities take no org argument, and one
// org's rate limits (or 429 storm) never spend another's queue.
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { OktaConfig } from '../okta/client';
import { readOrgsFile, type OrgEntry } from '../okta/orgs';
import { linkedOrgTaskQueue, OKTA_BUCKETS, type LinkedOrg, type LinkMethod } from '../workflows/definitions';
import { DEFAULT_BUDGET, queueRate, queueRatesPerMinute, type OktaBudget } from './budget';
import type { WorkerSetup } from './workers';

export interface LinkedOrgConfig {
  name: string;
  okta: OktaConfig;
  budget: OktaBudget;
  link: LinkMethod;
}

/** A linked org as the worker runs it: its client and budget. */
export interface LinkedOrgSetup {
  name: string;
  okta: OktaClient;
  budget: OktaBudget;
}

export interface Orgs {
  okta: OktaConfig;
  budget: OktaBudget;
  linked: LinkedOrgConfig[];
}

/** Settings the orgs file's `primary` replaces: both set would leave which one holds to a guess. */
const PRIMARY_SETTINGS = [
  'OKTA_ORG_URL',
  'OFFBOARD_OKTA_RATE_LIMITS',
  'OFFBOARD_OKTA_RATE_SHARE',
  'OFFBOARD_OKTA_CONCURRENCY',
];

/**
 * The orgs the worker serves. Without OKTA_ORGS_FILE, `single()`: the OKTA_* and OFFBOARD_OKTA_* variables, one org,
 * as before. With it, its linked orgs, and its `primary` instead of those variables when it has one.
 */
export function orgsFromEnv(env: NodeJS.ProcessEnv, single: () => Omit<Orgs, 'linked'>): Orgs {
  const path = env.OKTA_ORGS_FILE || undefined;
  if (!path) return { ...single(), linked: [] };
  const file = readOrgsFile(path, env);
  const linked = file.linked.map((org) => ({ name: org.name, okta: org.okta, budget: budgetOf(org), link: org.link }));
  if (!file.primary) return { ...single(), linked };
  const clash = PRIMARY_SETTINGS.filter((name) => env[name]);
  if (clash.length > 0)
    throw new Error(
      `OKTA_ORGS_FILE ${path} has a primary org: unset ${clash.join(', ')} (or remove "primary" and keep them)`,
    );
  return { okta: file.primary.okta, budget: budgetOf(file.primary), linked };
}

/** An org's limits and slots over Okta's Workforce table and the default slots; its share, 0.9 unless given. */
export function budgetOf(org: Pick<OrgEntry, 'rateLimits' | 'share' | 'concurrency'>): OktaBudget {
  return {
    perMinute: { ...DEFAULT_BUDGET.perMinute, ...org.rateLimits },
    share: org.share ?? DEFAULT_BUDGET.share,
    concurrency: { ...DEFAULT_BUDGET.concurrency, ...org.concurrency },
  };
}

/** What runs are told of the linked orgs (RunPolicy.linkedOrgs): names and link methods, no credential. */
export function linkedOrgPolicy(linked: LinkedOrgConfig[]): { linkedOrgs?: LinkedOrg[] } {
  return linked.length > 0 ? { linkedOrgs: linked.map(({ name, link }) => ({ name, link })) } : {};
}

/** The activity queues of a linked org, each with its rate (per minute, across all workers) and slots per worker. */
export function linkedOrgQueues(
  taskQueue: string,
  org: Pick<LinkedOrgSetup, 'name' | 'budget'>,
): Array<{ taskQueue: string; perMinute: number; slots: number }> {
  const rates = queueRatesPerMinute(org.budget);
  return OKTA_BUCKETS.map((bucket) => ({
    taskQueue: linkedOrgTaskQueue(taskQueue, org.name, bucket),
    perMinute: rates[bucket],
    slots: org.budget.concurrency[bucket],
  }));
}

/** One Worker per bucket of each linked org, hosting the activities around that org's client. */
export async function createLinkedOrgWorkers(
  setup: WorkerSetup,
  common: Pick<WorkerOptions, 'connection' | 'namespace' | 'dataConverter'> & Partial<WorkerOptions>,
): Promise<Worker[]> {
  const workers = (setup.linkedOrgs ?? []).map((org) => {
    const activities = createActivities(
      org.okta,
      setup.policy,
      setup.temporal,
      undefined,
      undefined,
      setup.activityOptions,
    );
    return OKTA_BUCKETS.map((bucket) =>
      Worker.create({
        ...common,
        taskQueue: linkedOrgTaskQueue(setup.taskQueue, org.name, bucket),
        activities,
        enableNonLocalActivities: true,
        maxConcurrentActivityTaskExecutions: org.budget.concurrency[bucket],
        maxTaskQueueActivitiesPerSecond: queueRate(org.budget, bucket),
      }),
    );
  });
  return Promise.all(workers.flat());
}
