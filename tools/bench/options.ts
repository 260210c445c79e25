// The benchmark's command line (main.ts has the usage line).
import { parseArgs } from 'node:util';

export type Topology = 'dev-server' | 'cluster';
export type Until = 'completion' | 'lockout';

export interface Options {
  users: number;
  rateLimits: string;
  timeScale: number;
  seed: number;
  workers: number;
  baseline: boolean;
  ceiling: boolean;
  /** Only the sequential baseline (writes bench-results/phase-baseline.json, not latest.json). */
  baselineOnly: boolean;
  /** OFFBOARD_OKTA_RATE_SHARE for the worker; the worker's default (0.9) when absent. */
  share?: string;
  /** The AES-GCM payload codec on the worker and the intake's client, as in production (`--no-encryption`: off). */
  encryption: boolean;
  /** `lockout`: stop once the last person is locked out and terminate the open runs; `completion`: run to the end. */
  until: Until;
  /** The Temporal dev server (SQLite), or the rehearsal's four services on PostgreSQL (tools/chaos/cluster.ts). */
  topology: Topology;
  /** `--worker-env KEY=VALUE`, passed to every worker process after the benchmark's own settings. */
  workerEnv: Record<string, string>;
  /** `--json`: the result on stdout (the tables go to stderr). */
  json: boolean;
  /** `--keep-logs`: keep the temp dir (process logs, each phase's Okta request log) after a run that is not broken. */
  keepLogs: boolean;
}

/** The worker setting of the sticky workflow cache, reported beside the worker's memory. */
export const STICKY_CACHE_ENV = 'OFFBOARD_MAX_CACHED_WORKFLOWS';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `KEY=VALUE` pairs (the value may hold `=`), later ones winning. */
export function parseWorkerEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : '';
    if (!ENV_NAME.test(key)) throw new Error(`--worker-env takes KEY=VALUE, got ${JSON.stringify(pair)}`);
    env[key] = pair.slice(at + 1);
  }
  return env;
}

export function parseOptions(args: string[] = process.argv.slice(2)): Options {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '1000' },
      'rate-limits': { type: 'string', default: 'workforce' },
      'time-scale': { type: 'string', default: '6' },
      seed: { type: 'string', default: '1' },
      workers: { type: 'string' },
      baseline: { type: 'boolean', default: false },
      'skip-ceiling': { type: 'boolean', default: false },
      'baseline-only': { type: 'boolean', default: false },
      share: { type: 'string' },
      'no-encryption': { type: 'boolean', default: false },
      until: { type: 'string', default: 'completion' },
      topology: { type: 'string', default: 'dev-server' },
      'worker-env': { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      'keep-logs': { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const topology = values.topology as string;
  if (topology !== 'dev-server' && topology !== 'cluster') throw new Error('--topology must be dev-server or cluster');
  const until = values.until as string;
  if (until !== 'completion' && until !== 'lockout') throw new Error('--until must be completion or lockout');
  const users = Number(values.users);
  const timeScale = Number(values['time-scale']);
  // Two workers on the cluster, as the rehearsal and docker-compose.yml run them.
  const workers = Number(values.workers ?? (topology === 'cluster' ? 2 : 1));
  if (!Number.isInteger(users) || users < 1) throw new Error('--users must be a positive integer');
  if (!(timeScale > 0 && timeScale <= 6))
    throw new Error(
      '--time-scale must be above 0 and at most 6 (one Okta minute >= 10 s keeps X-Rate-Limit-Reset precise)',
    );
  if (!Number.isInteger(workers) || workers < 1 || workers > 4) throw new Error('--workers must be 1 to 4');
  return {
    users,
    rateLimits: values['rate-limits'] as string,
    timeScale,
    seed: Number(values.seed),
    workers,
    baseline: values.baseline as boolean,
    ceiling: !values['skip-ceiling'],
    baselineOnly: values['baseline-only'] as boolean,
    share: values.share,
    encryption: !values['no-encryption'],
    until,
    topology,
    workerEnv: parseWorkerEnv(values['worker-env'] as string[]),
    json: values.json as boolean,
    keepLogs: values['keep-logs'] as boolean,
  };
}
