// Temporal connection settings the Temporal way (@temporalio/envconfig: TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS settings and TOML profiles), shared by the worker,
// the CLI and the intake; and the payload codec they share (OFFBOARD_CODEC_KEYS_FILE), so history is encrypted.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { dataConverterFor, loadCodecKeys } from '../codec';

export interface TemporalConfig {
  connection: NativeConnectionOptions;
  namespace: string;
  /** Workflow task queue, and prefix of the per-Okta-bucket activity queues. */
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for links to runs. */
  uiUrl: string;
  /** The AES-GCM payload codec when OFFBOARD_CODEC_KEYS_FILE is set; every client and worker must use the same. */
  dataConverter?: DataConverter;
}

export function temporalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const address = connectionOptions.address ?? 'localhost:7233';
  return {
    connection: { ...connectionOptions, address },
    namespace: namespace ?? 'default',
    taskQueue: env.OFFBOARD_TASK_QUEUE || 'offboarding',
    uiUrl: (env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/+$/, ''),
    dataConverter: dataConverterFor(loadCodecKeys(env)),
  };
}

export async function connectClient(config: TemporalConfig): Promise<Client> {
  const { address, tls, apiKey, metadata } = config.connection;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return new Client({ connection, namespace: config.namespace, dataConverter: config.dataConverter });
}

/** The Temporal UI page of a run. */
export function runUrl(
  config: Pick<TemporalConfig, 'uiUrl' | 'namespace'>,
  workflowId: string,
  runId?: string,
): string {
  const base = `${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
