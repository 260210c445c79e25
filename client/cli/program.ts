// The `offboard` CLI: start, follow and steer offboarding runs. Human-readable by default, `--json`
// for scripts; exit 0 on success, otherwise a one-line reason on stderr and the code below.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import type { Client } from '@temporalio/client';
import { Command, CommanderError, Option } from 'commander';
import { ZodError } from 'zod';
import { createOktaClient } from '../../okta/client';
import {
  parseDuration,
  PHASES,
  type OffboardingReport,
  type OffboardingRequest,
  type OffboardingSource,
} from '../../workflows/definitions';
import { cliConfigFromEnv, type CliConfig } from '../config';
import { InvalidDateError, parseEffectiveAt } from '../effective-date';
import { startOnce } from '../../runs/offboardings';
import { newTable, renderProgress, renderReport, type RenderOptions } from '../render';
import {
  cancelRun,
  connectForSteering,
  expediteRun,
  followRun,
  isTemporalUnavailable,
  rehire,
  rescheduleRun,
  resolveUserId,
  retryRun,
  runStatus,
  SteeringError,
  wipeDevicesNow,
  type RunRef,
  type RunView,
} from '../../runs/steering';
import { runUrl } from '../../runs/temporal';
import { archivedOffboarding, registerAuditCommands } from './audit';
import { registerDriftCommand } from './drift';
import {
  applyBulk,
  bulkQuery,
  bulkTargets,
  confirmOnTerminal,
  decide,
  sinceTime,
  switchGate,
  type BulkAction,
  type BulkFilter,
  type BulkTarget,
} from './bulk';

/** Exit codes, for scripts. */
export const EXIT = {
  ok: 0,
  /** The run ended without completing (failed, terminated), or an unexpected error. */
  failed: 1,
  usage: 2,
  unknownUser: 3,
  noRun: 4,
  notAccepted: 5,
  temporalUnreachable: 6,
  oktaUnavailable: 7,
} as const;

const EXIT_OF: Record<SteeringError['code'], number> = {
  'unknown-user': EXIT.unknownUser,
  'no-run': EXIT.noRun,
  'not-accepted': EXIT.notAccepted,
  'invalid-input': EXIT.usage,
  'temporal-unavailable': EXIT.temporalUnreachable,
  'okta-unavailable': EXIT.oktaUnavailable,
};

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Colour in tables; `wantsColor` decides it for a real stdout. Off when unset. */
  color?: boolean;
  /** Where a bulk action's confirmation is read, on a terminal only; process.stdin when unset. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Colour only on a terminal, as Node reads the environment: FORCE_COLOR (unless `0` or `false`)
 * turns it on anywhere, else NO_COLOR (any non-empty value) or TERM=dumb turns it off.
 */
export function wantsColor(env: NodeJS.ProcessEnv, isTerminal: boolean): boolean {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR || env.TERM === 'dumb') return false;
  return isTerminal;
}

class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Connections are opened by the first command that needs them, so `--help` needs no environment. */
class Session {
  private temporalClient?: Client;
  private oktaClient?: OktaClient;
  private parsed?: CliConfig;

  constructor(
    private readonly io: CliIo,
    readonly json: () => boolean,
  ) {}

  get config(): CliConfig {
    this.parsed ??= cliConfigFromEnv(this.io.env);
    return this.parsed;
  }

  get temporal(): Client {
    this.temporalClient ??= connectForSteering(this.config.temporal);
    return this.temporalClient;
  }

  get okta(): OktaClient {
    this.oktaClient ??= createOktaClient(this.config.okta);
    return this.oktaClient;
  }

  get requestedBy(): string {
    return `cli:${this.io.env.OFFBOARD_OPERATOR || userInfo().username}`;
  }

  get render(): RenderOptions {
    return { color: this.io.color ?? false };
  }

  url(run: Partial<RunRef> & { workflowId: string }): string {
    return runUrl(this.config.temporal, run.workflowId, run.runId);
  }

  /** Prints the outcome: the JSON object, or the human lines followed by the Temporal UI link. */
  print(result: Record<string, unknown> & { workflowId: string; runId?: string }, human: string[]): void {
    const url = this.url(result);
    if (this.json()) this.io.out(JSON.stringify({ ...result, url }, null, 2));
    else this.io.out([...human, `Temporal UI: ${url}`].join('\n'));
  }

  async close(): Promise<void> {
    await this.temporalClient?.connection.close();
  }
}

function effectiveDate(text: string, session: Session): string {
  try {
    return parseEffectiveAt(text, session.config.timeZone);
  } catch (error) {
    if (error instanceof InvalidDateError) throw new CliFailure(EXIT.usage, error.message);
    throw error;
  }
}

