// The cluster's one-time setup, idempotent: the namespace, the project's custom search attributes
// (through the operator service) and the System Log poller's Schedule (which every worker also
// ensures at start, worker/schedule.ts). The compose `setup` service and the rehearsal run this
// same file (`node dist/worker/setup-temporal.js`) with the worker's environment.
import { Connection, type Client } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { archiveConfigFromEnv } from '../archive/config';
import { setUpArchive } from '../archive/open';
import { connectClient, temporalConfigFromEnv, type TemporalConfig } from '../runs/temporal';
import { ensurePollerSchedule } from './schedule';
import { parseDuration, SEARCH_ATTRIBUTE_KEYS } from '../workflows/definitions';

const { IndexedValueType } = temporal.api.enums.v1;

const INDEXED_TYPES: Partial<Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType>> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export interface SetupOptions {
  /** How long closed runs stay visible (the audit trail); default 30 days. */
  retention: string;
  /** How long to wait for the frontend and for the new attributes to be queryable. */
  timeoutMs: number;
  log: (line: string) => void;
  /** The System Log poller's Schedule (OFFBOARD_OKTA_GROUP, OFFBOARD_POLL_INTERVAL); none without a group. */
  poller?: { group?: string; interval: string };
}

const grpcCode = (error: unknown): number | undefined => (error as { code?: number }).code;
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

async function retryUntil<T>(what: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function ensureNamespace(connection: Connection, namespace: string, options: SetupOptions): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    options.log(`namespace ${namespace}: exists\n`);
    return;
  } catch (error) {
    if (grpcCode(error) !== GRPC_NOT_FOUND) throw error;
  }
  const retentionMs = parseDuration(options.retention);
  if (retentionMs === undefined) throw new Error(`retention must be a duration such as 30d, got ${options.retention}`);
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      description: 'Okta offboarding runs',
      workflowExecutionRetentionPeriod: msToTs(retentionMs),
    });
    options.log(`namespace ${namespace}: registered (retention ${options.retention})\n`);
  } catch (error) {
    if (grpcCode(error) !== GRPC_ALREADY_EXISTS) throw error;
  }
}

async function ensureSearchAttributes(connection: Connection, namespace: string, options: SetupOptions): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    const wanted = INDEXED_TYPES[key.type] as temporal.api.enums.v1.IndexedValueType;
    const existing = customAttributes?.[key.name];
    if (existing === undefined || existing === null) missing[key.name] = wanted;
    else if (existing !== wanted) {
      throw new Error(
        `search attribute ${key.name} exists as ${IndexedValueType[existing]}, the project needs ${IndexedValueType[wanted]}`,
      );
    }
  }
  if (Object.keys(missing).length === 0) {
    options.log(`search attributes: all ${SEARCH_ATTRIBUTE_KEYS.length} registered\n`);
    return;
  }
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  options.log(`search attributes: registered ${Object.keys(missing).join(', ')}\n`);
}

/** The frontend caches namespaces; runs can start once a query naming every attribute is accepted. */
async function awaitQueryable(client: Client, namespace: string, deadline: number): Promise<void> {
  const query = SEARCH_ATTRIBUTE_KEYS.map((key) =>
    key.type === SearchAttributeType.DATETIME ? `${key.name} > "2000-01-01T00:00:00Z"` : `${key.name} = "setup-probe"`,
  ).join(' AND ');
  await retryUntil('the search attributes are not queryable yet', deadline, () =>
    client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 }),
  );
}

export async function setUpTemporal(config: TemporalConfig, options: SetupOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const { address, tls, apiKey, metadata } = config.connection;
  const connection = await retryUntil(`Temporal at ${address} did not answer`, deadline, async () => {
    const candidate = await Connection.connect({ address, tls, apiKey, metadata, connectTimeout: '5s' });
    await candidate.workflowService.getSystemInfo({});
    return candidate;
  });
  try {
    await retryUntil(`namespace ${config.namespace}`, deadline, () =>
      ensureNamespace(connection, config.namespace, options),
    );
    await retryUntil('search attributes', deadline, () =>
      ensureSearchAttributes(connection, config.namespace, options),
    );
    const client = await connectClient(config);
    try {
      await awaitQueryable(client, config.namespace, deadline);
      if (options.poller?.group) {
        const schedule = await ensurePollerSchedule(client, {
          taskQueue: config.taskQueue,
          group: options.poller.group,
          interval: options.poller.interval,
        });
        options.log(
          `schedule ${schedule?.scheduleId}: polls the System Log for adds to ${options.poller.group} every ${options.poller.interval}\n`,
        );
      }
    } finally {
      await client.connection.close();
    }
    options.log(`Temporal namespace ${config.namespace} at ${address} is ready for offboardings.\n`);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  const env = process.env;
  const timeoutMs = Number(env.OFFBOARD_SETUP_TIMEOUT_SECONDS || 120) * 1000;
  const log = (line: string) => void process.stdout.write(line);
  setUpTemporal(temporalConfigFromEnv(env), {
    retention: env.OFFBOARD_NAMESPACE_RETENTION || '30d',
    timeoutMs,
    log,
    poller: { group: env.OFFBOARD_OKTA_GROUP || undefined, interval: env.OFFBOARD_POLL_INTERVAL || '1m' },
  })
    // The audit archive's schema, the production path (workers migrate at start too).
    .then(() => setUpArchive(archiveConfigFromEnv(env), Date.now() + timeoutMs, log))
    .catch((error: unknown) => {
      console.error(`setup failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
