// Finds or builds the pinned Temporal CLI (its dev server is the real Temporal server every test,
// the demo and the benchmark run on). Plain ESM with no dependencies: it runs before `npm ci`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export function cacheRoot() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'okta-offboarding');
}

export function cachedCliPath() {
  return join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function serverVersionOf(binary) {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (out.status !== 0) return undefined;
  return /Server ([0-9.]+)/.exec(out.stdout)?.[1];
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Runs `go install` into a temporary folder and moves the binary into the cache, showing progress. */
export async function buildWithGo(module, target, log = (line) => process.stderr.write(line)) {
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) return false;
  mkdirSync(join(target, '..'), { recursive: true });
  const gobin = mkdtempSync(join(target, '..', '.build-'));
  const started = Date.now();
  log(`Building ${module} with Go (about 3 minutes the first time, seconds when Go's caches are warm)...\n`);
  let downloads = 0;
  const child = spawn(go, ['install', module], {
    env: { ...process.env, GOBIN: gobin },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk) => {
    const text = chunk.toString();
    downloads += (text.match(/go: downloading/g) ?? []).length;
    errors += text;
  });
  const ticker = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    log(`  ... ${seconds}s elapsed, ${downloads} modules downloaded\n`);
  }, 15_000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  const name = module.split('@')[0].split('/').pop();
  if (code !== 0 || !existsSync(join(gobin, name))) {
    rmSync(gobin, { recursive: true, force: true });
    throw new Error(
      `go install ${module} failed (exit ${code}):\n${errors
        .split('\n')
        .filter((l) => !l.startsWith('go: downloading'))
        .join('\n')}`,
    );
  }
  renameSync(join(gobin, name), target);
  rmSync(gobin, { recursive: true, force: true });
  log(`Built ${target} in ${Math.round((Date.now() - started) / 1000)}s.\n`);
  return true;
}

/**
 * The path of a `temporal` CLI whose dev server is Temporal Server 1.29.1:
 * TEMPORAL_CLI_PATH, else a matching `temporal` on PATH, else the cached build, else a fresh build.
 */
export async function ensureTemporalCli(log) {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist.`);
    return fromEnv;
  }
  const found = onPath('temporal');
  if (found && serverVersionOf(found) === TEMPORAL_SERVER_VERSION) return found;
  const cached = cachedCliPath();
  if (existsSync(cached)) return cached;
  if (await buildWithGo(MODULE, cached, log)) return cached;
  throw new Error(
    `No Temporal CLI with Server ${TEMPORAL_SERVER_VERSION} found and Go is not installed.\n` +
      `Install Go (https://go.dev/dl/) and run this again, or install the Temporal CLI ${TEMPORAL_CLI_VERSION}\n` +
      `and set TEMPORAL_CLI_PATH to it.`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureTemporalCli()
    .then((path) => console.log(path))
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