function duration(name: string) {
  return (text: string): string => {
    if (parseDuration(text) === undefined)
      throw new CliFailure(
        EXIT.usage,
        `${name} must be a duration such as 72h, 3d or 30m; got ${JSON.stringify(text)}`,
      );
    return text;
  };
}

const outcomeLine = (view: RunView): string =>
  view.report
    ? `${view.workflowId} ended ${view.report.outcome}`
    : `${view.workflowId} ended (${view.runStatus.toLowerCase()})`;

function viewLines(view: RunView, render: RenderOptions): string[] {
  if (view.status) return [`${view.workflowId} is open (${view.status.phase})`, renderProgress(view.status)];
  return view.report ? [renderReport(view.report, render)] : [outcomeLine(view)];
}

/** The options of a bulk action (approve, cancel, rehire without a user). */
interface BulkOptions {
  since?: string;
  source?: OffboardingSource;
  eventPrefix?: string;
  dryRun?: boolean;
  yes?: boolean;
}

const SOURCES: OffboardingSource[] = ['hr', 'okta-group', 'cli', 'api'];

function withBulkOptions(command: Command): Command {
  return command
    .option('--since <when>', 'bulk: runs started within this duration (1h) or after this ISO-8601 time')
    .addOption(new Option('--source <source>', 'bulk: only runs from this starter').choices(SOURCES))
    .option('--event-prefix <prefix>', 'bulk: only runs whose event id (OffboardingEventId) starts with this')
    .option('--dry-run', 'bulk: list the runs it would touch, send nothing')
    .option('--yes', 'bulk: go ahead without asking (needed without a terminal)');
}

/** A user, or the bulk filters, never both; the bulk form needs --since to bound what it touches. */
function bulkRequested(user: string | undefined, options: BulkOptions): boolean {
  const bulkFlags = [options.since, options.source, options.eventPrefix, options.dryRun, options.yes];
  if (user !== undefined) {
    if (bulkFlags.some((flag) => flag !== undefined))
      throw new CliFailure(EXIT.usage, 'give a user, or the bulk options (--since ...), not both');
    return false;
  }
  if (options.since === undefined)
    throw new CliFailure(
      EXIT.usage,
      'give a user, or --since (with --source, --event-prefix) for every run that matches',
    );
  return true;
}

function targetsTable(targets: BulkTarget[], render: RenderOptions): string {
  const table = newTable(['workflow', 'source', 'phase', 'status', 'started', 'event'], render);
  for (const target of targets)
    table.push([
      target.workflowId,
      target.source ?? '',
      target.phase ?? '',
      target.status,
      target.startTime,
      target.eventId ?? '',
    ]);
  return [table.toString(), `${targets.length} run(s).`].join('\n');
}

