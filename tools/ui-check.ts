// `npm run ui-check [-- --out <dir>]`: the Temporal UI in a real headless Chromium shows an encrypted run's report
// decrypted when the UI has the codec server as its codec endpoint, and ciphertext without it. Starts its own stack
// in a temporary folder, on free ports (the demo's processes: the Temporal dev server with its UI, the Okta emulator
// with the sample org, the worker, and the codec server, all encrypting with one new key), offboards one sample user,
// and opens the run's page twice: with `--ui-codec-endpoint`, then after restarting the dev server on the same
// SQLite file without it. Needs `chromium` (apt-get install chromium) or CHROMIUM_PATH; not part of CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { demoOrg, EMULATOR_CLI } from '@okta-offboarding/okta-emulator';
import { ENCRYPTED_ENCODING, generateKeyLine } from '../codec';
import { startOffboarding } from '../runs/offboardings';
import { connectClient, runUrl, temporalConfigFromEnv } from '../runs/temporal';
import type { OffboardingReport } from '../workflows/definitions';
import { startDevServer } from './dev-server';
import { freePort, Supervisor } from './supervisor/processes';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const OKTA_TOKEN = 'ui-check-okta-token';
const say = (line: string): void => void process.stdout.write(`${line}\n`);

function chromiumPath(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((path): path is string => Boolean(path && existsSync(path)));
  if (!found) throw new Error('No Chromium: apt-get install -y chromium, or set CHROMIUM_PATH');
  return found;
}

/**
 * Renders the page in headless Chromium and returns its DOM after the UI's scripts ran; `--virtual-time-budget`
 * lets the single-page app fetch the history and call the codec server before the DOM is dumped.
 */
function render(url: string, screenshot: string): string {
  const chromium = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'ui-check-chromium-'));
  const common = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--window-size=1400,2400',
    '--virtual-time-budget=20000',
    `--user-data-dir=${profile}`,
  ];
  const dom = spawnSync(chromium, [...common, '--dump-dom', url], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (dom.status !== 0) throw new Error(`chromium --dump-dom failed (${dom.status}): ${dom.stderr}`);
  const shot = spawnSync(chromium, [...common, `--screenshot=${screenshot}`, url], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  rmSync(profile, { recursive: true, force: true });
  if (shot.status !== 0) throw new Error(`chromium --screenshot failed (${shot.status}): ${shot.stderr}`);
  return dom.stdout;
}

/** The page's visible text, roughly: tags and scripts dropped, entities of JSON shown as characters. */
function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#34;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ');
}

