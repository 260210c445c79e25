// The `offboard` command (package.json `bin`, through bin/offboard.cjs).
import { runCli, wantsColor } from './program';

runCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  color: wantsColor(process.env, process.stdout.isTTY === true),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`offboard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
