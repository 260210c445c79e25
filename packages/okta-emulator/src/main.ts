// CLI entry point: `npm run okta-emulator -- --port 8080 [--seed f.json] [--state-file f.json] ...`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateSampleOrg } from './sample-org';
import { startOktaEmulator, type OktaEmulatorOptions } from './server';
import type { Org, RateLimitTable } from './types';

function options(): OktaEmulatorOptions {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      'state-file': { type: 'string' },
      'rate-limits': { type: 'string', default: 'workforce' },
      'time-scale': { type: 'string', default: '1' },
      token: { type: 'string', default: 'test-token' },
      'activation-delay-ms': { type: 'string' },
      'clock-offset-ms': { type: 'string' },
    },
  });
  const port = Number(values.port);
  const timeScale = Number(values['time-scale']);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${values.port}`);
  if (!(timeScale > 0)) throw new Error(`--time-scale must be a positive number, got ${values['time-scale']}`);
  const activationDelayMs =
    values['activation-delay-ms'] === undefined ? undefined : Number(values['activation-delay-ms']);
  const clockOffsetMs = values['clock-offset-ms'] === undefined ? undefined : Number(values['clock-offset-ms']);
  if (activationDelayMs !== undefined && !(activationDelayMs >= 0))
    throw new Error(`--activation-delay-ms must be a number >= 0, got ${values['activation-delay-ms']}`);
  if (clockOffsetMs !== undefined && !Number.isFinite(clockOffsetMs))
    throw new Error(`--clock-offset-ms must be a number, got ${values['clock-offset-ms']}`);
  const rl = values['rate-limits'];
  const rateLimits =
    rl === 'workforce' || rl === 'unlimited' ? rl : (JSON.parse(readFileSync(rl, 'utf8')) as RateLimitTable);
  let seed: Org | undefined;
  if (values.seed) seed = JSON.parse(readFileSync(values.seed, 'utf8')) as Org;
  else if (values.sample) seed = generateSampleOrg({ users: Number(values.sample) });
  return {
    port,
    host: values.host,
    rateLimits,
    timeScale,
    token: values.token,
    ...(seed ? { seed } : {}),
    ...(activationDelayMs !== undefined ? { activationDelayMs } : {}),
    ...(clockOffsetMs !== undefined ? { clockOffsetMs } : {}),
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
  };
}

async function run(): Promise<void> {
  const emulator = await startOktaEmulator(options());
  process.stdout.write(`Okta emulator listening on ${emulator.url}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`okta-emulator: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err: unknown) => {
  process.stderr.write(`okta-emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
