// `offboard audit export|show`: the audit archive read directly (archive/), so it answers for runs Temporal no
// longer holds. `export` lists the leavers of a period with their times; `show` one person's whole trail,
// decrypted with the codec keys. And the check the CLI's rehire makes when Temporal has no run of the person.
import type { Command } from 'commander';
import { Option } from 'commander';
import { archiveConfigFromEnv } from '../../archive/config';
import { openTrailForReading } from '../../archive/open';
import type { AuditTrail, LeaverLine, TrailEntry } from '../../archive/trail';
import { SteeringError } from '../../runs/steering';
import { parseDuration, type OffboardingReport, type RehireReport } from '../../workflows/definitions';
import { InvalidDateError, isValidTimeZone, parseEffectiveAt } from '../effective-date';
import { factorsListed, newTable, stepsTable, type RenderOptions } from '../render';

export interface AuditDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  json: () => boolean;
  render: () => RenderOptions;
  /** An Okta id as it is, a login through a read-only Okta lookup (which needs the Okta settings). */
  resolveUser: (user: string) => Promise<string>;
}

const FORMATS = ['table', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** Works on the archive, then closes it (an embedded archive is read from a copy, removed on close). */
async function withTrail<T>(env: NodeJS.ProcessEnv, work: (trail: AuditTrail) => Promise<T>): Promise<T> {
  const config = archiveConfigFromEnv(env);
  const trail = await openTrailForReading(config);
  if (!trail) {
    const where = 'dir' in config.source ? config.source.dir : 'the configured database';
    throw new SteeringError(
      'no-run',
      `No audit archive in ${where} yet: no worker has written to it (OFFBOARD_ARCHIVE_DIR or OFFBOARD_ARCHIVE_DATABASE_URL)`,
    );
  }
  try {
    return await work(trail);
  } finally {
    await trail.close();
  }
}

/** For `rehire` when Temporal has no run of the person: whether the archive holds an offboarding to restore from. */
export function archivedOffboarding(env: NodeJS.ProcessEnv): (userId: string) => Promise<boolean> {
  return async (userId) => {
    const trail = await openTrailForReading(archiveConfigFromEnv(env));
    if (!trail) return false;
    try {
      return await trail.hasOffboardingWithSnapshot(userId);
    } finally {
      await trail.close();
    }
  };
}

/** `7d` (that long ago), an ISO-8601 time with an offset, or a date (the start of that day in OFFBOARD_TIMEZONE). */
export function pastTime(option: string, text: string, env: NodeJS.ProcessEnv, now = Date.now()): string {
  const back = parseDuration(text);
  if (back !== undefined) return new Date(now - back).toISOString();
  const zone = env.OFFBOARD_TIMEZONE || 'UTC';
  if (!isValidTimeZone(zone)) throw new SteeringError('invalid-input', `OFFBOARD_TIMEZONE ${zone} is not a time zone`);
  try {
    return new Date(parseEffectiveAt(text, zone)).toISOString();
  } catch (error) {
    if (error instanceof InvalidDateError)
      throw new SteeringError(
        'invalid-input',
        `${option} must be a date (2026-11-01), an ISO-8601 time with an offset or a duration (30d); got ${JSON.stringify(text)}`,
      );
    throw error;
  }
}

/** `2026-11-29 11:44:12Z`: a table's width, to the second. */
const short = (iso: string | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z` : '');

/** `850ms`, `42.1s`, `3m05s`, `2h10m`, `3d4h`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.round(ms / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3_600)}h`;
}

const CSV_COLUMNS: Array<[string, (line: LeaverLine) => string | number | boolean | undefined]> = [
  ['user_id', (line) => line.userId],
  ['workflow_id', (line) => line.workflowId],
  ['run_id', (line) => line.runId],
  ['source', (line) => line.source],
  ['requested_by', (line) => line.requestedBy],
  ['requested_at', (line) => line.requestedAt],
  ['effective_at', (line) => line.effectiveAt],
  ['locked_out_at', (line) => line.lockedOutAt],
  ['time_to_lockout_s', (line) => (line.timeToLockoutMs === undefined ? undefined : line.timeToLockoutMs / 1000)],
  ['finished_at', (line) => line.finishedAt],
  ['state', (line) => line.state],
  ['verified', (line) => (line.verified ? 'yes' : 'no')],
  ['residue_count', (line) => line.residueCount],
  ['approver', (line) => line.approver],
];

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
const csvField = (value: string | number | boolean | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function leaversCsv(lines: LeaverLine[]): string {
  return [
    CSV_COLUMNS.map(([name]) => name).join(','),
    ...lines.map((line) => CSV_COLUMNS.map(([, value]) => csvField(value(line))).join(',')),
  ].join('\r\n');
}

function leaversTable(lines: LeaverLine[], render: RenderOptions): string {
  const table = newTable(
    [
      'user',
      'source',
      'requested (HR)',
      'effective',
      'locked out',
      'to lockout',
      'finished',
      'state',
      'verified',
      'residue',
      'approver',
    ],
    render,
  );
  for (const line of lines)
    table.push([
      line.userId,
      line.source ?? '',
      short(line.requestedAt),
      short(line.effectiveAt),
      short(line.lockedOutAt),
      formatDuration(line.timeToLockoutMs),
      short(line.finishedAt),
      line.state,
      line.verified ? 'yes' : 'no',
      line.residueCount,
      line.approver ?? '',
    ]);
  return [table.toString(), `${lines.length} offboarding run(s).`].join('\n');
}

type OffboardView = Partial<OffboardingReport> & { steps: OffboardingReport['steps'] };

/** One run of the trail: its milestones, then what its latest one recorded. */
function runLines(entries: TrailEntry[], render: RenderOptions): string[] {
  const latest = entries.at(-1)!;
  const lines = [`${latest.kind === 'rehire' ? 'Rehire' : 'Offboarding'} ${latest.workflowId} (run ${latest.runId})`];
  const milestones = newTable(['#', 'milestone', 'at', 'archived at', 'sealed with'], render);
  for (const entry of entries)
    milestones.push([
      entry.seq,
      entry.milestone,
      short(entry.at),
      short(entry.writtenAt),
      entry.sealedKeyId ?? 'plaintext',
    ]);
  lines.push(milestones.toString());
  if (latest.kind === 'rehire') {
    const report = latest.report as RehireReport & { requestedBy: string };
    lines.push(
      `  requested by ${report.requestedBy} at ${report.startedAt}, finished ${report.finishedAt}` +
        (report.fromWorkflowId ? `, restoring what ${report.fromWorkflowId} removed` : ''),
      'Restored:',
      stepsTable(report.steps, render),
      ...report.notes.map((note) => `Note: ${note}`),
    );
    return lines;
  }
  const report = latest.report as OffboardView;
  lines.push(
    `  ${report.source ?? '?'} request by ${report.requestedBy ?? '?'} (${report.correlationId ?? '?'}) at ${report.startedAt ?? '?'}` +
      (report.effectiveAt ? `, effective ${report.effectiveAt}` : ''),
    `  reason: ${report.reason ?? ''}`,
    `  locked out: ${latest.lockedOutAt ?? 'not yet'}; ${report.outcome ? `ended ${report.outcome} at ${report.finishedAt}` : `open at ${latest.milestone}`}`,
    `  verified: ${latest.verified ? 'yes' : 'no'}; residue: ${
      report.residue?.length
        ? report.residue.map((item) => `${item.kind} ${item.id}: ${item.detail}`).join('; ')
        : 'none'
    }`,
  );
  if (report.error) lines.push(`  error: ${report.error.type}: ${report.error.message}`);
  lines.push(stepsTable(report.steps, render));
  for (const message of report.messages ?? []) {
    const reason = 'reason' in message && message.reason ? `: ${message.reason}` : '';
    lines.push(
      `Message: ${message.name} by ${message.requestedBy ?? '?'} at ${message.at} (during ${message.phase})${reason}`,
    );
  }
  const snapshot = report.snapshot;
  if (snapshot) {
    lines.push(
      `Snapshot (${snapshot.takenAt}): user ${snapshot.user.status}; ${snapshot.groups.length} groups, ${snapshot.apps.length} apps, ${factorsListed(snapshot)}, ${snapshot.devices.length} devices, ${snapshot.oauthClientIds?.length ?? 0} OAuth clients`,
      ...snapshot.groups.map((group) => `  group ${group.id} ${group.name} (${group.type})`),
      ...snapshot.apps.map((app) => `  app ${app.id} ${app.label} (${app.scope})`),
      ...snapshot.devices.map((device) => `  device ${device.id} ${device.platform} (${device.status})`),
    );
  }
  for (const note of report.notes ?? []) lines.push(`Note: ${note}`);
  return lines;
}

function trailText(userId: string, entries: TrailEntry[], render: RenderOptions): string {
  const runs = new Map<string, TrailEntry[]>();
  for (const entry of entries) {
    const run = `${entry.workflowId}/${entry.runId}`;
    runs.set(run, [...(runs.get(run) ?? []), entry]);
  }
  return [
    `Audit trail of ${userId}: ${entries.length} milestone(s) in ${runs.size} run(s)`,
    ...[...runs.values()].flatMap((run) => ['', ...runLines(run, render)]),
  ].join('\n');
}

export function registerAuditCommands(program: Command, deps: AuditDeps): void {
  const audit = program
    .command('audit')
    .description('the audit archive (PostgreSQL, or the embedded one): it outlives Temporal’s retention');

  audit
    .command('export')
    .description('one line per offboarding run requested in the period, with its times, verification and approver')
    .requiredOption('--since <when>', 'requests from this date (2026-11-01), ISO-8601 time or duration ago (30d)')
    .option('--until <when>', 'requests before this date, time or duration ago (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .action(async (options: { since: string; until?: string; format: Format }) => {
      const since = pastTime('--since', options.since, deps.env);
      const until = options.until === undefined ? undefined : pastTime('--until', options.until, deps.env);
      const lines = await withTrail(deps.env, (trail) => trail.leavers(since, until));
      const format = deps.json() ? 'json' : options.format;
      if (format === 'json') deps.out(JSON.stringify(lines, null, 2));
      else if (format === 'csv') deps.out(leaversCsv(lines));
      else deps.out(leaversTable(lines, deps.render()));
    });

  audit
    .command('show <user>')
    .description('one person’s whole trail (an Okta id, or a login looked up in Okta): every milestone, decrypted')
    .action(async (user: string) => {
      const userId = user.includes('@') ? await deps.resolveUser(user) : user.trim();
      const entries = await withTrail(deps.env, (trail) => trail.trail(userId));
      if (entries.length === 0) throw new SteeringError('no-run', `The audit archive holds nothing about ${userId}`);
      if (deps.json()) deps.out(JSON.stringify({ userId, entries }, null, 2));
      else deps.out(trailText(userId, entries, deps.render()));
    });
}
