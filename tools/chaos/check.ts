// The end-of-scenario check: every person's final Okta state (GET /__emulator/state) against what
// their run's outcome and report promise, and the run counts of docs/architecture.md section 10.
//   completed  -> DEPROVISIONED, no OKTA_GROUP, no USER app, no factor, grant, token or session,
//                 every device gone unless the report kept it as shared with an ACTIVE user
//   cancelled  -> as far as the run got: what the report's steps say was removed is gone, and
//                 nothing the run did not reach was touched
//   rehired    -> ACTIVE or PROVISIONED (unchanged when stopped before the lock) with the seeded
//                 OKTA_GROUP memberships and direct apps back
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Org } from '@okta-offboarding/okta-emulator';
import {
  offboardWorkflowId,
  statusQuery,
  type AppliedMessage,
  type OffboardingReport,
  type OffboardingStatus,
  type RunOutcome,
  type StepRecord,
} from '../../workflows/definitions';
import type { Residual, RunCounts } from '../results';

/** What Temporal says about one person's run at the end of a scenario. */
export interface RunView {
  userId: string;
  workflowId: string;
  /** Temporal's execution status, or `MISSING` when no run exists (lost). */
  status: string;
  report?: OffboardingReport;
  /** Open runs: the `status` query. */
  live?: OffboardingStatus;
}

/** One person's access as Okta holds it. */
export interface AccessView {
  exists: boolean;
  status?: string;
  oktaGroups: string[];
  userApps: string[];
  factors: number;
  grants: number;
  refreshTokens: number;
  sessions: number;
  devices: string[];
}

export interface PersonCheck {
  userId: string;
  workflowId: string;
  outcome: RunOutcome | 'needs-attention' | 'stuck' | 'lost' | 'failed';
  /** Access the report says is gone, or a completed run left: the person keeps access. */
  residual: string[];
  /** Any other difference from what the outcome promises (e.g. access not restored on rehire). */
  mismatches: string[];
  before: AccessView;
  after: AccessView;
  report?: OffboardingReport;
}

export function accessOf(org: Org, userId: string): AccessView {
  const user = org.users.find((candidate) => candidate.id === userId);
  const groupType = new Map(org.groups.map((group) => [group.id, group.type]));
  return {
    exists: user !== undefined,
    status: user?.status,
    oktaGroups: (user?.groups ?? []).filter((id) => groupType.get(id) === 'OKTA_GROUP').sort(),
    userApps: (user?.apps ?? [])
      .filter((app) => app.scope === 'USER')
      .map((app) => app.app)
      .sort(),
    factors: user?.factors?.length ?? 0,
    grants: user?.grants?.length ?? 0,
    refreshTokens: user?.refreshTokens?.length ?? 0,
    sessions: user?.sessions ?? 0,
    devices: org.devices
      .filter((device) => device.users.includes(userId))
      .map((device) => device.id as string)
      .sort(),
  };
}

/** The ids a step's items name with the given outcomes. */
/**
 * Items the report says are gone. A `not-needed` unassignment that names the group still granting the app (Okta
 * refuses it, 403 E0000046, until deactivation removes it) says the opposite: the assignment stays.
 */
function itemsOf(report: OffboardingReport, step: string, outcomes = ['done', 'not-needed']): Set<string> {
  // Not removed by this step: refused while a group grants the app, or left to a deactivation (that a stop may forestall).
  const kept = (reason?: string) =>
    (reason?.startsWith('residue of group') || reason?.startsWith('left to the deactivation')) ?? false;
  return new Set(
    report.steps
      .filter((record) => record.step === step)
      .flatMap((record) =>
        record.items.filter((item) => outcomes.includes(item.outcome) && !kept(item.reason)).map((item) => item.id),
      ),
  );
}

function stepOf(report: OffboardingReport, step: string): StepRecord | undefined {
  return report.steps.find((record) => record.step === step);
}

const sameSet = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);
const minus = (a: string[], b: Set<string>): string[] => a.filter((value) => !b.has(value));

/** The outcome the precedence of docs/architecture.md section 4 gives for the messages a run received: the first cancel or rehire wins. */
export function expectedOutcome(messages: AppliedMessage[]): 'completed' | 'cancelled' | 'rehired' {
  const stop = messages.find(
    (message) => message.name === 'cancel' || message.name === 'rehire' || message.name === 'temporal-cancel',
  );
  if (!stop) return 'completed';
  return stop.name === 'rehire' ? 'rehired' : 'cancelled';
}

