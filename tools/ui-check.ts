// `npm run ui-check [-- --out <dir>]`: the Temporal UI in a real headless Chromium shows an encrypted run's report
// decrypted when the UI has the codec server as its codec endpoint, and ciphertext without it. Starts its own stack
// in a temporary folder, on free ports (the demo's processes: the Temporal dev server with its UI, the Okta emulator
// with the sample org, the worker, and the codec server, all encrypting with one new key), offboards one sample user,
// and opens the run's page twice: with `--ui-codec-endpoint`, then after restarting the dev server on the same
// SQLite file without it. Needs `chromium` (apt-get install chromium) or CHROMIUM_PATH; CI (.ci/run) installs it and
// runs this check after the tests.
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
 * Renders the page in headless Chromium and returns its DOM after the UI's scripts ran, with a screenshot of the same
 * moment (one launch does both); `--virtual-time-budget` lets the single-page app fetch the history and call the
 * codec server before the DOM is dumped.
 */
function render(url: string, screenshot: string): string {
  const chromium = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'ui-check-chromium-'));
  rmSync(screenshot, { force: true });
  const started = Date.now();
  const result = spawnSync(
    chromium,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--window-size=1400,2400',
      '--virtual-time-budget=20000',
      `--user-data-dir=${profile}`,
      '--dump-dom',
      `--screenshot=${screenshot}`,
      url,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
  );
  rmSync(profile, { recursive: true, force: true });
  if (result.status !== 0 || !existsSync(screenshot))
    throw new Error(`chromium failed (${result.status ?? result.signal}): ${result.stderr}`);
  say(`Rendered the page and ${screenshot} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.stdout;
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
  const startedAt = Date.now();
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
        // Insecure mode, as in the demo, on loopback and for the UI's origin only: the UI cannot send a token here.
        // The dev server builds its UI's configuration in code with the codec endpoint alone (temporal CLI v1.5.1,
        // temporalcli/devserver/server.go: `uiconfig.Codec{Endpoint: ...}`, no passAccessToken and no auth; the
        // TEMPORAL_CODEC_PASS_ACCESS_TOKEN variable belongs to the UI server's Docker configuration template, which the
        // dev server does not read). And a UI with `codec.passAccessToken` sends only the access token of its own OIDC
        // login, and only to an https:// endpoint. The bearer-token check is covered by test/e2e/codec-server.test.ts
        // (among others: a request from the UI's origin without the token is answered 401).
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
    // Every event on one page (the UI's own per-page choice, 100 by default): the group removals are early events.
    const url = `${runUrl(config, started.workflowId, started.runId)}?per-page=500`;
    say(`Report: outcome ${report.outcome}, ${report.steps.length} steps. Page: ${url}`);

    // What only decryption shows: the reason (in the input and the report), the report's own fields as the Result
    // panel shows its first lines (the panel draws the lines in view only, so not the report's last fields), and
    // the summary of each group removal, with the group's name (activity summaries are encrypted too).
    const removed = new Set(
      report.steps
        .filter((step) => step.step === 'removeGroupMembership')
        .flatMap((step) => step.items.filter((item) => item.outcome === 'done').map((item) => item.id)),
    );
    const groups = (report.snapshot?.groups ?? []).filter((group) => removed.has(group.id));
    if (groups.length === 0) throw new Error(`the run removed ${user.login} from no group: no group name to look for`);
    const decryptedOnly = [
      `"reason": "Codec check ${marker}"`,
      `"workflowId": "${started.workflowId}"`,
      ...(report.deviceWipeAt ? [`"deviceWipeAt": "${report.deviceWipeAt}"`] : []),
      `"step": "${report.steps[0]!.step}"`,
      ...groups.map((group) => `Remove ${user.id} from group ${group.id} (${group.name})`),
    ];
    const shown = (text: string) => text.replace(/"\s*:\s*"/g, '": "');

    const withCodec = pageText(render(url, join(options.out, 'with-codec.png')));
    writeFileSync(join(options.out, 'with-codec.txt'), withCodec);

    // The same history, through a UI with no codec endpoint: stop the dev server and start it again on the file.
    await supervisor.stop('worker');
    await supervisor.stop('temporal');
    await startDevServer(supervisor, { cliPath, port: temporalPort, uiPort, dbFile: sqlite });
    const withoutCodec = pageText(render(url, join(options.out, 'without-codec.png')));
    writeFileSync(join(options.out, 'without-codec.txt'), withoutCodec);

    const problems: string[] = [];
    for (const value of decryptedOnly) {
      if (!shown(withCodec).includes(value)) problems.push(`with the codec endpoint the page does not show ${value}`);
      if (shown(withoutCodec).includes(value)) problems.push(`without the codec endpoint the page shows ${value}`);
    }
    if (withoutCodec.includes(marker))
      problems.push(`without the codec endpoint the page shows ${marker} in plain text`);
    // Not an empty page: the history is there, with the plain activity types and the encrypted payloads.
    if (!withoutCodec.includes('removeGroupMembership'))
      problems.push('without the codec endpoint the page does not list the removeGroupMembership activity');
    const encrypted = [ENCRYPTED_ENCODING, Buffer.from(ENCRYPTED_ENCODING).toString('base64')];
    if (!encrypted.some((value) => withoutCodec.includes(value)))
      problems.push(`without the codec endpoint the page shows no ${ENCRYPTED_ENCODING} payload`);
    say(`Screenshots and page texts: ${options.out}/with-codec.{png,txt}, ${options.out}/without-codec.{png,txt}`);
    if (problems.length > 0) throw new Error(problems.join('\n'));
    passed = true;
    say(
      `UI check passed in ${Math.round((Date.now() - startedAt) / 1000)} s: with the codec endpoint the run page shows ` +
        `the decrypted input, report and summaries (${marker}, group ${groups.map((group) => group.name).join(', ')}); ` +
        `without it, ${ENCRYPTED_ENCODING} payloads and none of them.`,
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