async function run(): Promise<void> {
  const options = new Command('npm run ui-check --')
    .option('--out <dir>', 'where the screenshots and page texts go', '/tmp/ui-check')
    .parse()
    .opts<{ out: string }>();
  mkdirSync(options.out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'offboarding-ui-check-'));
  const supervisor = new Supervisor({ logDir: join(dir, 'logs'), graceMs: 5_000, log: say });
  const stopAll = () => supervisor.killAllNow();
  let passed = false;
  process.once('exit', stopAll);
  try {
    const [temporalPort, uiPort, oktaPort, codecPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const keysFile = join(dir, 'codec-keys');
    writeFileSync(keysFile, `${generateKeyLine('ui-check-1')}\n`, { mode: 0o600 });
    const seedFile = join(dir, 'okta-seed.json');
    writeFileSync(seedFile, JSON.stringify(demoOrg(), null, 2));
    const uiOrigin = `http://127.0.0.1:${uiPort}`;
    const codecUrl = `http://127.0.0.1:${codecPort}`;
    const sqlite = join(dir, 'temporal.sqlite');
    const { ensureTemporalCli } = await import('../scripts/temporal-cli.mjs');
    const cliPath = process.env.TEMPORAL_CLI_PATH || (await ensureTemporalCli());
    const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_PROXY: '127.0.0.1,localhost' };

    say(`Starting the codec server, the Okta emulator and the Temporal dev server (UI ${uiOrigin}) in ${dir}...`);
    await Promise.all([
      supervisor.start({
        name: 'codec-server',
        command: TSX,
        args: ['codec-server/main.ts'],
        cwd: ROOT,
        // As in the demo: on loopback, for the UI's origin; a browser UI without a login has no token to send.
        env: {
          ...baseEnv,
          OFFBOARD_CODEC_KEYS_FILE: keysFile,
          OFFBOARD_CODEC_SERVER_PORT: String(codecPort),
          OFFBOARD_CODEC_SERVER_INSECURE: '1',
          OFFBOARD_CODEC_CORS_ORIGINS: `${uiOrigin},http://localhost:${uiPort}`,
        },
        ready: { line: /Codec server listening/, timeoutMs: 60_000 },
      }),
      supervisor.start({
        name: 'okta-emulator',
        command: TSX,
        args: [
          EMULATOR_CLI,
          '--port',
          String(oktaPort),
          '--host',
          '127.0.0.1',
          '--seed',
          seedFile,
          '--token',
          OKTA_TOKEN,
        ],
        cwd: ROOT,
        env: baseEnv,
        ready: { line: /Okta emulator listening on/, timeoutMs: 60_000 },
      }),
      startDevServer(supervisor, { cliPath, port: temporalPort, uiPort, dbFile: sqlite, uiCodecEndpoint: codecUrl }),
    ]);
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_URL: uiOrigin,
      OFFBOARD_TASK_QUEUE: 'offboarding',
      OKTA_ORG_URL: `http://127.0.0.1:${oktaPort}`,
      OKTA_API_TOKEN: OKTA_TOKEN,
      OFFBOARD_CODEC_KEYS_FILE: keysFile,
    };
    say('Starting the worker (it bundles the workflow code)...');
    await supervisor.start({
      name: 'worker',
      command: TSX,
      args: ['worker/main.ts'],
      cwd: ROOT,
      env: {
        ...baseEnv,
        ...env,
        OFFBOARD_DEVICE_WIPE_DELAY: '1s',
        OFFBOARD_PROTECTED_GROUPS: 'Super Admins',
        OFFBOARD_ARCHIVE_DIR: join(dir, 'archive'),
      },
      ready: { line: /Offboarding worker started/, timeoutMs: 240_000 },
    });

    const config = temporalConfigFromEnv(env);
    if (!config.dataConverter) throw new Error('OFFBOARD_CODEC_KEYS_FILE gave no data converter');
    const client = await connectClient(config);
    const state = (await (await fetch(`${env.OKTA_ORG_URL}/__emulator/state`)).json()) as {
      users: Array<{ id: string; login: string; status: string; groups?: string[] }>;
      groups: Array<{ id: string; name: string }>;
    };
    const superAdmins = state.groups.find((group) => group.name === 'Super Admins')?.id;
    const user = state.users.find(
      (candidate) =>
        candidate.status === 'ACTIVE' &&
        !candidate.login.startsWith('break-glass') &&
        !(superAdmins && candidate.groups?.includes(superAdmins)),
    );
    if (!user) throw new Error('the sample org has no ACTIVE user to offboard');
    // A value that only the decrypted input and report hold: the page shows it only through the codec server.
    const marker = `ui-check-${Math.random().toString(36).slice(2, 10)}`;
    const started = await startOffboarding(client, config.taskQueue, {
      userId: user.id,
      reason: `Codec check ${marker}`,
      source: 'cli',
      requestedBy: 'npm run ui-check',
      correlationId: marker,
      deviceWipeDelay: '1s',
    });
    say(`Offboarding ${user.login}: ${started.workflowId}; waiting for the report...`);
    const report = (await client.workflow.getHandle(started.workflowId, started.runId).result()) as OffboardingReport;
    if (report.outcome !== 'completed')
      throw new Error(`the run ended ${report.outcome}: ${JSON.stringify(report.error)}`);
    await client.connection.close();
    const url = runUrl(config, started.workflowId, started.runId);
    say(`Report: outcome ${report.outcome}, ${report.steps.length} steps. Page: ${url}`);

    const withCodec = pageText(render(url, join(options.out, 'with-codec.png')));
    writeFileSync(join(options.out, 'with-codec.txt'), withCodec);
    const decoded = [marker, '"outcome": "completed"'].filter((value) =>
      withCodec.replace(/"\s*:\s*"/g, '": "').includes(value),
    );

    // The same history, through a UI with no codec endpoint: stop the dev server and start it again on the file.
    await supervisor.stop('worker');
    await supervisor.stop('temporal');
    await startDevServer(supervisor, { cliPath, port: temporalPort, uiPort, dbFile: sqlite });
    const withoutCodec = pageText(render(url, join(options.out, 'without-codec.png')));
    writeFileSync(join(options.out, 'without-codec.txt'), withoutCodec);

    const problems: string[] = [];
    if (!decoded.includes(marker))
      problems.push(`with the codec endpoint the page does not show the decrypted reason (${marker})`);
    if (!decoded.includes('"outcome": "completed"'))
      problems.push('with the codec endpoint the page does not show the decrypted report ("outcome": "completed")');
    if (withoutCodec.includes(marker))
      problems.push(`without the codec endpoint the page shows ${marker} in plain text`);
    const encrypted = [ENCRYPTED_ENCODING, Buffer.from(ENCRYPTED_ENCODING).toString('base64')];
    if (!encrypted.some((value) => withoutCodec.includes(value)))
      problems.push(`without the codec endpoint the page shows no ${ENCRYPTED_ENCODING} payload`);
    say(`Screenshots and page texts: ${options.out}/with-codec.{png,txt}, ${options.out}/without-codec.{png,txt}`);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    passed = true;
    say(
      `UI check passed: with the codec endpoint the run page shows the decrypted input and report (${marker}, outcome completed); ` +
        `without it, ${ENCRYPTED_ENCODING} payloads and no ${marker}.`,
    );
  } catch (error) {
    const logs = join(dir, 'logs');
    say(`The stack's logs: ${logs}`);
    if (existsSync(join(logs, 'codec-server.log')))
      say(`codec server log (last lines):\n${readFileSync(join(logs, 'codec-server.log'), 'utf8').slice(-2000)}`);
    throw error;
  } finally {
    await supervisor.stopAll();
    process.off('exit', stopAll);
    // On a failure the folder stays, with the stack's logs.
    if (passed) rmSync(dir, { recursive: true, force: true });
  }
}

run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