export function buildProgram(io: CliIo, session: Session): Command {
  const program = new Command('offboard')
    .description('Start, follow and steer Okta offboarding runs on Temporal')
    .option('--json', 'machine-readable output')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) });
  const withUser = async (user: string) => resolveUserId(session.okta, user);

  /** Lists the runs an action would touch, asks (on a terminal) unless --yes, then sends each its message. */
  const bulk = async (action: BulkAction, options: BulkOptions, reason?: string): Promise<void> => {
    const since = sinceTime(options.since ?? '');
    if (!since)
      throw new CliFailure(
        EXIT.usage,
        `--since must be a duration such as 1h or an ISO-8601 time; got ${JSON.stringify(options.since)}`,
      );
    const filter: BulkFilter = {
      taskQueue: session.config.temporal.taskQueue,
      since,
      ...(options.source ? { source: options.source } : {}),
      ...(options.eventPrefix ? { eventPrefix: options.eventPrefix } : {}),
    };
    const targets = await steering(() => bulkTargets(session.temporal, action, filter));
    const query = bulkQuery(action, filter);
    const verb = `${action.charAt(0).toUpperCase()}${action.slice(1)}`;
    if (!session.json()) {
      io.out(targets.length ? targetsTable(targets, session.render) : `No run matches: ${query}`);
    }
    if (targets.length === 0 || options.dryRun) {
      if (session.json()) io.out(JSON.stringify({ action, query, dryRun: Boolean(options.dryRun), targets }, null, 2));
      else if (targets.length) io.out(`Dry run: ${action} would go to these ${targets.length} run(s); nothing sent.`);
      return;
    }
    if (!options.yes) {
      const stdin = io.stdin ?? process.stdin;
      if (!stdin.isTTY)
        throw new CliFailure(
          EXIT.usage,
          `${action} would go to ${targets.length} run(s): without a terminal to confirm on, pass --yes (or --dry-run to list them)`,
        );
      if (!(await confirmOnTerminal(stdin, io.err, `${verb} these ${targets.length} run(s)?`))) {
        io.err('Nothing was sent.');
        return;
      }
    }
    const input = { requestedBy: session.requestedBy, ...(reason ? { reason } : {}) };
    const results = await applyBulk(session.temporal, session.config.temporal.taskQueue, action, targets, input);
    const refused = results.filter((result) => result.outcome === 'refused');
    if (session.json()) io.out(JSON.stringify({ action, query, dryRun: false, results }, null, 2));
    else {
      const table = newTable(['workflow', 'outcome', 'detail'], session.render);
      for (const result of results) table.push([result.workflowId, result.outcome, result.detail ?? '']);
      io.out(
        [table.toString(), `${verb}: sent to ${results.length - refused.length}, refused by ${refused.length}.`].join(
          '\n',
        ),
      );
    }
    if (refused.length > 0) throw new CliFailure(EXIT.notAccepted, `${refused.length} run(s) refused ${action}`);
  };

  program
    .command('start <user>')
    .description('start the offboarding of a person (Okta id or login); an open run is answered, not duplicated')
    .option('--effective-at <when>', 'ISO-8601 with an offset, or a date (start of that day in OFFBOARD_TIMEZONE)')
    .option(
      '--device-wipe-delay <duration>',
      'wait before decommissioning devices, e.g. 72h',
      duration('--device-wipe-delay'),
    )
    .option('--delete-after <duration>', 'delete the user this long after deactivation', duration('--delete-after'))
    .option('--reason <text>', 'why (kept in the report)')
    .option('--dry-run', 'compute the plan without any change')
    .option('--wait', 'follow the run live until it ends, then show the report')
    .action(
      async (
        user: string,
        options: {
          effectiveAt?: string;
          deviceWipeDelay?: string;
          deleteAfter?: string;
          reason?: string;
          dryRun?: boolean;
          wait?: boolean;
        },
      ) => {
        const effectiveAt = options.effectiveAt === undefined ? undefined : effectiveDate(options.effectiveAt, session);
        const userId = await withUser(user);
        const request: OffboardingRequest = {
          userId,
          reason: options.reason ?? 'Offboarded by an operator',
          source: 'cli',
          requestedBy: session.requestedBy,
          correlationId: `cli-${randomUUID()}`,
          ...(effectiveAt ? { effectiveAt } : {}),
          ...(options.deviceWipeDelay ? { deviceWipeDelay: options.deviceWipeDelay } : {}),
          ...(options.deleteAfter ? { deleteAfter: options.deleteAfter } : {}),
          ...(options.dryRun ? { dryRun: true } : {}),
        };
        const started = await startOnce(session.temporal, session.config.temporal.taskQueue, request);
        const headline = started.created
          ? `Started ${started.workflowId}${options.dryRun ? ' (dry run)' : ''}`
          : `${started.workflowId} was already open: no new run`;
        if (!options.wait) return session.print({ ...started, userId }, [headline]);
        if (!session.json()) io.out(`${headline}\nTemporal UI: ${session.url(started)}`);
        // Every step once, with its phase (a fast phase can begin and end between two polls), then the bar.
        let shownSteps = 0;
        const view = await steering(() =>
          followRun(session.temporal, started, (status) => {
            if (session.json()) return;
            for (const step of status.steps.slice(shownSteps)) io.out(`  ${step.phase.padEnd(22)} ${step.step}`);
            shownSteps = status.steps.length;
            io.out(renderProgress(status));
          }),
        );
        if (session.json())
          io.out(
            JSON.stringify(
              { ...started, userId, url: session.url(started), runStatus: view.runStatus, report: view.report },
              null,
              2,
            ),
          );
        else io.out(view.report ? renderReport(view.report, session.render) : outcomeLine(view));
        if (!isSuccess(view.report, view.runStatus)) throw new CliFailure(EXIT.failed, outcomeLine(view));
      },
    );

  program
    .command('status <user>')
    .description('the person’s latest run: its progress while open, its report once closed')
    .action(async (user: string) => {
      const view = await steering(async () => runStatus(session.temporal, await withUser(user)));
      session.print({ ...view }, viewLines(view, session.render));
    });

  withBulkOptions(
    program
      .command('cancel [user]')
      .description('stop the open run at its next safe point; with --since, every open run that matches')
      .option('--reason <text>'),
  ).action(async (user: string | undefined, options: BulkOptions & { reason?: string }) => {
    if (bulkRequested(user, options)) return bulk('cancel', options, options.reason);
    const run = await steering(async () =>
      cancelRun(session.temporal, await withUser(user ?? ''), {
        requestedBy: session.requestedBy,
        reason: options.reason,
      }),
    );
    session.print({ ...run, sent: 'cancel' }, [`Sent cancel to ${run.workflowId}`]);
  });

  withBulkOptions(
    program
      .command('rehire [user]')
      .description(
        'stop the open run and restore access, or restore after the run has closed; with --since, every run that matches',
      ),
  ).action(async (user: string | undefined, options: BulkOptions) => {
    if (bulkRequested(user, options)) return bulk('rehire', options);
    const run = await steering(async () =>
      rehire(
        session.temporal,
        session.config.temporal.taskQueue,
        await withUser(user ?? ''),
        session.requestedBy,
        archivedOffboarding(io.env),
      ),
    );
    session.print({ ...run }, [
      run.via === 'signal'
        ? `Sent rehire to ${run.workflowId}`
        : `Started ${run.workflowId} (the offboarding run had closed)`,
    ]);
  });

  withBulkOptions(
    program
      .command('approve [user]')
      .description(
        'release a run waiting in awaiting-approval (an operator other than the one who started it); with --since, every such run that matches',
      )
      .option('--reason <text>'),
  ).action(async (user: string | undefined, options: BulkOptions & { reason?: string }) => {
    if (bulkRequested(user, options)) return bulk('approve', options, options.reason);
    const run = await steering(async () =>
      decide(session.temporal, await withUser(user ?? ''), 'approve', {
        requestedBy: session.requestedBy,
        reason: options.reason,
      }),
    );
    session.print({ ...run }, [`Approved ${run.workflowId}: it goes on`]);
  });

  program
    .command('reject <user>')
    .description('end a run waiting in awaiting-approval: it ends cancelled, nothing changed in Okta')
    .option('--reason <text>')
    .action(async (user: string, options: { reason?: string }) => {
      const run = await steering(async () =>
        decide(session.temporal, await withUser(user), 'reject', {
          requestedBy: session.requestedBy,
          reason: options.reason,
        }),
      );
      session.print({ ...run }, [`Rejected ${run.workflowId}: it ends cancelled, nothing changed in Okta`]);
    });

  program
    .command('pause')
    .description('hold every new run in awaiting-approval, whatever the count, until `resume`')
    .option('--reason <text>')
    .action(async (options: { reason?: string }) => {
      const { taskQueue } = session.config.temporal;
      const result = await switchGate(session.temporal, taskQueue, 'pause', {
        requestedBy: session.requestedBy,
        reason: options.reason,
      });
      const by = result.gate.paused;
      session.print({ ...result }, [
        `Paused the blast-radius guard of ${taskQueue}${by ? ` (by ${by.requestedBy} at ${by.at})` : ''}: every new run waits in awaiting-approval until \`offboard resume\`.`,
        `${result.awaitingApproval} run(s) awaiting approval now.`,
      ]);
    });

  program
    .command('resume')
    .description('stop holding new runs (the threshold still applies); runs already held wait for `approve`')
    .action(async () => {
      const { taskQueue } = session.config.temporal;
      const result = await switchGate(session.temporal, taskQueue, 'resume', { requestedBy: session.requestedBy });
      session.print({ ...result }, [
        `Resumed the blast-radius guard of ${taskQueue}: new runs are admitted up to the threshold again.`,
        result.awaitingApproval > 0
          ? `${result.awaitingApproval} run(s) held meanwhile still await approval: \`offboard approve --since <t>\` lists and releases them.`
          : 'No run awaits approval.',
      ]);
    });

  program
    .command('wipe-now <user>')
    .description('decommission devices without waiting for the delay')
    .option('--reason <text>')
    .action(async (user: string, options: { reason?: string }) => {
      const run = await steering(async () =>
        wipeDevicesNow(session.temporal, await withUser(user), {
          requestedBy: session.requestedBy,
          reason: options.reason,
        }),
      );
      session.print({ ...run, sent: 'wipeDevicesNow' }, [`Sent wipeDevicesNow to ${run.workflowId}`]);
    });

  program
    .command('expedite <user>')
    .description('end the scheduled wait now')
    .option('--reason <text>')
    .action(async (user: string, options: { reason?: string }) => {
      const run = await steering(async () =>
        expediteRun(session.temporal, await withUser(user), {
          requestedBy: session.requestedBy,
          reason: options.reason,
        }),
      );
      session.print({ ...run }, [`Expedited ${run.workflowId}`]);
    });

  program
    .command('retry <user>')
    .description('retry the failed step of a run in needs-attention')
    .action(async (user: string) => {
      const run = await steering(async () =>
        retryRun(session.temporal, await withUser(user), { requestedBy: session.requestedBy }),
      );
      session.print({ ...run }, [`Retrying ${run.workflowId}`]);
    });

  program
    .command('reschedule <user>')
    .description('move the effective date of a scheduled run')
    .requiredOption(
      '--effective-at <when>',
      'ISO-8601 with an offset, or a date (start of that day in OFFBOARD_TIMEZONE)',
    )
    .action(async (user: string, options: { effectiveAt: string }) => {
      const effectiveAt = effectiveDate(options.effectiveAt, session);
      const run = await steering(async () =>
        rescheduleRun(session.temporal, await withUser(user), { effectiveAt, requestedBy: session.requestedBy }),
      );
      session.print({ ...run }, [`Rescheduled ${run.workflowId} to ${run.effectiveAt}`]);
    });

  program
    .command('list')
    .description('offboarding runs, newest first (Temporal visibility)')
    .addOption(new Option('--phase <phase>', 'only runs in this phase').choices(PHASES))
    .option('--limit <n>', 'at most this many runs', (text) => Number.parseInt(text, 10), 50)
    .action(async (options: { phase?: string; limit: number }) => {
      const query = `WorkflowType = "offboardUser"${options.phase ? ` AND OffboardingPhase = "${options.phase}"` : ''}`;
      const rows = await steering(() => listRuns(session.temporal, query, options.limit));
      const withUrls = rows.map((row) => ({ ...row, url: session.url(row) }));
      if (session.json()) return io.out(JSON.stringify(withUrls, null, 2));
      const table = newTable(['workflow', 'phase', 'source', 'status', 'started', 'effective at'], session.render);
      for (const row of rows)
        table.push([
          row.workflowId,
          row.phase ?? '',
          row.source ?? '',
          row.status,
          row.startTime,
          row.effectiveAt ?? '',
        ]);
      const { uiUrl, namespace } = session.config.temporal;
      io.out(
        [
          table.toString(),
          `${rows.length} run(s). Temporal UI: ${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`,
        ].join('\n'),
      );
    });

  registerAuditCommands(program, {
    env: io.env,
    out: io.out,
    json: session.json,
    render: () => session.render,
    resolveUser: withUser,
  });
  registerDriftCommand(program, { env: io.env, out: io.out, json: session.json, render: () => session.render });

  return program;
}

