// Connects a test file to the suite's dev server and stores workflow histories as replay fixtures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { decodeInPlace } from './codec';

export const HISTORY_FIXTURES = join(__dirname, '..', 'fixtures', 'histories');

/** The address of the test run's dev server, which the first call of the run starts. */
export async function suiteServerAddress(): Promise<string> {
  const starter = inject('temporalStarter');
  if (!starter)
    throw new Error(
      'this vitest project has no Temporal dev server: add test/support/global-setup.ts to its globalSetup',
    );
  const response = await fetch(starter);
  const answer = await response.text();
  if (!response.ok) throw new Error(`the test run's Temporal dev server did not start: ${answer}`);
  return answer;
}

export async function connectToSuiteServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: await suiteServerAddress() });
}

/**
 * With RECORD_HISTORIES=1, saves the run's history as `<name>.json`; the replay test replays
 * every such fixture against the current workflow code, so a change that breaks runs already
 * waiting on a timer fails the build. Saved decoded: the harness's test key dies with its process.
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  await decodeInPlace(history, handle.client.options.loadedDataConverter.payloadCodecs);
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
}

/** A task-queue name unique to one test, so test files sharing the server never steal each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
