// Connects a test file to the suite's dev server and stores workflow histories as replay fixtures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
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

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const EVENT_PREFIX = 'EVENT_TYPE_';

/** What a marker's core-written details name: a patch's id, a local activity's type and outcome. */
function markerDetail(event: HistoryEvent): string {
  const attributes = event.markerRecordedEventAttributes;
  if (!attributes) return '';
  const text = (key: string) => {
    const data = attributes.details?.[key]?.payloads?.[0]?.data;
    return data ? Buffer.from(data).toString('utf8') : '';
  };
  const patch = /"id"\s*:\s*"([^"]+)"/.exec(text('patch-data'));
  if (patch) return `${attributes.markerName} ${patch[1]}`;
  const local = /"activity_type"\s*:\s*"([^"]+)"/.exec(text('data'));
  const failed = attributes.failure ? ' (failed)' : '';
  return `${attributes.markerName}${local ? ` ${local[1]}` : ''}${failed}`;
}

/** The run's markers in history order: `core_patch <id>`, `core_local_activity <type>` (a replay's landmarks). */
export async function markersOf(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map(markerDetail).filter((marker) => marker !== '');
}

/** One line per event of a run's history, for a failing test's output: ids, types, markers, activities, failures. */
export async function outlineHistory(handle: WorkflowHandle, maxEvents = 400): Promise<string> {
  const history = await handle.fetchHistory();
  const lines = (history.events ?? []).slice(0, maxEvents).map((event) => {
    const type = String(temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? event.eventType).replace(
      EVENT_PREFIX,
      '',
    );
    const detail =
      markerDetail(event) ||
      event.activityTaskScheduledEventAttributes?.activityType?.name ||
      event.workflowTaskFailedEventAttributes?.failure?.message ||
      (event.workflowTaskTimedOutEventAttributes ? 'timed out' : '') ||
      '';
    return `  ${String(event.eventId)} ${type}${detail ? ` ${detail}` : ''}`;
  });
  const more = (history.events?.length ?? 0) - lines.length;
  return [`${handle.workflowId}:`, ...lines, ...(more > 0 ? [`  … ${more} more`] : [])].join('\n');
}
