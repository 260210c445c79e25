// Steering offboarding runs, shared by the `offboard` CLI and the HTTP intake: resolve a person to
// their Okta id, send the run's messages (cancel, rehire, wipe-now, expedite, reschedule, retry),
// read its status, and turn Temporal's answers into errors a caller can act on.
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import {
  Client as TemporalClient,
  Connection,
  defaultGrpcRetryOptions,
  isGrpcServiceError,
  makeGrpcRetryInterceptor,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { isNotFound } from '../okta/errors';
import {
  cancelSignal,
  expediteUpdate,
  OffboardingSource,
  offboardWorkflowId,
  rehireSignal,
  rehireWorkflowId,
  rescheduleUpdate,
  retryUpdate,
  statusQuery,
  wipeDevicesNowSignal,
  type OffboardingReport,
  type OffboardingStatus,
  type Phase,
} from '../workflows/definitions';
import type { offboardUser } from '../workflows/offboard-user';
import type { rehireUser } from '../workflows/rehire-user';
import type { TemporalConfig } from './temporal';

/** A steering failure with the HTTP status the intake answers and the exit code the CLI uses. */
export class SteeringError extends Error {
  constructor(
    readonly code:
      'unknown-user' | 'no-run' | 'not-accepted' | 'invalid-input' | 'temporal-unavailable' | 'okta-unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'SteeringError';
  }
}

export interface RunRef {
  workflowId: string;
  runId: string;
}

/**
 * A client for starters: the connection opens on first use and gives up after a few attempts, so
 * the intake starts (and answers /healthz) while Temporal is down, and a caller gets "Temporal is
 * unreachable" in seconds instead of the SDK's default half-minute of retries.
 */
export function connectForSteering(config: TemporalConfig): TemporalClient {
  const { address, tls, apiKey, metadata } = config.connection;
  const connection = Connection.lazy({
    address,
    tls,
    apiKey,
    metadata,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 }))],
  });
  return new TemporalClient({ connection, namespace: config.namespace, dataConverter: config.dataConverter });
}

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** True when the error (or a cause) says Temporal could not be reached, so the caller should retry later. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (isGrpcServiceError(current) && (current.code === UNAVAILABLE || current.code === DEADLINE_EXCEEDED))
      return true;
    if (/Failed to connect before the deadline|No connection established/.test(current.message)) return true;
  }
  return false;
}

/** Maps what Temporal threw to a SteeringError where there is one; anything else is rethrown as is. */
function steeringFailure(error: unknown): unknown {
  if (error instanceof SteeringError) return error;
  if (error instanceof WorkflowNotFoundError)
    return new SteeringError('no-run', `No open offboarding run ${error.workflowId}`);
  if (error instanceof WorkflowUpdateFailedError) {
    return new SteeringError('not-accepted', error.cause?.message ?? error.message);
  }
  if (isTemporalUnavailable(error))
    return new SteeringError('temporal-unavailable', 'Temporal is unreachable; try again later');
  return error;
}

/** Runs a call to Temporal, throwing a SteeringError where the failure has one. */
export async function steer<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw steeringFailure(error);
  }
}

/**
 * The Okta id of `user`, an Okta id or a login, by a read-only `getUser` (Okta accepts both in the
 * path). Emails and names never go further than this: runs carry the id only.
 */
/** Okta's user ids: `00u` and 17 letters or digits (a login is an e-mail address or a short name, never this). */
export function isOktaUserId(user: string): boolean {
  return /^00u[0-9A-Za-z]{17}$/.test(user.trim());
}

