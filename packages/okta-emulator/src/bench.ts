// Benchmark: requests/s of the emulator (in a child process, unlimited rate limits) for a read/write mix at a few concurrencies.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { EmulatorAdmin } from './admin-client';
import { generateSampleOrg } from './sample-org';

const CONCURRENCIES = [1, 16, 64];
const SECONDS_PER_LEVEL = 3;
const USERS = 2000;

function startChild(): Promise<{ url: string; stop(): void }> {
  const tsxCli = require.resolve('tsx/cli');
  const child = spawn(
    process.execPath,
    [tsxCli, join(__dirname, 'main.ts'), '--port', '0', '--rate-limits', 'unlimited'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ url, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

type Call = { method: string; path: string };

function call(agent: Agent, base: URL, c: Call): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: c.method,
        path: c.path,
        headers: { authorization: 'SSWS test-token', accept: 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** 60% get user, 15% user's groups, 10% list 20 users, 15% suspend/unsuspend of the worker's own user. */
function mix(userIds: string[], worker: number, i: number): Call {
  const r = i % 20;
  const any = userIds[(worker * 7919 + i * 31) % userIds.length] as string;
  const own = userIds[worker % userIds.length] as string;
  if (r < 12) return { method: 'GET', path: `/api/v1/users/${any}` };
  if (r < 15) return { method: 'GET', path: `/api/v1/users/${any}/groups` };
  if (r < 17) return { method: 'GET', path: '/api/v1/users?limit=20' };
  return { method: 'POST', path: `/api/v1/users/${own}/lifecycle/${i % 2 === 0 ? 'suspend' : 'unsuspend'}` };
}

async function level(base: URL, userIds: string[], concurrency: number): Promise<{ rps: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = Date.now() + SECONDS_PER_LEVEL * 1000;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const status = await call(agent, base, mix(userIds, worker, i));
        done++;
        if (status >= 500 || status === 429) errors++;
      }
    }),
  );
  agent.destroy();
  return { rps: done / ((performance.now() - started) / 1000), errors };
}

async function run(): Promise<void> {
  const child = await startChild();
  try {
    const admin = new EmulatorAdmin(child.url);
    const org = generateSampleOrg({ users: USERS, seed: 7 });
    // Every worker toggles its own ACTIVE user, so the writes stay valid transitions.
    for (const u of org.users) u.status = 'ACTIVE';
    await admin.seed(org);
    const userIds = org.users.map((u) => u.id as string);
    const base = new URL(child.url);
    await level(base, userIds, 4); // warm-up
    const rows: string[] = [];
    for (const c of CONCURRENCIES) {
      const { rps, errors } = await level(base, userIds, c);
      rows.push(`| ${String(c).padStart(11)} | ${rps.toFixed(0).padStart(10)} | ${String(errors).padStart(6)} |`);
    }
    process.stdout.write(
      `Okta emulator, ${USERS + 2} users, mix: 60% get user, 15% user groups, 10% list users, 15% suspend/unsuspend\n`,
    );
    process.stdout.write('| concurrency | requests/s | errors |\n|-------------|------------|--------|\n');
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    child.stop();
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
