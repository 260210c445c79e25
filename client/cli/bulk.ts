// Steering many runs at once, and the blast-radius guard's own switches: `offboard approve|cancel|rehire --since
// <t> [--source <s>] [--event-prefix <p>]` finds the runs by Temporal visibility, lists them, and sends each its
// message once confirmed; `approve|reject <user>` for one run; `pause` and `resume` for the gate.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { steer, openRun, rehire, type RunRef } from '../../runs/steering';
import {
  approveUpdate,
  cancelSignal,
  gateStart,
  gateWorkflowId,
  parseDuration,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  type GateView,
  type OffboardingSource,
  type Phase,
} from '../../workflows/definitions';
import type { offboardUser } from '../../workflows/offboard-user';

export type BulkAction = 'approve' | 'cancel' | 'rehire';

export interface BulkFilter {
  /** The deployment's workflow task queue (OFFBOARD_TASK_QUEUE): another one's runs in the namespace are not touched. */
  taskQueue: string;
  /** Runs started after this (ISO-8601). */
  since: string;
  source?: OffboardingSource;
  eventPrefix?: string;
}

export interface BulkTarget extends RunRef {
  userId: string;
  source?: string;
  phase?: string;
  eventId?: string;
  status: string;
  startTime: string;
}

export interface BulkResult extends BulkTarget {
  outcome: 'sent' | 'refused';
  detail?: string;
}

/** `--since`: a duration back from now (`1h`, `30m`) or an ISO-8601 time; undefined when it is neither. */
export function sinceTime(text: string, now = Date.now()): string | undefined {
  const back = parseDuration(text);
  if (back !== undefined) return new Date(now - back).toISOString();
  const at = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text.trim()) && Number.isFinite(at) ? new Date(at).toISOString() : undefined;
}

const quoted = (value: string): string => `"${value.replace(/["\\]/g, '')}"`;

/**
 * Which runs an action may touch: `approve` those awaiting approval, `cancel` the open ones, `rehire` open and
 * closed ones (the latest run per person; `rehire` picks the signal or `rehireUser`).
 */
export function bulkQuery(action: BulkAction, filter: BulkFilter): string {
  return [
    'WorkflowType = "offboardUser"',
    `TaskQueue = ${quoted(filter.taskQueue)}`,
    `StartTime > ${quoted(filter.since)}`,
    ...(filter.source ? [`OffboardingSource = ${quoted(filter.source)}`] : []),
    ...(filter.eventPrefix ? [`OffboardingEventId STARTS_WITH ${quoted(filter.eventPrefix)}`] : []),
    ...(action === 'rehire' ? [] : ['ExecutionStatus = "Running"']),
    ...(action === 'approve' ? ['OffboardingPhase = "awaiting-approval"'] : []),
  ].join(' AND ');
}

/**
 * Ends a rehire has nothing to undo in: already rehired, or refused before any change (`failed`). Dry runs change
 * nothing and have ids of their own.
 */
const NOTHING_TO_REHIRE: readonly string[] = ['rehired', 'failed'] satisfies Phase[];
const DRY_RUN_PREFIX = 'offboard-dryrun-';

/** The runs the action would touch, newest first, one per person. */
export async function bulkTargets(temporal: Client, action: BulkAction, filter: BulkFilter): Promise<BulkTarget[]> {
  const targets = new Map<string, BulkTarget>();
  await steer(async () => {
    for await (const execution of temporal.workflow.list({ query: bulkQuery(action, filter) })) {
      const attribute = (name: string) => execution.searchAttributes[name]?.[0] as string | undefined;
      const userId = attribute('OktaUserId');
      if (!userId || execution.workflowId.startsWith(DRY_RUN_PREFIX) || targets.has(userId)) continue;
      targets.set(userId, {
        workflowId: execution.workflowId,
        runId: execution.runId,
        userId,
        source: attribute('OffboardingSource'),
        phase: attribute('OffboardingPhase'),
        eventId: attribute('OffboardingEventId'),
        status: execution.status.name,
        startTime: execution.startTime.toISOString(),
      });
    }
  });
  return [...targets.values()].filter(
    (target) => action !== 'rehire' || !NOTHING_TO_REHIRE.includes(target.phase ?? ''),
  );
}