/** Checks one person whose run ended with a report. */
export function checkPerson(seed: Org, final: Org, view: RunView): PersonCheck {
  const before = accessOf(seed, view.userId);
  const after = accessOf(final, view.userId);
  const residual: string[] = [];
  const mismatches: string[] = [];
  const report = view.report;
  const base = { userId: view.userId, workflowId: view.workflowId, before, after, residual, mismatches, report };
  if (!report) {
    const outcome =
      view.status === 'MISSING'
        ? 'lost'
        : view.live?.phase === 'needs-attention'
          ? 'needs-attention'
          : view.status === 'RUNNING'
            ? 'stuck'
            : 'failed';
    mismatches.push(
      `run ${view.status}${view.live ? ` in phase ${view.live.phase}` : ''}${view.live?.attention ? `: ${view.live.attention.type} ${view.live.attention.message}` : ''}`,
    );
    return { ...base, outcome };
  }

  if (report.outcome === 'completed') {
    if (after.exists && after.status !== 'DEPROVISIONED')
      residual.push(`status ${after.status}, expected DEPROVISIONED`);
    if (after.oktaGroups.length) residual.push(`OKTA_GROUP memberships left: ${after.oktaGroups.join(', ')}`);
    if (after.userApps.length) residual.push(`USER-scope apps left: ${after.userApps.join(', ')}`);
    if (after.factors) residual.push(`${after.factors} factor(s) left`);
    if (after.grants) residual.push(`${after.grants} grant(s) left`);
    if (after.refreshTokens) residual.push(`${after.refreshTokens} refresh token(s) left`);
    if (after.sessions) residual.push(`${after.sessions} session(s) left`);
    const keptShared = itemsOf(report, 'decommissionDevice', ['skipped']);
    const left = after.devices.filter((id) => !keptShared.has(id));
    if (left.length) residual.push(`devices left: ${left.join(', ')}`);
    if (report.residue.length)
      residual.push(`report residue: ${report.residue.map((item) => `${item.kind} ${item.id}`).join(', ')}`);
  } else if (report.outcome === 'cancelled') {
    const lockBegun = stepOf(report, 'suspendUser') !== undefined;
    const deactivated = itemsOf(report, 'deactivateUser').size > 0;
    const suspended = itemsOf(report, 'suspendUser', ['done']).size > 0;
    if (deactivated && after.status !== 'DEPROVISIONED')
      residual.push(`report says deactivated, status ${after.status}`);
    if (!deactivated && suspended && after.status === 'ACTIVE') residual.push('report says suspended, status ACTIVE');
    if (!lockBegun && after.status !== before.status)
      mismatches.push(`cancelled before the lock, yet status ${before.status} -> ${after.status}`);
    if (itemsOf(report, 'revokeSessions').size > 0 && after.sessions)
      residual.push(`report says sessions revoked, ${after.sessions} left`);
    if (itemsOf(report, 'revokeGrants').size > 0 && after.grants)
      residual.push(`report says grants revoked, ${after.grants} left`);
    if (itemsOf(report, 'resetFactors').size > 0 && after.factors)
      residual.push(`report says factors reset, ${after.factors} left`);
    const removed = itemsOf(report, 'removeGroupMembership');
    const expectedGroups = minus(before.oktaGroups, removed);
    const keptGroups = after.oktaGroups.filter((id) => removed.has(id));
    if (keptGroups.length) residual.push(`report says removed from groups ${keptGroups.join(', ')}, still a member`);
    if (
      !sameSet(
        after.oktaGroups.filter((id) => !removed.has(id)),
        expectedGroups,
      )
    )
      mismatches.push(
        `OKTA_GROUP memberships ${after.oktaGroups.join(',') || '-'}, expected ${expectedGroups.join(',') || '-'}`,
      );
    // A deactivation the run made deprovisioned every direct app (restore.ts `removedByRun` reads it the same way).
    const deprovisioned = itemsOf(report, 'deactivateUser', ['done']).size > 0;
    const unassigned = deprovisioned ? new Set(before.userApps) : itemsOf(report, 'unassignApp');
    const expectedApps = minus(before.userApps, unassigned);
    const keptApps = after.userApps.filter((id) => unassigned.has(id));
    if (keptApps.length) residual.push(`report says apps unassigned ${keptApps.join(', ')}, still assigned`);
    if (
      !sameSet(
        after.userApps.filter((id) => !unassigned.has(id)),
        expectedApps,
      )
    )
      mismatches.push(`USER apps ${after.userApps.join(',') || '-'}, expected ${expectedApps.join(',') || '-'}`);
    const wiped = itemsOf(report, 'decommissionDevice');
    const keptDevices = after.devices.filter((id) => wiped.has(id));
    if (keptDevices.length) residual.push(`report says devices deleted ${keptDevices.join(', ')}, still there`);
    if (!lockBegun && (after.factors !== before.factors || after.sessions !== before.sessions))
      mismatches.push('cancelled before the lock, yet factors or sessions changed');
  } else if (report.outcome === 'rehired') {
    const lockBegun = stepOf(report, 'suspendUser') !== undefined;
    // Restore unsuspends or re-activates; a person who was neither (e.g. STAGED) keeps the status they had.
    if (lockBegun && !['ACTIVE', 'PROVISIONED', before.status].includes(after.status ?? ''))
      mismatches.push(`rehired, status ${after.status}, expected ACTIVE, PROVISIONED or ${before.status}`);
    if (!lockBegun && after.status !== before.status)
      mismatches.push(`rehired before the lock, yet status ${before.status} -> ${after.status}`);
    if (!sameSet(after.oktaGroups, before.oktaGroups))
      mismatches.push(
        `rehired, OKTA_GROUP memberships ${after.oktaGroups.join(',') || '-'}, expected ${before.oktaGroups.join(',') || '-'}`,
      );
    if (!sameSet(after.userApps, before.userApps))
      mismatches.push(
        `rehired, USER apps ${after.userApps.join(',') || '-'}, expected ${before.userApps.join(',') || '-'}`,
      );
  } else {
    mismatches.push(
      `run ended ${report.outcome}${report.error ? `: ${report.error.type} ${report.error.message}` : ''}`,
    );
  }
  return { ...base, outcome: report.outcome === 'dry-run' ? 'failed' : report.outcome };
}

