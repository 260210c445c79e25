// Finds or builds the Temporal server and temporal-sql-tool at the version of the pinned CLI's dev
// server (1.29.1), cached like the CLI under <cacheRoot>/temporal-server/v1.29.1/. Plain ESM with no
// dependencies. Used by the rehearsal (scripts/rehearsal.ts); the compose file uses the
// temporalio/server and temporalio/admin-tools images of the same version instead.
//   node scripts/temporal-server.mjs          # prints the two paths, building what is missing
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildWithGo, cacheRoot, TEMPORAL_SERVER_VERSION } from '../scripts/temporal-cli.mjs';

const SERVER_MODULE = `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`;
const SQL_TOOL_MODULE = `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`;

export function serverCacheDir() {
  return join(cacheRoot(), 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);
}

async function ensureBinary(envName, module, name, log) {
  const fromEnv = process.env[envName];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envName}=${fromEnv} does not exist.`);
    return { path: fromEnv, builtSeconds: undefined };
  }
  const target = join(serverCacheDir(), name);
  if (existsSync(target)) return { path: target, builtSeconds: undefined };
  const started = Date.now();
  if (await buildWithGo(module, target, log)) return { path: target, builtSeconds: (Date.now() - started) / 1000 };
  throw new Error(
    `${name} (Temporal Server ${TEMPORAL_SERVER_VERSION}) is not cached and Go is not installed.\n` +
      `Install Go (https://go.dev/dl/) and run this again, or set ${envName} to a ${name} binary of v${TEMPORAL_SERVER_VERSION}.`,
  );
}

/**
 * Paths of `temporal-server` and `temporal-sql-tool`: TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH,
 * else the cached builds, else fresh builds (run one after the other: the machine may have 2 cores).
 */
export async function ensureTemporalServer(log = (line) => process.stderr.write(line)) {
  const server = await ensureBinary('TEMPORAL_SERVER_PATH', SERVER_MODULE, 'temporal-server', log);
  const sqlTool = await ensureBinary('TEMPORAL_SQL_TOOL_PATH', SQL_TOOL_MODULE, 'temporal-sql-tool', log);
  return {
    server: server.path,
    sqlTool: sqlTool.path,
    buildSeconds: { server: server.builtSeconds, sqlTool: sqlTool.builtSeconds },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureTemporalServer()
    .then(({ server, sqlTool }) => console.log(`${server}\n${sqlTool}`))
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
