// The `offboard` CLI against the real dev server and the Okta emulator: each command, its output
// (human and --json, always with the Temporal UI link) and its exit codes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { EXIT, runCli, wantsColor } from '../../client/cli/program';
import type { OffboardingReport } from '../../workflows/definitions';
import { TOKEN } from '@okta-offboarding/okta-emulator/testing';
import { OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { byUser, runsAfterSettling, waitForRuns } from '../support/starters';

let harness: OffboardingHarness;
let alice: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  harness = await OffboardingHarness.start();
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_UI_URL: 'http://ui.example:8233',
    OFFBOARD_TASK_QUEUE: harness.taskQueue,
    OKTA_ORG_URL: harness.okta.url,
    OKTA_API_TOKEN: TOKEN,
    OFFBOARD_TIMEZONE: 'Europe/Paris',
    OFFBOARD_OPERATOR: 'jane',
    ...harness.codecEnv,
  };
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(async () => {
  await harness.seed(standardOrg());
  alice = await harness.userId('alice@example.com');
});

async function offboard(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

const nextYear = new Date().getUTCFullYear() + 1;
const uiLink = (workflowId: string) =>
  expect.stringContaining(`http://ui.example:8233/namespaces/default/workflows/${workflowId}`);

describe('offboard start', () => {
  it('starts one run per person and prints the Temporal UI link', async () => {
    const first = await offboard(
      'start',
      'alice@example.com',
      '--effective-at',
      `${nextYear}-12-31`,
      '--reason',
      'Resigned',
      '--json',
    );
    expect(first.code).toBe(EXIT.ok);
    expect(first.json()).toMatchObject({
      workflowId: `offboard-${alice}`,
      created: true,
      userId: alice,
      url: uiLink(`offboard-${alice}`),
    });

    const again = await offboard('start', alice, '--effective-at', `${nextYear}-12-31`);
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).toContain(`offboard-${alice} was already open: no new run`);
    expect(again.stdout).toEqual(uiLink(`offboard-${alice}`));
    expect(await runsAfterSettling(harness.client, byUser(alice))).toHaveLength(1);

    const status = await offboard('status', 'alice@example.com', '--json');
    expect(status.json()).toMatchObject({ runStatus: 'RUNNING', status: { phase: 'scheduled' } });
    await harness.waitForStatus(
      harness.client.workflow.getHandle(`offboard-${alice}`),
      (current) => current.nextTimer !== undefined,
    );
    const human = await offboard('status', alice);
    // A date alone is the start of that day in OFFBOARD_TIMEZONE (Paris, UTC+1 in winter).
    expect(human.stdout).toContain(`next: effective-at at ${nextYear}-12-30T23:00:00.000Z`);
    expect(human.stdout).toEqual(uiLink(`offboard-${alice}`));
  });

  it('--wait shows the phases live, then the report, and exits 0 when the run completes', async () => {
    const result = await offboard('start', alice, '--device-wipe-delay', '0s', '--wait');
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/locking/);
    expect(result.stdout).toMatch(/revoking/);
    expect(result.stdout).toContain(`Offboarding of ${alice}: COMPLETED`);
    expect(result.stdout.indexOf('locking')).toBeLessThan(result.stdout.indexOf('COMPLETED'));
  });

  it('--dry-run --wait --json prints the plan and changes nothing', async () => {
    const result = await offboard('start', alice, '--dry-run', '--wait', '--json');
    expect(result.code).toBe(EXIT.ok);
    const report = result.json().report as OffboardingReport;
    expect(report.outcome).toBe('dry-run');
    expect(report.plan?.length).toBeGreaterThan(0);
    expect(await harness.mutations(alice)).toEqual([]);
  });

  it('refuses an invalid date, an invalid duration and an unknown user with a one-line reason, starting nothing', async () => {
    const badDate = await offboard('start', alice, '--effective-at', '12/31/2026');
    expect(badDate.code).toBe(EXIT.usage);
    expect(badDate.stderr).toMatch(/^offboard: effectiveAt must be ISO-8601[^\n]*$/);
    expect((await offboard('start', alice, '--device-wipe-delay', 'soon')).code).toBe(EXIT.usage);
    const unknown = await offboard('start', 'nobody@example.com');
    expect(unknown.code).toBe(EXIT.unknownUser);
    expect(unknown.stderr).toBe('offboard: Okta has no user nobody@example.com');
    expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual([]);
  });
});

