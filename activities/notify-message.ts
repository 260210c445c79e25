// The values a notification's templates are filled with, from the milestone the run reached (or the drift
// watch's notice) and for one audience: a named audience (the manager, IT's mail) reads the person's login and
// name, any other the Okta id. Free text that came from Okta or an operator (error messages, hold reasons) is
// scrubbed of anything that could be a secret, a factor id or an e-mail address.
import { runUrl } from '../runs/temporal';
import type { DriftNotice, Milestone, StepRecord } from '../workflows/definitions';
import type { Person } from './notify-people';
import type { NotifyEvent, TemplateValues } from './notify-templates';

export interface Audience {
  /** The person's login and display name may appear. */
  named: boolean;
  person?: Person;
}

const REDACTED = '[redacted]';

/**
 * Removes from free text what must never be in a message: credentials (`SSWS …`, `Bearer …`, `password=…`), long
 * opaque strings (tokens, keys), the run's factor ids, and e-mail addresses unless the audience is named.
 */
export function scrub(text: string, options: { factorIds?: string[]; named?: boolean } = {}): string {
  let clean = text
    .replace(/\b(SSWS|Bearer|Basic)\s+\S+/gi, `$1 ${REDACTED}`)
    .replace(/\b(password|passwd|secret|token|api[_-]?key)(\s*[:=]\s*)\S+/gi, `$1$2${REDACTED}`)
    .replace(/(?<![\w-])(?=[A-Za-z0-9+/_=-]*\d)(?=[A-Za-z0-9+/_=-]*[A-Za-z])[A-Za-z0-9+/_=-]{32,}/g, (match) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(match) ? match : REDACTED,
    );
  for (const id of options.factorIds ?? []) if (id) clean = clean.split(id).join('[factor]');
  if (!options.named) clean = clean.replace(/[^\s<>()"',;:]+@[^\s<>()"',;:]+\.[A-Za-z]{2,}/g, '[address]');
  return clean;
}

const when = (iso: string | undefined): string => (iso ? new Date(iso).toISOString().replace('.000Z', 'Z') : '');

function who(userId: string, audience: Audience): { person: string; user: string } {
  if (audience.named && audience.person) {
    const { displayName, login } = audience.person;
    return { person: displayName === login ? login : `${displayName} (${login})`, user: login };
  }
  return { person: `Okta user ${userId}`, user: userId };
}

const countOf = (steps: StepRecord[], name: string): number =>
  steps.filter((step) => step.step === name).reduce((total, step) => total + step.count, 0);

/** What the run removed, counted from its steps: `3 groups, 2 apps, 2 factors, 1 device`. */
function removedSummary(steps: StepRecord[]): string {
  const parts = [
    [countOf(steps, 'removeGroupMembership'), 'group'],
    [countOf(steps, 'unassignApp'), 'app'],
    [countOf(steps, 'resetFactors'), 'factor'],
    [countOf(steps, 'decommissionDevice'), 'device'],
  ] as const;
  const listed = parts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}${count > 1 ? 's' : ''}`);
  return listed.length > 0 ? listed.join(', ') : 'nothing';
}

function restoredSummary(steps: StepRecord[]): string {
  const restore = steps.filter((step) => ['restoreUser', 'addGroupMembership', 'assignApp'].includes(step.step));
  if (restore.length === 0) return 'nothing (the run had removed nothing yet)';
  return restore
    .map((step) => `${step.step}: ${step.outcome}${step.items.length ? ` (${step.count})` : ''}`)
    .join(', ');
}

/** The values of a milestone's templates for one audience. */
export function milestoneValues(
  milestone: Milestone,
  audience: Audience,
  temporal: { uiUrl: string; namespace: string },
): TemplateValues {
  const factorIds = milestone.kind === 'offboard' ? (milestone.report.snapshot?.factors ?? []).map(({ id }) => id) : [];
  const free = (text: string | undefined): string => scrub(text ?? '', { factorIds, named: audience.named });
  const { person, user } = who(milestone.report.userId, audience);
  const base: TemplateValues = {
    person,
    user,
    userId: milestone.report.userId,
    event: milestone.name,
    at: when(milestone.at),
    key: milestone.key,
    workflowId: milestone.workflowId,
    runId: milestone.runId,
    runUrl: runUrl(temporal, milestone.workflowId, milestone.runId),
    statusCommand: `offboard status ${user}`,
    requestedBy: milestone.report.requestedBy,
  };
  if (milestone.kind === 'rehire') {
    return { ...base, rehiredBy: milestone.report.requestedBy, restored: restoredSummary(milestone.report.steps) };
  }
  const report = milestone.report;
  const values: TemplateValues = {
    ...base,
    reason: free(report.reason),
    source: report.source,
    effectiveAt: report.effectiveAt ? when(report.effectiveAt) : 'now',
  };
  const failedStep = [...report.steps].reverse().find((step) => step.outcome === 'failed');
  switch (milestone.name) {
    case 'awaiting-approval': {
      const hold = [...report.steps].reverse().find((step) => step.step === 'awaitApproval');
      return {
        ...values,
        holdReason: free(hold?.reason) || 'held by the blast-radius guard',
        approveCommand: `offboard approve ${user}`,
        rejectCommand: `offboard reject ${user}`,
      };
    }
    case 'locked-out':
      return { ...values, lockedAt: when(milestone.at), tokensValidUntil: when(report.accessTokens?.validUntil) };
    case 'wipe-scheduled':
      return {
        ...values,
        wipeAt: when(report.deviceWipeAt),
        wipeNowCommand: `offboard wipe-now ${user}`,
        cancelCommand: `offboard cancel ${user}`,
      };
    case 'needs-attention':
    case 'failed':
      return {
        ...values,
        failedStep: report.error?.step ?? failedStep?.step ?? 'unknown',
        errorType: report.error?.type ?? 'unknown',
        errorMessage: free(report.error?.message ?? failedStep?.reason) || 'see the run',
        retryCommand: `offboard retry ${user}`,
      };
    case 'completed': {
      const residue = report.residue ?? [];
      const deleted = report.steps.some((step) => step.step === 'deleteUser' && step.outcome === 'done');
      return {
        ...values,
        verification:
          residue.length > 0
            ? `residue: ${residue.map((item) => `${item.kind} ${item.id} (${free(item.detail)})`).join('; ')}`
            : `none: nothing grants access any more${deleted ? ' (the account is deleted)' : ''}`,
        removed: removedSummary(report.steps),
      };
    }
    case 'cancelled': {
      const stop = [...report.messages]
        .reverse()
        .find((message) => ['cancel', 'reject', 'temporal-cancel'].includes(message.name));
      const changed = report.steps.some(
        (step) => step.phase !== 'checking' && step.phase !== 'awaiting-approval' && step.count > 0,
      );
      return {
        ...values,
        cancelledBy: stop?.requestedBy ?? 'unknown',
        cancelReason: free(stop && 'reason' in stop ? stop.reason : undefined) || 'none given',
        changesMade: changed
          ? 'yes: what the run changed before the cancel stays changed (see the run)'
          : 'none: nothing was changed in Okta',
        rehireCommand: `offboard rehire ${user}`,
      };
    }
    case 'rehired': {
      const rehire = [...report.messages].reverse().find((message) => message.name === 'rehire');
      return { ...values, rehiredBy: rehire?.requestedBy ?? 'unknown', restored: restoredSummary(report.steps) };
    }
    default:
      return values;
  }
}

/** The values of a drift notice's templates for one audience. */
export function driftValues(notice: DriftNotice, audience: Audience): TemplateValues {
  const { person, user } = who(notice.userId, audience);
  return {
    person,
    user,
    userId: notice.userId,
    event: 'drift' satisfies NotifyEvent,
    at: when(notice.at),
    key: notice.key,
    driftKind: notice.kind,
    detail: scrub(notice.detail, { named: audience.named }),
    action: notice.action,
    clientIp: notice.clientIp ?? 'none',
    appId: notice.appId ?? 'none',
  };
}
