// Human-readable views of a run for terminals: the report as tables, and one-line progress.
import Table from 'cli-table3';
import {
  PHASES,
  type OffboardingReport,
  type OffboardingSnapshot,
  type OffboardingStatus,
  type Phase,
  type StepRecord,
} from '../workflows/definitions';

export interface RenderOptions {
  /** cli-table3's colours (header and border); off by default, so a pipe or a log file gets plain text. */
  color?: boolean;
}

/** A table with a rule under the header and none between rows, in colour only when asked. */
export function newTable(
  head: string[],
  { color = false }: RenderOptions = {},
  layout: Table.TableConstructorOptions = {},
): Table.Table {
  return new Table({ ...layout, head, style: { compact: true, ...(color ? {} : { head: [], border: [] }) } });
}

const OUTCOME_MARK: Record<StepRecord['outcome'], string> = {
  done: 'done',
  skipped: 'skipped',
  failed: 'FAILED',
  'not-needed': 'not needed',
};

/** The runbook's phases in order, for "phase 5/10" progress (terminal and side phases excluded). */
const RUNBOOK: Phase[] = PHASES.filter(
  (phase) => !['needs-attention', 'completed', 'cancelled', 'rehired', 'failed'].includes(phase),
);

/** The snapshot's factors: a count, or that the run reset them without listing them first. */
export function factorsListed({ factors }: Pick<OffboardingSnapshot, 'factors'>): string {
  return factors ? `${factors.length} factors` : 'factors reset without a list';
}

export function stepsTable(steps: StepRecord[], options: RenderOptions): string {
  const table = newTable(['step', 'phase', 'outcome', 'items', 'detail'], options, {
    wordWrap: true,
    colWidths: [24, 22, 12, 8, 60],
  });
  for (const step of steps) {
    const skipped = step.items
      .filter((item) => item.outcome === 'skipped')
      .map((item) => `${item.id}: ${item.reason ?? ''}`);
    const failed = step.items
      .filter((item) => item.outcome === 'failed')
      .map((item) => `${item.id}: ${item.reason ?? ''}`);
    const detail = [step.reason, ...failed, ...skipped].filter(Boolean).join('\n');
    table.push([
      step.step,
      step.phase,
      OUTCOME_MARK[step.outcome],
      step.items.length ? `${step.count}/${step.items.length}` : '',
      detail,
    ]);
  }
  return table.toString();
}

export function renderReport(report: OffboardingReport, options: RenderOptions = {}): string {
  const lines = [
    `Offboarding of ${report.userId}: ${report.outcome.toUpperCase()}`,
    `  run ${report.workflowId}, ${report.source} (${report.requestedBy}, ${report.correlationId}), reason: ${report.reason}`,
    `  ${report.startedAt} -> ${report.finishedAt}${report.deviceWipeAt ? `, devices after ${report.deviceWipeAt}` : ''}`,
  ];
  if (report.error) lines.push(`  error: ${report.error.type}: ${report.error.message}`);
  lines.push(stepsTable(report.steps, options));
  if (report.snapshot) {
    const s = report.snapshot;
    lines.push(
      `Snapshot (${s.takenAt}): ${s.groups.length} groups, ${s.apps.length} apps, ${factorsListed(s)}, ${s.devices.length} devices${s.oauthClientIds ? `, ${s.oauthClientIds.length} OAuth clients` : ''}`,
    );
  }
  if (report.plan) {
    const plan = newTable(['phase', 'planned change', 'item'], options);
    for (const action of report.plan) plan.push([action.phase, action.step, action.itemId ?? '']);
    lines.push('Plan (dry run, nothing changed):', plan.toString());
  }
  lines.push(
    report.residue.length
      ? `Residue (access left): ${report.residue.map((item) => `${item.kind} ${item.id}: ${item.detail}`).join('; ')}`
      : 'Residue: none, no access left.',
  );
  for (const message of report.messages)
    lines.push(
      `Message: ${message.name} from ${message.requestedBy ?? '?'} at ${message.at} (during ${message.phase})`,
    );
  for (const note of report.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}

/** One line of progress, e.g. `[####------] 4/10 revoking  removeGroupMembership 2/4`. */
export function renderProgress(status: OffboardingStatus): string {
  const index = RUNBOOK.indexOf(status.phase);
  const position = index === -1 ? RUNBOOK.length : index + 1;
  const bar = `[${'#'.repeat(position)}${'-'.repeat(RUNBOOK.length - position)}]`;
  const current = status.steps.at(-1);
  const step = current
    ? `${current.step}${current.items.length ? ` ${current.count}/${current.items.length}` : ''}`
    : '';
  const timer = status.nextTimer ? `  next: ${status.nextTimer.kind} at ${status.nextTimer.firesAt}` : '';
  const attention = status.attention ? `  NEEDS ATTENTION: ${status.attention.type}: ${status.attention.message}` : '';
  return `${bar} ${position}/${RUNBOOK.length} ${status.phase.padEnd(20)} ${step}${timer}${attention}`;
}