describe('steering commands', () => {
  it('reschedule, expedite, wipe-now: each accepted in its phase and refused outside it', async () => {
    await offboard('start', alice, '--effective-at', `${nextYear}-06-01T09:00:00+02:00`, '--device-wipe-delay', '1h');
    const rescheduled = await offboard('reschedule', alice, '--effective-at', `${nextYear}-06-15`);
    expect(rescheduled.code).toBe(EXIT.ok);
    expect(rescheduled.stdout).toContain(`Rescheduled offboard-${alice} to ${nextYear}-06-14T22:00:00.000Z`);
    expect(rescheduled.stdout).toEqual(uiLink(`offboard-${alice}`));

    const listed = await offboard('list', '--phase', 'scheduled', '--json');
    expect(listed.code).toBe(EXIT.ok);
    await waitForRuns(harness.client, `${byUser(alice)} AND OffboardingPhase = "scheduled"`);
    const table = await offboard('list', '--phase', 'scheduled');
    expect(table.stdout).toContain(`offboard-${alice}`);
    expect(table.stdout).toContain('Temporal UI: http://ui.example:8233/namespaces/default/workflows?query=');

    expect((await offboard('expedite', alice, '--reason', 'incident')).code).toBe(EXIT.ok);
    await harness.waitForStatus(
      harness.client.workflow.getHandle(`offboard-${alice}`),
      (current) => current.phase === 'awaiting-device-wipe',
    );
    const late = await offboard('expedite', alice);
    expect(late.code).toBe(EXIT.notAccepted);
    expect(late.stderr).toMatch(/^offboard: expedite is only accepted while the run is scheduled[^\n]*$/);
    expect((await offboard('retry', alice)).code).toBe(EXIT.notAccepted);

    const wiped = await offboard('wipe-now', alice, '--reason', 'laptop returned', '--json');
    expect(wiped.json()).toMatchObject({
      workflowId: `offboard-${alice}`,
      sent: 'wipeDevicesNow',
      url: uiLink(`offboard-${alice}`),
    });
    const report: OffboardingReport = await harness.client.workflow.getHandle(`offboard-${alice}`).result();
    expect(report.messages.map((message) => `${message.name}:${message.requestedBy}`)).toEqual([
      'reschedule:cli:jane',
      'expedite:cli:jane',
      'wipeDevicesNow:cli:jane',
    ]);

    const closed = await offboard('status', alice);
    expect(closed.stdout).toContain(`Offboarding of ${alice}: COMPLETED`);
  });

  it('cancel ends the run; rehire then starts rehireUser; steering a person without a run exits 4', async () => {
    await offboard('start', alice, '--effective-at', `${nextYear}-01-01`);
    const cancelled = await offboard('cancel', alice, '--reason', 'rescinded');
    expect(cancelled.code).toBe(EXIT.ok);
    expect(cancelled.stdout).toContain(`Sent cancel to offboard-${alice}`);
    expect((await harness.client.workflow.getHandle(`offboard-${alice}`).result()).outcome).toBe('cancelled');

    const again = await offboard('cancel', alice);
    expect(again.code).toBe(EXIT.noRun);
    expect(again.stderr).toMatch(/^offboard: The offboarding run offboard-\S+ has ended \(completed\)$/);

    const rehired = await offboard('rehire', alice, '--json');
    expect(rehired.code).toBe(EXIT.ok);
    expect(rehired.json()).toMatchObject({
      workflowId: `rehire-${alice}`,
      via: 'rehireUser',
      url: uiLink(`rehire-${alice}`),
    });
    await harness.client.workflow.getHandle(`rehire-${alice}`).result();

    const bob = await harness.userId('bob@example.com');
    for (const command of ['cancel', 'wipe-now', 'expedite', 'retry', 'status', 'rehire']) {
      const result = await offboard(command, 'bob@example.com');
      expect(result.code, command).toBe(EXIT.noRun);
      expect(result.stderr.split('\n')).toHaveLength(1);
    }
    expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual([]);
  });

  it('exits 6 with one line when Temporal is unreachable', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['status', alice], {
      env: { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      out: (text) => out.push(text),
      err: (text) => err.push(text),
    });
    expect(code).toBe(EXIT.temporalUnreachable);
    expect(err).toEqual(['offboard: Temporal is unreachable; try again later']);
  });
});

describe('the installed command', () => {
  it('bin/offboard.cjs runs the CLI and exits non-zero with a one-line reason', async () => {
    const run = promisify(execFile);
    const failure = await run(
      process.execPath,
      [join(__dirname, '..', '..', 'bin', 'offboard.cjs'), 'status', 'nobody@example.com'],
      { env: { ...process.env, ...env } },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({
      code: EXIT.unknownUser,
      stderr: 'offboard: Okta has no user nobody@example.com\n',
    });
  });

  it('prints the report to a pipe as plain text, with a rule under each header and none between rows', async () => {
    await offboard('start', alice, '--device-wipe-delay', '0s');
    await harness.client.workflow.getHandle(`offboard-${alice}`).result();
    const status = (extra: NodeJS.ProcessEnv) => {
      const { FORCE_COLOR: _force, NO_COLOR: _noColor, ...inherited } = process.env;
      return promisify(execFile)(
        process.execPath,
        [join(__dirname, '..', '..', 'bin', 'offboard.cjs'), 'status', alice],
        { env: { ...inherited, ...env, ...extra } },
      );
    };

    const piped = await status({});
    expect(piped.stdout).toContain(`Offboarding of ${alice}: COMPLETED`);
    expect(piped.stdout).not.toContain('\x1b');
    expect(piped.stdout.split('\n').filter((line) => line.startsWith('├'))).toHaveLength(1);
    expect((await status({ FORCE_COLOR: '1' })).stdout).toContain('\x1b[');
  });

  it('colours a terminal only, unless NO_COLOR or FORCE_COLOR says otherwise', () => {
    expect(wantsColor({}, true)).toBe(true);
    expect(wantsColor({}, false)).toBe(false);
    expect(wantsColor({ NO_COLOR: '1' }, true)).toBe(false);
    expect(wantsColor({ TERM: 'dumb' }, true)).toBe(false);
    expect(wantsColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(wantsColor({ FORCE_COLOR: '0' }, true)).toBe(false);
  });
});
