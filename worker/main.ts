// `npm run worker`: the offboarding worker process.
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createOktaClient } from '../okta/client';
import { resolveGroupId } from '../okta/lookups';
import { connectClient } from '../runs/temporal';
import { createLogger } from './logger';
import { workerConfigFromEnv } from './config';
import { ensurePollerSchedule } from './schedule';
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
      temporal,
      dataConverter: config.temporal.dataConverter,
      workflowCode: config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : undefined,
      overrides: { shutdownGraceTime: '20s' },
    });
    const poller = await ensurePollerSchedule(temporal, {
      taskQueue: config.temporal.taskQueue,
      group: config.policy.offboardingGroup,
      interval: config.pollInterval,
    });
    if (!poller) logger.warn('OFFBOARD_OKTA_GROUP is not set: the System Log poller is off');
    logger.info('Offboarding worker started', {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      okta: config.okta.orgUrl,
      metrics: config.metricsAddress ?? 'off',
      payloads: config.temporal.dataConverter ? 'encrypted' : 'plaintext (OFFBOARD_CODEC_KEYS_FILE is not set)',
      poller: poller ? `${poller.scheduleId} every ${config.pollInterval}` : 'off',
    });
    await runWorkers(workers);
  } finally {
    await connection.close();
    await temporal.connection.close();
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