/** A few messages at once: Temporal takes them in any order, and a thousand runs go in seconds. */
const AT_ONCE = 8;

/** Sends each target its message; a run that refuses it (its validator, or it closed meanwhile) is reported, not fatal. */
export async function applyBulk(
  temporal: Client,
  taskQueue: string,
  action: BulkAction,
  targets: BulkTarget[],
  input: { requestedBy: string; reason?: string },
): Promise<BulkResult[]> {
  const results: BulkResult[] = new Array<BulkResult>(targets.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index] as BulkTarget;
      try {
        const detail = await sendOne(temporal, taskQueue, action, target, input);
        results[index] = { ...target, outcome: 'sent', ...(detail ? { detail } : {}) };
      } catch (error) {
        results[index] = {
          ...target,
          outcome: 'refused',
          detail: error instanceof Error ? error.message : String(error),
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, targets.length) }, lane));
  return results;
}

async function sendOne(
  temporal: Client,
  taskQueue: string,
  action: BulkAction,
  target: BulkTarget,
  input: { requestedBy: string; reason?: string },
): Promise<string | undefined> {
  if (action === 'rehire') {
    const run = await rehire(temporal, taskQueue, target.userId, input.requestedBy);
    return run.via === 'signal' ? 'rehire signal' : `started ${run.workflowId}`;
  }
  const handle = temporal.workflow.getHandle<typeof offboardUser>(target.workflowId, target.runId);
  if (action === 'cancel') {
    await steer(() => handle.signal(cancelSignal, input));
    return undefined;
  }
  await steer(() => handle.executeUpdate(approveUpdate, { args: [input] }));
  return undefined;
}

/** `approve <user>` and `reject <user>`: the person's open run, refused by its validator outside awaiting-approval. */
export async function decide(
  temporal: Client,
  userId: string,
  decision: 'approve' | 'reject',
  input: { requestedBy: string; reason?: string },
): Promise<RunRef & { phase: Phase }> {
  const run = await openRun(temporal, userId);
  const update = decision === 'approve' ? approveUpdate : rejectUpdate;
  const result = await steer(() => run.executeUpdate(update, { args: [input] }));
  return { workflowId: run.workflowId, runId: run.runId, phase: result.phase };
}

/** `pause` and `resume`: the gate's switch, starting the gate if no run has asked it yet. */
export async function switchGate(
  temporal: Client,
  taskQueue: string,
  to: 'pause' | 'resume',
  input: { requestedBy: string; reason?: string },
): Promise<{ workflowId: string; gate: GateView; awaitingApproval: number }> {
  return steer(async () => {
    const startWorkflowOperation = new WithStartWorkflowOperation('offboardingGate', gateStart(taskQueue));
    const gate =
      to === 'pause'
        ? await temporal.workflow.executeUpdateWithStart(pauseUpdate, { args: [input], startWorkflowOperation })
        : await temporal.workflow.executeUpdateWithStart(resumeUpdate, {
            args: [{ requestedBy: input.requestedBy }],
            startWorkflowOperation,
          });
    const { count } = await temporal.workflow.count(
      `WorkflowType = "offboardUser" AND TaskQueue = ${quoted(taskQueue)} AND ExecutionStatus = "Running" AND OffboardingPhase = "awaiting-approval"`,
    );
    return { workflowId: gateWorkflowId(taskQueue), gate, awaitingApproval: count };
  });
}

/** A yes from the operator on a terminal; anything else (or end of input) is a no. */
export async function confirmOnTerminal(input: NodeJS.ReadableStream, ask: (text: string) => void, question: string) {
  ask(`${question} Type "yes" to go ahead:`);
  const lines = createInterface({ input, terminal: false });
  try {
    const answer = await Promise.race([
      once(lines, 'line').then(([line]) => String(line)),
      once(lines, 'close').then(() => ''),
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    lines.close();
  }
}