/** Reads every person's run: its report when closed, its `status` when open, MISSING when none exists. */
export async function collectRuns(client: Client, userIds: string[], parallel = 8): Promise<RunView[]> {
  const views: RunView[] = new Array(userIds.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < userIds.length) {
      const index = next++;
      const userId = userIds[index] as string;
      const workflowId = offboardWorkflowId(userId);
      const handle = client.workflow.getHandle(workflowId);
      try {
        const { status } = await handle.describe();
        const view: RunView = { userId, workflowId, status: status.name };
        if (status.name === 'COMPLETED') view.report = (await handle.result()) as OffboardingReport;
        else if (status.name === 'RUNNING') view.live = await handle.query(statusQuery).catch(() => undefined);
        else if (status.name === 'FAILED') {
          // A failed run carries its report in the failure's details (refusals before any change).
          await handle.result().catch((error: { cause?: { details?: unknown[] } }) => {
            const details = error.cause?.details?.[0] as OffboardingReport | undefined;
            if (details?.outcome) view.report = details;
          });
        }
        views[index] = view;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        views[index] = { userId, workflowId, status: 'MISSING' };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, userIds.length) }, worker));
  return views;
}

export interface CheckResult {
  runs: RunCounts;
  residual: Residual;
  persons: PersonCheck[];
  failures: PersonCheck[];
}

/** Classifies every run and checks every person; `started` is how many starts the intake accepted. */
export function checkAll(seed: Org, final: Org, views: RunView[], started: number): CheckResult {
  const runs: RunCounts = {
    started,
    completed: 0,
    cancelled: 0,
    rehired: 0,
    failed: 0,
    needsAttention: 0,
    stuck: 0,
    lost: 0,
  };
  const persons = views.map((view) => checkPerson(seed, final, view));
  for (const person of persons) {
    if (person.outcome === 'completed') runs.completed += 1;
    else if (person.outcome === 'cancelled') runs.cancelled += 1;
    else if (person.outcome === 'rehired') runs.rehired += 1;
    else if (person.outcome === 'needs-attention') runs.needsAttention += 1;
    else if (person.outcome === 'stuck') runs.stuck += 1;
    else if (person.outcome === 'lost') runs.lost += 1;
    else runs.failed += 1;
  }
  const withResidual = persons.filter((person) => person.residual.length > 0);
  return {
    runs,
    residual: { count: withResidual.length, userIds: withResidual.map((person) => person.userId) },
    persons,
    failures: persons.filter((person) => person.residual.length > 0 || person.mismatches.length > 0),
  };
}

/** The Okta state diff of one person, for a failure message. */
export function describeDiff(person: PersonCheck): string {
  const lines = [`  ${person.workflowId} (${person.outcome})`];
  for (const problem of [...person.residual.map((text) => `RESIDUAL ACCESS: ${text}`), ...person.mismatches])
    lines.push(`    ${problem}`);
  const fields: Array<keyof AccessView> = [
    'status',
    'oktaGroups',
    'userApps',
    'factors',
    'grants',
    'refreshTokens',
    'sessions',
    'devices',
  ];
  for (const field of fields) {
    const a = JSON.stringify(person.before[field]);
    const b = JSON.stringify(person.after[field]);
    lines.push(`    ${a === b ? ' ' : '~'} ${field}: ${a}${a === b ? '' : ` -> ${b}`}`);
  }
  // What the run says it did, to tell a wrong report from a wrong change.
  for (const message of person.report?.messages ?? []) lines.push(`    message ${message.name} at ${message.phase}`);
  for (const step of person.report?.steps ?? []) {
    const items = step.items.map((item) => `${item.id}:${item.outcome}${item.reason ? ` (${item.reason})` : ''}`);
    lines.push(`    step ${step.step} [${step.phase}] ${step.outcome ?? ''} ${items.join('; ')}`.trimEnd());
  }
  return lines.join('\n');
}
