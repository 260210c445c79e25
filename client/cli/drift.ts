// `offboard drift [--since <when>] [--format table|json]`: the drift events the watch recorded (access that came
// back after a completed offboarding), read from the audit archive directly (archive/drift.ts).
import { Option, type Command } from 'commander';
import { archiveConfigFromEnv } from '../../archive/config';
import { DriftArchive, type DriftEventRow } from '../../archive/drift';
import { openTrailForReading } from '../../archive/open';
import { SteeringError } from '../../runs/steering';
import { pastTime } from './audit';
import { newTable, type RenderOptions } from '../render';

export interface DriftDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  json: () => boolean;
  render: () => RenderOptions;
}

const FORMATS = ['table', 'json'] as const;

const short = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;

/** What came back: the group or app id, the event type of a status change, what a re-verification found. */
const what = (row: DriftEventRow): string =>
  row.kind === 'residue' ? row.detail.replace(/^re-verification found /, '') : (row.itemId ?? row.eventType ?? '');

function driftTable(rows: DriftEventRow[], render: RenderOptions): string {
  const table = newTable(['at', 'user', 'kind', 'what', 'action', 'client ip', 'app', 'revoke run'], render);
  for (const row of rows)
    table.push([
      short(row.at),
      row.userId,
      row.kind,
      what(row),
      row.action,
      row.clientIp ?? '',
      row.appId ?? '',
      row.revokeWorkflowId ?? '',
    ]);
  const people = new Set(rows.map((row) => row.userId)).size;
  return [table.toString(), `${rows.length} drift event(s), ${people} person(s).`].join('\n');
}

export function registerDriftCommand(program: Command, deps: DriftDeps): void {
  program
    .command('drift')
    .description('access that came back after a completed offboarding, as the drift watch recorded it (the archive)')
    .option('--since <when>', 'events at or after this date, ISO-8601 time or duration ago', '30d')
    .addOption(new Option('--format <format>', 'table or json').choices(FORMATS).default('table'))
    .action(async (options: { since: string; format: (typeof FORMATS)[number] }) => {
      const since = pastTime('--since', options.since, deps.env);
      const config = archiveConfigFromEnv(deps.env);
      const trail = await openTrailForReading(config);
      if (!trail) {
        const where = 'dir' in config.source ? config.source.dir : 'the configured database';
        throw new SteeringError('no-run', `No audit archive in ${where} yet: no worker has written to it`);
      }
      let rows: DriftEventRow[];
      try {
        rows = await new DriftArchive(trail.db).listEvents(since);
      } finally {
        await trail.close();
      }
      if (options.format === 'json' || deps.json()) deps.out(JSON.stringify(rows, null, 2));
      else deps.out(rows.length ? driftTable(rows, deps.render()) : `No drift event since ${since}.`);
    });
}