async function listRuns(temporal: Client, query: string, limit: number) {
  const rows: Array<{
    workflowId: string;
    runId: string;
    userId?: string;
    phase?: string;
    source?: string;
    status: string;
    startTime: string;
    effectiveAt?: string;
  }> = [];
  for await (const execution of temporal.workflow.list({ query })) {
    const attribute = (name: string) => execution.searchAttributes[name]?.[0];
    const effective = attribute('OffboardingEffectiveAt');
    rows.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      userId: attribute('OktaUserId') as string | undefined,
      phase: attribute('OffboardingPhase') as string | undefined,
      source: attribute('OffboardingSource') as string | undefined,
      status: execution.status.name,
      startTime: execution.startTime.toISOString(),
      effectiveAt: effective ? new Date(effective as string).toISOString() : undefined,
    });
    if (rows.length >= limit) break;
  }
  return rows;
}

const isSuccess = (report: OffboardingReport | undefined, runStatus: string): boolean =>
  runStatus === 'COMPLETED' && report !== undefined && report.outcome !== 'failed';

/** Temporal errors that are not steering errors still read as one line. */
async function steering<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (isTemporalUnavailable(error))
      throw new SteeringError('temporal-unavailable', 'Temporal is unreachable; try again later');
    throw error;
  }
}

/** A configuration error (zod) reads as its issues, anything else as its message. */
function oneLine(error: unknown): string {
  if (error instanceof ZodError)
    return `Invalid configuration: ${error.issues.map((issue) => issue.message).join('; ')}`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs one command line; answers the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let json = false;
  const session = new Session(io, () => json);
  const program = buildProgram(io, session);
  program.hook('preAction', (command) => {
    json = Boolean(command.optsWithGlobals().json);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const [code, message] =
      error instanceof CliFailure
        ? [error.exitCode, error.message]
        : error instanceof SteeringError
          ? [EXIT_OF[error.code], error.message]
          : [EXIT.failed, oneLine(error)];
    io.err(`offboard: ${message.split('\n')[0]}`);
    return code;
  } finally {
    await session.close();
  }
}
