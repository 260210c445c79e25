// Starting and finding offboarding runs: the one path every starter (CLI, HR intake, Okta event
// hook, System Log poller, tests) uses, so that all of them land on the same single run per person.
import { randomUUID } from 'node:crypto';
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { encodeToPayloads, encodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import {
  dryRunWorkflowId,
  expediteUpdate,
  OffboardingEffectiveAt,
  OffboardingEventId,
  OffboardingPhase,
  OffboardingSource,
  offboardWorkflowId,
  OktaUserId,
  rescheduleUpdate,
  type OffboardingRequest,
} from '../workflows/definitions';
import type { offboardUser } from '../workflows/offboard-user';
import { isOktaUserId, resolveUserId, steer } from './steering';

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
export async function startOffboarding(
  client: Client,
  taskQueue: string,
  request: OffboardingRequest,
): Promise<StartedRun> {
  const workflowId = request.dryRun
    ? dryRunWorkflowId(request.userId, randomUUID().slice(0, 8))
    : offboardWorkflowId(request.userId);
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
export async function findRunByEventId(
  client: Client,
  eventId: string,
): Promise<{ workflowId: string; runId: string; status: string } | undefined> {
  const query = `OffboardingEventId = "${eventId.replace(/["\\]/g, '')}" AND WorkflowType = "offboardUser"`;
  for await (const execution of client.workflow.list({ query })) {
    return { workflowId: execution.workflowId, runId: execution.runId, status: execution.status.name };
  }
  return undefined;
}

export type StartOutcome = StartedRun & {
  /** `event`: an earlier delivery of the same event already made this run (open or closed); nothing was started. */
  existing?: 'event';
  status?: string;
  /** The run's effective date after this request moved it (now, when the request's date had passed). */
  rescheduledTo?: string;
};

/** The run an earlier delivery of the event made, as the answer to this one. */
async function runOfEvent(client: Client, eventId: string): Promise<StartOutcome | undefined> {
  const earlier = await findRunByEventId(client, eventId);
  return (
    earlier && {
      workflowId: earlier.workflowId,
      runId: earlier.runId,
      created: false,
      existing: 'event',
      status: earlier.status,
    }
  );
}

/**
 * Starts the person's run unless the event already made one: an HR retry after a rescinded,
 * cancelled offboarding must not offboard the person. Visibility is eventually consistent, so a
 * retry racing the first delivery can miss it here; the workflow id rule (`offboard-<userId>`,
 * USE_EXISTING) still lands both on the one open run.
 */
export async function startOnce(client: Client, taskQueue: string, request: OffboardingRequest): Promise<StartOutcome> {
  return steer(
    async () =>
      (await runOfEvent(client, request.correlationId)) ?? (await startOffboarding(client, taskQueue, request)),
  );
}

/** A request naming the person as the starter knows them (an Okta id or a login), resolved only for a new event. */
export type UnresolvedRequest = Omit<OffboardingRequest, 'userId'> & { user: string };

/**
 * An HR event: `startOnce`, and when the person's run already waits in `scheduled` for another
 * date, the new date moves it. The event is looked up before the person is resolved, so a retry of
 * a known event is answered without an Okta call.
 */
export async function startOrReschedule(
  client: Client,
  okta: OktaClient,
  taskQueue: string,
  { user, ...order }: UnresolvedRequest,
): Promise<StartOutcome> {
  return steer(async () => {
    const earlier = await runOfEvent(client, order.correlationId);
    if (earlier) return earlier;
    // An Okta id is taken as it is: the run's own first read refuses an unknown user (UserNotFound, before any
    // change), and a layoff's starts spend no call in Okta's users-get bucket.
    const userId = isOktaUserId(user) ? user.trim() : await resolveUserId(okta, user);
    const request: OffboardingRequest = { ...order, userId };
    const started = await startOffboarding(client, taskQueue, request);
    const rescheduledTo = started.created ? undefined : await moveScheduledRun(client, request);
    return rescheduledTo ? { ...started, rescheduledTo } : started;
  });
}

/**
 * Moves the person's run waiting in `scheduled` to the request's date, or ends the wait when that
 * date has passed. A run past `scheduled`, already waiting for that date, or not started by HR, is left alone.
 */
async function moveScheduledRun(
  client: Client,
  { userId, effectiveAt, requestedBy }: OffboardingRequest,
): Promise<string | undefined> {
  if (!effectiveAt) return undefined;
  const handle = offboardingHandle(client, userId);
  // The search attributes, not the status query: they hold the date from the start on, before
  // the run's first workflow task has set its timer.
  const { typedSearchAttributes } = await handle.describe();
  const waitingUntil = typedSearchAttributes.get(OffboardingEffectiveAt)?.getTime();
  if (typedSearchAttributes.get(OffboardingPhase) !== 'scheduled' || waitingUntil === undefined) return undefined;
  // HR moves only what HR started: a run an operator or security scheduled keeps its date.
  if (typedSearchAttributes.get(OffboardingSource) !== 'hr') return undefined;
  if (waitingUntil <= Date.now() || waitingUntil === Date.parse(effectiveAt)) return undefined;
  try {
    if (Date.parse(effectiveAt) > Date.now()) {
      return (await handle.executeUpdate(rescheduleUpdate, { args: [{ effectiveAt, requestedBy }] })).effectiveAt;
    }
    await handle.executeUpdate(expediteUpdate, {
      args: [{ requestedBy, reason: `New HR event with effective date ${effectiveAt}` }],
    });
    return new Date().toISOString();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return undefined; // it left `scheduled` meanwhile
    throw error;
  }
}
