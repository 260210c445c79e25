// PostgreSQL for the rehearsal: an existing server given by a connection URL, else a throwaway
// cluster in a temporary folder from the OS package (installed when absent and running as root).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type Supervisor } from './supervisor/processes';

export interface Postgres {
  host: string;
  port: number;
  /** The role Temporal connects as (it creates its two databases). */
  user: string;
  password: string;
  /** Removes the throwaway cluster's folder (after the supervisor stopped the server). */
  cleanup(): void;
}

type Log = (line: string) => void;

function run(command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', input });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr || result.stdout || result.error?.message}`);
  return result.stdout;
}

/** The bin folder of the newest PostgreSQL of the OS package (Debian: /usr/lib/postgresql/<major>/bin). */
function packagedBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

function installPackage(log: Log): string {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      'PostgreSQL is needed and was not found. Either give an existing server with\n' +
        '  --postgres-url postgres://user:password@host:5432 (a role allowed to create databases)\n' +
        'or install the server package (Debian/Ubuntu: sudo apt-get install postgresql) and run this again.',
    );
  }
  log('Installing PostgreSQL from the OS packages (apt-get, about a minute)...\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-q'],
    ['install', '-y', '-q', 'postgresql'],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status})`);
  }
  const bin = packagedBinDir();
  if (!bin) throw new Error('apt-get installed postgresql, but no initdb was found under /usr/lib/postgresql');
  return bin;
}

export function fromUrl(url: string): Postgres {
  const parsed = new URL(url);
  if (!/^postgres(ql)?:$/.test(parsed.protocol))
    throw new Error(`--postgres-url must be postgres://user:password@host:port, got ${url}`);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
    cleanup: () => {},
  };
}

/**
 * Starts a throwaway PostgreSQL cluster under the supervisor (name `postgres`) on a free loopback
 * port, with a `temporal` role of a random password (TCP needs it; the socket is for set-up only). initdb refuses to run as root, so as root the
 * package's `postgres` user owns and runs the cluster.
 */
export async function startThrowawayPostgres(supervisor: Supervisor, log: Log): Promise<Postgres> {
  const bin = packagedBinDir() ?? installPackage(log);
  const dir = mkdtempSync(join(tmpdir(), 'offboarding-rehearsal-pg-'));
  const asRoot = process.getuid?.() === 0;
  const as = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  if (asRoot) {
    const ids = run('id', ['-u', 'postgres']).trim();
    const gid = run('id', ['-g', 'postgres']).trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const [initdb, initdbArgs] = as(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  run(initdb, initdbArgs);
  const port = await freePort();
  // Four Temporal services open up to 30 connections each.
  const [postgres, postgresArgs] = as(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
  ]);
  await supervisor.start({
    name: 'postgres',
    command: postgres,
    args: postgresArgs,
    ready: { line: /database system is ready to accept connections/ },
  });
  const password = randomBytes(12).toString('hex');
  const psql = join(bin, 'psql');
  run(psql, [
    '-h',
    dir,
    '-p',
    String(port),
    '-U',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-q',
    '-c',
    `CREATE ROLE temporal LOGIN CREATEDB PASSWORD '${password}'`,
  ]);
  log(`PostgreSQL ${bin.split('/').at(-2)} running on 127.0.0.1:${port} (data in ${data}).\n`);
  return {
    host: '127.0.0.1',
    port,
    user: 'temporal',
    password,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
