// `npm run worker`: the offboarding worker process.
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { openTrailForWorker } from '../archive/open';
import { createOktaClient } from '../okta/client';
import { resolveGroupId } from '../okta/lookups';
import { connectClient } from '../runs/temporal';
import { createLogger } from './logger';
import { workerConfigFromEnv } from './config';
import { ensurePollerSchedule } from './schedule';
import { ensureDriftSchedule } from './drift-schedule';
import { createWorkers, runWorkers } from './workers';

async function run(): Promise<void> {
  const config = workerConfigFromEnv();
  const logger = createLogger(config.logLevel);
  Runtime.install({
    logger,
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(config.metricsAddress ? { metrics: { prometheus: { bindAddress: config.metricsAddress } } } : {}),
    },
  });
  const okta = createOktaClient(config.okta);
  // The offboarding group by id: runs it starts confirm membership by id. A name is looked up once, here; when
  // that fails (no such group yet, two of that name, Okta unreachable) the name stays, and each run and poll
  // looks it up itself, refusing an ambiguous name.
  const group = config.policy.offboardingGroup;
  if (group) {
    const groupId = await resolveGroupId(okta, group).catch((error: unknown) => {
      logger.warn('OFFBOARD_OKTA_GROUP could not be looked up: runs will look it up (give the id to avoid this)', {
        group,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    });
    if (groupId && groupId !== group) {
      logger.info('Offboarding group resolved', { name: group, groupId });
      config.policy.offboardingGroup = groupId;
    } else if (!groupId) {
      logger.warn('OFFBOARD_OKTA_GROUP names no group in Okta yet: runs will look it up', { group });
    }
  }
  // Opened once for the process and migrated here, so a wrong URL or a folder another worker holds stops start-up.
  const archive = await openTrailForWorker(config.archive);
  if (await archive.rowsChangeable())
    logger.warn('The audit archive role may UPDATE or DELETE archive_events: the trail is not append-only for it', {
      archive: archive.db.description,
    });
  const connection = await NativeConnection.connect(config.temporal.connection);
  const temporal = await connectClient(config.temporal);
  try {
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      okta,
      policy: config.policy,
      budget: config.budget,
      linkedOrgs: config.linkedOrgs.map((org) => ({
        name: org.name,
        okta: createOktaClient(org.okta),
        budget: org.budget,
      })),
      temporal,
      archive,
      notifications: config.notifications,
      dataConverter: config.temporal.dataConverter,
      workflowCode: config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : undefined,
      footprint: config.footprint,
      overrides: { shutdownGraceTime: '20s' },
    });
    const poller = await ensurePollerSchedule(temporal, {
      taskQueue: config.temporal.taskQueue,
      group: config.policy.offboardingGroup,
      interval: config.pollInterval,
    });
    if (!poller) logger.warn('OFFBOARD_OKTA_GROUP is not set: the System Log poller is off');
    const drift = await ensureDriftSchedule(temporal, {
      taskQueue: config.temporal.taskQueue,
      drift: config.drift,
      perMinute: config.budget.perMinute,
      offboardingGroup: config.policy.offboardingGroup,
    });
    logger.info('Offboarding worker started', {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      okta: config.okta.orgUrl,
      linkedOrgs:
        config.linkedOrgs.map((org) => `${org.name} ${org.okta.orgUrl} (${org.link.by})`).join(', ') || 'none',
      metrics: config.metricsAddress ?? 'off',
      payloads: config.temporal.dataConverter ? 'encrypted' : 'plaintext (OFFBOARD_CODEC_KEYS_FILE is not set)',
      archive: archive.description,
      notifications: config.policy.notify ? config.policy.notify.join(', ') || 'none routed' : 'off',
      poller: poller ? `${poller.scheduleId} every ${config.pollInterval}` : 'off',
      driftWatch: drift ? `${drift.scheduleId} every ${config.drift.poll}, ${config.drift.action}` : 'off',
    });
    await runWorkers(workers);
  } finally {
    await connection.close();
    await temporal.connection.close();
    await archive.close();
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