export async function resolveUserId(okta: OktaClient, user: string): Promise<string> {
  const wanted = user.trim();
  if (!wanted) throw new SteeringError('unknown-user', 'No user given');
  try {
    const found = await okta.userApi.getUser({ userId: wanted });
    if (!found.id) throw new SteeringError('unknown-user', `Okta has no user ${wanted}`);
    return found.id;
  } catch (error) {
    if (error instanceof SteeringError) throw error;
    if (isNotFound(error)) throw new SteeringError('unknown-user', `Okta has no user ${wanted}`);
    throw new SteeringError(
      'okta-unavailable',
      `Okta lookup of ${wanted} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

export interface OpenRun extends RunRef {
  /** Who started it (the `OffboardingSource` search attribute, set at the start). */
  source?: OffboardingSource;
}

/** The person's open run; `no-run` when they have none or it has ended. */
export async function openRun(
  temporal: Client,
  userId: string,
): Promise<WorkflowHandle<typeof offboardUser> & OpenRun> {
  const workflowId = offboardWorkflowId(userId);
  return steer(async () => {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') {
      throw new SteeringError(
        'no-run',
        `The offboarding run ${workflowId} has ended (${description.status.name.toLowerCase()})`,
      );
    }
    const handle = temporal.workflow.getHandle<typeof offboardUser>(workflowId, description.runId);
    const source = description.typedSearchAttributes.get(OffboardingSource) as OffboardingSource | undefined;
    return Object.assign(handle, { runId: description.runId, source });
  });
}

/**
 * Refused before any message is sent: the caller may move (reschedule, expedite) only runs that
 * some starters began. The intake's HMAC callers move HR's own runs only, so an HR integration
 * cannot delay or hasten an offboarding that security or the Okta group started.
 */
export class RunNotMovableError extends Error {
  constructor(
    readonly workflowId: string,
    readonly source: string | undefined,
    readonly movable: readonly OffboardingSource[],
  ) {
    super(
      `${workflowId} was started by ${source ?? 'an unknown source'}; this caller moves only runs started by ${movable.join(' or ')}`,
    );
    this.name = 'RunNotMovableError';
  }
}

/** Which runs a caller may move; absent, any (the CLI's operators). */
export interface MoveLimit {
  movable?: readonly OffboardingSource[];
}

function checkMovable(run: OpenRun, { movable }: MoveLimit): void {
  if (movable && !(run.source && movable.includes(run.source)))
    throw new RunNotMovableError(run.workflowId, run.source, movable);
}

export interface Requester {
  requestedBy: string;
  reason?: string;
}

export async function cancelRun(temporal: Client, userId: string, input: Requester): Promise<RunRef> {
  const run = await openRun(temporal, userId);
  await steer(() => run.signal(cancelSignal, input));
  return { workflowId: run.workflowId, runId: run.runId };
}

export async function wipeDevicesNow(temporal: Client, userId: string, input: Requester): Promise<RunRef> {
  const run = await openRun(temporal, userId);
  await steer(() => run.signal(wipeDevicesNowSignal, input));
  return { workflowId: run.workflowId, runId: run.runId };
}

export async function expediteRun(
  temporal: Client,
  userId: string,
  input: Requester,
  limit: MoveLimit = {},
): Promise<RunRef & { phase: Phase }> {
  const run = await openRun(temporal, userId);
  checkMovable(run, limit);
  const result = await steer(() => run.executeUpdate(expediteUpdate, { args: [input] }));
  return { workflowId: run.workflowId, runId: run.runId, phase: result.phase };
}

export async function rescheduleRun(
  temporal: Client,
  userId: string,
  input: { effectiveAt: string; requestedBy: string },
  limit: MoveLimit = {},
): Promise<RunRef & { effectiveAt: string }> {
  const run = await openRun(temporal, userId);
  checkMovable(run, limit);
  const result = await steer(() => run.executeUpdate(rescheduleUpdate, { args: [input] }));
  return { workflowId: run.workflowId, runId: run.runId, effectiveAt: result.effectiveAt };
}

export async function retryRun(
  temporal: Client,
  userId: string,
  input: { requestedBy: string },
): Promise<RunRef & { phase: Phase }> {
  const run = await openRun(temporal, userId);
  const result = await steer(() => run.executeUpdate(retryUpdate, { args: [input] }));
  return { workflowId: run.workflowId, runId: run.runId, phase: result.phase };
}

/**
 * Rehire: the `rehire` signal while the offboarding run is open; once it has closed, the
 * `rehireUser` workflow (`rehire-<userId>`, USE_EXISTING so a repeated request joins it). When Temporal no
 * longer holds the run (deleted, or past retention), `rehireUser` too if `archived` finds the person's
 * offboarding in the audit archive (it restores from there); else `no-run`.
 */
export async function rehire(
  temporal: Client,
  taskQueue: string,
  userId: string,
  requestedBy: string,
  archived?: (userId: string) => Promise<boolean>,
): Promise<RunRef & { via: 'signal' | 'rehireUser' }> {
  const workflowId = offboardWorkflowId(userId);
  return steer(async () => {
    const description = await temporal.workflow
      .getHandle(workflowId)
      .describe()
      .catch(async (error: unknown) => {
        if (error instanceof WorkflowNotFoundError && (await archived?.(userId))) return undefined;
        throw error;
      });
    if (description?.status.name === 'RUNNING') {
      try {
        await temporal.workflow.getHandle(workflowId, description.runId).signal(rehireSignal, { requestedBy });
        return { workflowId, runId: description.runId, via: 'signal' as const };
      } catch (error) {
        // It closed between the read and the signal: rehireUser takes over below.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    const handle = await temporal.workflow.start<typeof rehireUser>('rehireUser', {
      workflowId: rehireWorkflowId(userId),
      taskQueue,
      args: [{ userId, requestedBy }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `Rehire Okta user ${userId} (requested by ${requestedBy})`,
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, via: 'rehireUser' as const };
  });
}

export interface RunView extends RunRef {
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED... */
  runStatus: string;
  /** The run's own status (the `status` query). */
  status?: OffboardingStatus;
  /** The report, once the run has returned one (completed runs, and failed runs that wrote one). */
  report?: OffboardingReport;
}

/** The report a closed run left: its result, or the one a failed run attached to its failure. */
async function closedReport(handle: WorkflowHandle<typeof offboardUser>): Promise<OffboardingReport | undefined> {
  try {
    return await handle.result();
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      const details = (error.cause as { details?: unknown[] } | undefined)?.details;
      const report = details?.[0] as OffboardingReport | undefined;
      return report?.workflowId ? report : undefined;
    }
    return undefined;
  }
}

/** The person's latest offboarding run, open or closed. */
export async function runStatus(temporal: Client, userId: string): Promise<RunView> {
  const workflowId = offboardWorkflowId(userId);
  return steer(async () => {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    const handle = temporal.workflow.getHandle<typeof offboardUser>(workflowId, description.runId);
    const view: RunView = { workflowId, runId: description.runId, runStatus: description.status.name };
    if (description.status.name === 'RUNNING') {
      view.status = await handle.query(statusQuery);
    } else {
      view.report = await closedReport(handle);
    }
    return view;
  });
}

/** Follows an open run until it closes, calling `onChange` at each phase or step change. */
export async function followRun(
  temporal: Client,
  run: RunRef,
  onChange: (status: OffboardingStatus) => void,
  pollMs = 300,
): Promise<RunView> {
  const handle = temporal.workflow.getHandle<typeof offboardUser>(run.workflowId, run.runId);
  let last = '';
  for (;;) {
    const description = await steer(() => handle.describe());
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status) {
      const step = status.steps.at(-1);
      const key = `${status.phase}|${step?.step ?? ''}|${step?.count ?? ''}|${step?.outcome ?? ''}|${status.attention?.step ?? ''}`;
      if (key !== last) onChange(status);
      last = key;
    }
    if (description.status.name !== 'RUNNING') {
      return { ...run, runStatus: description.status.name, status, report: await closedReport(handle) };
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
