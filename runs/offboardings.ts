// Starting and finding offboarding runs: the one path every starter (CLI, HR intake, Okta event
// hook, System Log poller, tests) uses, so that all of them land on the same single run per person.
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { encodeToPayloads, encodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import {
  dryRunWorkflowId,
  OffboardingEffectiveAt,
  OffboardingEventId,
  OffboardingPhase,
  OffboardingSource,
  offboardWorkflowId,
  OktaUserId,
  type OffboardingReport,
  type OffboardingRequest,
} from '../workflows/definitions';
import type { offboardUser } from '../workflows/offboard-user';

export interface StartedRun {
  workflowId: string;
  runId: string;
  /** false when the person's run already existed (an HR retry, a duplicated hook delivery). */
  created: boolean;
}

/** What the Temporal UI shows for the run before it starts: ids and reason only, never an email. */
function summaryOf(request: OffboardingRequest): string {
  const when = request.effectiveAt ? ` effective ${request.effectiveAt}` : '';
  return `${request.dryRun ? 'Dry run: offboard' : 'Offboard'} Okta user ${request.userId} (${request.source}, ${request.correlationId})${when}`;
}

/**
 * Starts `offboardUser` for the person, or answers with the run they already have.
 * Workflow id `offboard-<oktaUserId>`, conflict policy USE_EXISTING, reuse policy ALLOW_DUPLICATE
 * (a person can leave again after a rehire). The raw start call says whether it created the run,
 * which the SDK's `start()` does not.
 */
export async function startOffboarding(client: Client, taskQueue: string, request: OffboardingRequest): Promise<StartedRun> {
  const workflowId = request.dryRun ? dryRunWorkflowId(request.userId, randomUUID().slice(0, 8)) : offboardWorkflowId(request.userId);
  const converter = client.options.loadedDataConverter;
  const response = await client.workflowService.startWorkflowExecution({
    namespace: client.options.namespace,
    workflowId,
    workflowType: { name: 'offboardUser' satisfies (typeof offboardUser)['name'] },
    taskQueue: { kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL, name: taskQueue },
    input: { payloads: await encodeToPayloads(converter, request) },
    identity: client.options.identity,
    requestId: randomUUID(),
    workflowIdConflictPolicy: temporal.api.enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
    workflowIdReusePolicy: temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    searchAttributes: {
      indexedFields: encodeUnifiedSearchAttributes(undefined, [
        { key: OktaUserId, value: request.userId },
        { key: OffboardingSource, value: request.source },
        { key: OffboardingEventId, value: request.correlationId },
        { key: OffboardingPhase, value: 'scheduled' },
        ...(request.effectiveAt ? [{ key: OffboardingEffectiveAt, value: new Date(request.effectiveAt) }] : []),
      ]),
    },
    userMetadata: await encodeUserMetadata(converter, summaryOf(request), undefined),
  });
  return { workflowId, runId: response.runId, created: response.started ?? true };
}

export function offboardingHandle(client: Client, userId: string): WorkflowHandle<typeof offboardUser> {
  return client.workflow.getHandle<typeof offboardUser>(offboardWorkflowId(userId));
}

/** The run, open or closed, that an event id already created; HR retries get it back instead of a new run. */
export async function findRunByEventId(client: Client, eventId: string): Promise<{ workflowId: string; runId: string; status: string } | undefined> {
  const query = `OffboardingEventId = "${eventId.replace(/["\\]/g, '')}" AND WorkflowType = "offboardUser"`;
  for await (const execution of client.workflow.list({ query })) {
    return { workflowId: execution.workflowId, runId: execution.runId, status: execution.status.name };
  }
  return undefined;
}

export type { OffboardingReport };
