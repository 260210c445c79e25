// The production topology for the chaos runs, brought up with the rehearsal's own code
// (scripts/rehearsal.ts, postgres.ts, temporal-server.mjs, setup-temporal.ts): PostgreSQL, the
// schema, the four Temporal services as separate processes, the namespace and search attributes.
// Adds what the chaos runs need on top: kill -9 / restart of a service, stop / start of PostgreSQL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalConfigFromEnv } from '../../runs/temporal';
import { fromUrl, startThrowawayPostgres } from '../postgres';
import { clusterSettings, runToEnd, startTemporalService, TEMPORAL_SERVICES } from '../rehearsal';
import type { Supervisor } from '../supervisor/processes';
import { setUpTemporal } from '../../worker/setup-temporal';
import { ROOT, type ClusterControl, type TemporalService } from './stack';

export interface ChaosCluster {
  address: string;
  control: ClusterControl;
  cleanup(): void;
}

/** The command line of a running process, from /proc: what restarts it exactly as it was started. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

export async function startCluster(
  supervisor: Supervisor,
  logDir: string,
  log: (line: string) => void,
  postgresUrl?: string,
): Promise<ChaosCluster> {
  const { ensureTemporalServer } = await import('../temporal-server.mjs');
  const binaries = await ensureTemporalServer(log);
  const postgres = postgresUrl ? fromUrl(postgresUrl) : await startThrowawayPostgres(supervisor, log);
  const sqlEnv = {
    ...process.env,
    SQL_HOST: postgres.host,
    SQL_PORT: String(postgres.port),
    SQL_USER: postgres.user,
    SQL_PASSWORD: postgres.password,
    TEMPORAL_SQL_TOOL: binaries.sqlTool,
  };
  await runToEnd('setup-schema', 'sh', [join(ROOT, 'deploy', 'temporal', 'setup-schema.sh')], { env: sqlEnv, logDir });
  const cluster = await clusterSettings(postgres);
  for (const service of TEMPORAL_SERVICES) {
    await startTemporalService(supervisor, binaries.server, cluster, service);
    log(`  temporal ${service} listening on 127.0.0.1:${cluster.ports[service].grpc}\n`);
  }
  await setUpTemporal(temporalConfigFromEnv({ TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: 'default' }), {
    retention: '1d',
    timeoutMs: 180_000,
    log: (line) => log(`  ${line}`),
  });

  let postgresCommand: string[] | undefined;
  const control: ClusterControl = {
    killService: (service: TemporalService) => supervisor.stop(`temporal-${service}`, 'SIGKILL'),
    startService: (service: TemporalService) => startTemporalService(supervisor, binaries.server, cluster, service),
    stopPostgres: async () => {
      const pid = supervisor.pid('postgres');
      if (!pid) throw new Error('PostgreSQL is not a child of this run (--postgres-url): it cannot be stopped here');
      postgresCommand = commandLine(pid);
      // SIGINT: PostgreSQL's fast shutdown, every connection dropped.
      await supervisor.stop('postgres', 'SIGINT', 30_000);
    },
    startPostgres: async () => {
      if (!postgresCommand) throw new Error('PostgreSQL was not stopped');
      const [command, ...args] = postgresCommand;
      await supervisor.start({
        name: 'postgres',
        command: command as string,
        args,
        ready: { line: /database system is ready to accept connections/ },
      });
    },
  };
  return { address: cluster.address, control, cleanup: () => postgres.cleanup() };
}
