// Entry of `npm test`, `npm run demo`, ...: installs what is missing, then runs the command.
//   node scripts/bootstrap.mjs [--no-temporal] -- <command> [args...]
// 1. `npm ci` when node_modules is absent or older than package-lock.json;
// 2. the pinned Temporal CLI (scripts/temporal-cli.mjs), exported as TEMPORAL_CLI_PATH;
// 3. the command, with signals forwarded and its exit code returned.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTemporalCli } from './temporal-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const separator = args.indexOf('--');
const flags = separator === -1 ? args : args.slice(0, separator);
const command = separator === -1 ? [] : args.slice(separator + 1);

function dependenciesStale() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(marker)) return true;
  return statSync(marker).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs;
}

if (dependenciesStale()) {
  process.stderr.write('Installing npm dependencies (npm ci)...\n');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
}

const env = { ...process.env };
if (!flags.includes('--no-temporal')) {
  try {
    env.TEMPORAL_CLI_PATH = await ensureTemporalCli();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

if (command.length > 0) {
  env.PATH = `${join(root, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
  const child = spawn(command[0], command.slice(1), { cwd: root, env, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
