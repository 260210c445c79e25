// Who may do what through the intake, against the real dev server and the Okta emulator: each secret's
// scopes (refusals change nothing in Okta or in the run), the signer as `requestedBy` whatever the body
// says, HMAC callers moving HR's runs only, the event hook's one right, start-up refusing a scope
// configuration it cannot honour, and the intake's own read-only Okta credential.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN } from '@okta-offboarding/okta-emulator/testing';
import { intakeConfigFromEnv, type IntakeConfig } from '../../client/config';
import { buildIntake } from '../../client/intake/server';
import { createOktaClient } from '../../okta/client';
import {
  cancelSignal,
  statusQuery,
  type OffboardingReport,
  type OffboardingRequest,
} from '../../workflows/definitions';
import { OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import {
  byUser,
  call,
  HOOK_SECRET,
  HR_SECRET,
  OLD_HR_SECRET,
  runsAfterSettling,
  testIntake,
  waitForRuns,
} from '../support/starters';

const SECURITY_SECRET = 'test-security-team-hmac-key-2b8f61d0';
const BAMBOO_SECRET = 'test-bamboohr-hmac-key-9a47c3e5d1f0b6';

/** A rotation of workday (two secrets, one name), security with the rights HR lacks, and bamboohr with no scope list. */
const SCOPED_ENV = {
  OFFBOARD_HMAC_SECRETS: `workday=${HR_SECRET},workday=${OLD_HR_SECRET},security=${SECURITY_SECRET},bamboohr=${BAMBOO_SECRET}`,
  OFFBOARD_HMAC_SCOPES:
    'workday=start+reschedule+expedite+read,security=start+cancel+rehire+wipe-now+reschedule+expedite+read',
};

const intakeEnv = (harness: OffboardingHarness, extra: Record<string, string> = {}): Record<string, string> => ({
  OKTA_ORG_URL: harness.okta.url,
  OKTA_API_TOKEN: TOKEN,
  ...SCOPED_ENV,
  ...extra,
});

let harness: OffboardingHarness;
let config: IntakeConfig;
let intake: FastifyInstance;
let alice: string;
let bob: string;

const inAYear = (days = 0) => new Date(Date.now() + (365 + days) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const eventId = () => `evt-${Math.random().toString(36).slice(2, 10)}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  harness = await OffboardingHarness.start();
  config = intakeConfigFromEnv(intakeEnv(harness));
  intake = await testIntake(harness, { hmacSecrets: config.hmacSecrets, hmacScopes: config.hmacScopes });
});
afterAll(async () => {
  await intake?.close();
  await harness?.close();
});
beforeEach(async () => {
  await harness.seed(standardOrg());
  alice = await harness.userId('alice@example.com');
  bob = await harness.userId('bob@example.com');
});

const start = (secret: string, body: Record<string, unknown>) =>
  call(intake, { method: 'POST', url: '/v1/offboardings', secret, body });
const steer = (secret: string, userId: string, action: string, body: unknown = {}) =>
  call(intake, { method: 'POST', url: `/v1/offboardings/${userId}/${action}`, secret, body });
const handleOf = (userId: string) => harness.client.workflow.getHandle(`offboard-${userId}`);
const status = (userId: string) => handleOf(userId).query(statusQuery);

/** The run's input as its history holds it: what the worker acts on and the audit shows. */
async function startInput(workflowId: string): Promise<OffboardingRequest> {
  const history = await harness.client.workflow.getHandle(workflowId).fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) throw new Error(`no start input in the history of ${workflowId}`);
  // Through the codec: the history holds the input encrypted.
  return decodeFromPayloadsAtIndex<OffboardingRequest>(harness.client.options.loadedDataConverter, 0, payloads);
}

const refusal = (scope: string, signer: string) => ({
  error: 'missing-scope',
  message: expect.stringMatching(new RegExp(`^The secret ${signer} lacks the scope ${scope} `)),
});

describe('each caller may do what its scopes allow, and a refusal changes nothing', () => {
  it('a secret without rehire gets 403 on rehire and Okta is unchanged; the secret with it rehires', async () => {
    const started = await start(SECURITY_SECRET, { user: alice, eventId: eventId(), deviceWipeDelay: '1h' });
    expect(started.statusCode).toBe(202);
    await harness.waitForStatus(handleOf(alice), (current) => current.phase === 'awaiting-device-wipe');
    const before = (await harness.mutations()).length;

    const rehire = await steer(HR_SECRET, alice, 'rehire');
    const wipe = await steer(BAMBOO_SECRET, alice, 'wipe-now', { reason: 'laptop returned' });
    const cancel = await steer(OLD_HR_SECRET, alice, 'cancel');

    expect([rehire.statusCode, wipe.statusCode, cancel.statusCode]).toEqual([403, 403, 403]);
    expect(rehire.json()).toEqual(refusal('rehire', 'workday'));
    expect(wipe.json()).toEqual(refusal('wipe-now', 'bamboohr'));
    expect(cancel.json()).toEqual(refusal('cancel', 'workday'));
    await pause(1_000);
    expect(await harness.mutations()).toHaveLength(before);
    expect(await status(alice)).toMatchObject({ phase: 'awaiting-device-wipe', wipeDevicesNowRequested: false });
    expect((await status(alice)).lastMessage).toBeUndefined();
    await expect(harness.client.workflow.getHandle(`rehire-${alice}`).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const allowed = await steer(SECURITY_SECRET, alice, 'rehire');
    expect(allowed.statusCode).toBe(200);
    const report: OffboardingReport = await handleOf(alice).result();
    expect(report.outcome).toBe('rehired');
    expect(report.messages).toEqual([expect.objectContaining({ name: 'rehire', requestedBy: 'security' })]);
    expect((await harness.mutations()).length).toBeGreaterThan(before);
  });

  it('a secret with no scope list may start and read, and nothing else', async () => {
    const effectiveAt = inAYear();
    const started = await start(BAMBOO_SECRET, { user: alice, eventId: eventId(), effectiveAt });
    expect(started.statusCode).toBe(202);
    const shown = await call(intake, { method: 'GET', url: `/v1/offboardings/${alice}`, secret: BAMBOO_SECRET });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ runStatus: 'RUNNING', status: { phase: 'scheduled' } });

    for (const [action, body] of [
      ['cancel', {}],
      ['rehire', {}],
      ['wipe-now', {}],
      ['expedite', {}],
      ['reschedule', { effectiveAt: inAYear(30) }],
    ] as const) {
      const refused = await steer(BAMBOO_SECRET, alice, action, body);
      expect(refused.statusCode, action).toBe(403);
      expect(refused.json()).toEqual(refusal(action, 'bamboohr'));
    }
    await pause(1_000);
    const now = await status(alice);
    expect(now).toMatchObject({ phase: 'scheduled', nextTimer: { firesAt: new Date(effectiveAt).toISOString() } });
    expect(now.lastMessage).toBeUndefined();
    expect(await harness.mutations(alice)).toEqual([]);
  });

  it('records the verified signer as requestedBy even when the body claims another source; both secrets of a rotation share its scopes', async () => {
    const started = await start(OLD_HR_SECRET, {
      user: 'alice@example.com',
      eventId: eventId(),
      effectiveAt: inAYear(),
      source: 'cli:security',
    });
    expect(started.statusCode).toBe(202);
    const input = await startInput(started.json().workflowId);
    expect(input).toMatchObject({ userId: alice, source: 'hr', requestedBy: 'workday' });
    expect(input.reason).toContain('workday (cli:security)');
    const description = await handleOf(alice).describe();
    expect(description.searchAttributes).toMatchObject({ OffboardingSource: ['hr'] });

    // The old secret moves HR's run (workday's reschedule scope) and may not cancel it (no cancel scope).
    const later = inAYear(30);
    const moved = await steer(OLD_HR_SECRET, alice, 'reschedule', { effectiveAt: later });
    expect(moved.statusCode).toBe(200);
    expect((await steer(OLD_HR_SECRET, alice, 'cancel')).json()).toEqual(refusal('cancel', 'workday'));

    await steer(SECURITY_SECRET, alice, 'cancel', { reason: 'rescinded' });
    const report: OffboardingReport = await handleOf(alice).result();
    expect(report).toMatchObject({ source: 'hr', requestedBy: 'workday', outcome: 'cancelled' });
    expect(report.messages).toEqual([
      expect.objectContaining({
        name: 'reschedule',
        requestedBy: 'workday',
        effectiveAt: later,
      }),
      expect.objectContaining({ name: 'cancel', requestedBy: 'security' }),
    ]);
  });

  it('an HMAC caller may reschedule or expedite only runs HR started; cancel reaches any run', async () => {
    const effectiveAt = new Date(inAYear()).toISOString();
    await harness.start({ userId: bob, source: 'cli', requestedBy: 'cli:security', effectiveAt });
    await harness.waitForStatus(handleOf(bob), (current) => current.nextTimer !== undefined);

    const reschedule = await steer(SECURITY_SECRET, bob, 'reschedule', { effectiveAt: inAYear(30) });
    const expedite = await steer(SECURITY_SECRET, bob, 'expedite', { reason: 'hurry' });

    for (const refused of [reschedule, expedite]) {
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({
        error: 'not-an-hr-run',
        message: `offboard-${bob} was started by cli; this caller moves only runs started by hr`,
      });
    }
    // Nor through an HR start of the person with another date: the run keeps its date.
    const hrStart = await start(HR_SECRET, { user: bob, eventId: eventId(), effectiveAt: inAYear(60) });
    expect(hrStart.statusCode).toBe(202);
    expect(hrStart.json()).toMatchObject({ created: false });
    expect(hrStart.json().rescheduledTo).toBeUndefined();
    await pause(1_000);
    const now = await status(bob);
    expect(now).toMatchObject({ phase: 'scheduled', nextTimer: { firesAt: effectiveAt } });
    expect(now.lastMessage).toBeUndefined();
    expect(await harness.mutations(bob)).toEqual([]);

    expect((await steer(SECURITY_SECRET, bob, 'cancel', { reason: 'false alarm' })).statusCode).toBe(200);
    const report: OffboardingReport = await handleOf(bob).result();
    expect(report.outcome).toBe('cancelled');
    expect(report.messages.map(({ name, requestedBy }) => ({ name, requestedBy }))).toEqual([
      { name: 'cancel', requestedBy: 'security' },
    ]);
  });

  it('the event hook secret is no HMAC secret, and an HMAC secret opens no hook', async () => {
    const asHmac = await start(HOOK_SECRET, { user: alice, eventId: eventId() });
    const steerAsHmac = await steer(HOOK_SECRET, alice, 'cancel');
    const hookWithHr = await intake.inject({
      method: 'POST',
      url: '/okta/event-hook',
      headers: { authorization: HR_SECRET },
      payload: { data: { events: [] } },
    });

    expect([asHmac.statusCode, steerAsHmac.statusCode, hookWithHr.statusCode]).toEqual([401, 401, 401]);
    expect(asHmac.json()).toMatchObject({ error: 'bad-signature' });
    expect(hookWithHr.json()).toMatchObject({ error: 'bad-hook-secret' });
    expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual([]);
  });
});

describe('start-up refuses a scope configuration it cannot honour', () => {
  it.each([
    [
      'an unknown scope',
      { OFFBOARD_HMAC_SCOPES: 'workday=start+approve' },
      'OFFBOARD_HMAC_SCOPES: workday has the unknown scope "approve"; the scopes are start, cancel, reschedule, expedite, wipe-now, rehire, read',
    ],
    [
      'scopes for a name with no secret',
      { OFFBOARD_HMAC_SCOPES: 'workday=start,securty=cancel' },
      'OFFBOARD_HMAC_SCOPES: securty has no secret in OFFBOARD_HMAC_SECRETS (names there: workday, security, bamboohr)',
    ],
    ['a name listed twice', { OFFBOARD_HMAC_SCOPES: 'workday=start,workday=cancel' }, 'workday is listed twice'],
    ['an empty scope list', { OFFBOARD_HMAC_SCOPES: 'workday=' }, 'OFFBOARD_HMAC_SCOPES: workday has no scope'],
    [
      'the event hook secret reused as an HMAC secret',
      { OKTA_EVENT_HOOK_SECRET: SECURITY_SECRET },
      'OKTA_EVENT_HOOK_SECRET must differ from every OFFBOARD_HMAC_SECRETS secret',
    ],
  ])('%s', (_name, extra, message) => {
    expect(() => intakeConfigFromEnv(intakeEnv(harness, extra))).toThrow(message);
  });

  /** Runs `npm run intake`'s entry point with `env` until it exits or has logged that it listens. */
  function runIntakeProcess(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'client/intake/main.ts'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        OFFBOARD_INTAKE_HOST: '127.0.0.1',
        OFFBOARD_INTAKE_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const collect = (chunk: Buffer) => {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (lines.some((line) => line.includes('Server listening'))) child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, lines })));
  }

  /** The messages of the WARN entries (pino level 40) among the process's JSON log lines. */
  const warningsOf = (lines: string[]): string[] =>
    lines.flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        return entry.level === 40 ? [entry.msg ?? ''] : [];
      } catch {
        return [];
      }
    });

  it('the intake process exits with the message, and warns once when it falls back to the worker’s Okta credential', async () => {
    const refused = await runIntakeProcess(intakeEnv(harness, { OFFBOARD_HMAC_SCOPES: 'workday=start+approve' }));
    expect(refused.code).toBe(1);
    expect(refused.lines.join('\n')).toContain('OFFBOARD_HMAC_SCOPES: workday has the unknown scope "approve"');
    expect(refused.lines.some((line) => line.includes('Server listening'))).toBe(false);

    const fallback = await runIntakeProcess(intakeEnv(harness));
    expect(fallback.lines.some((line) => line.includes('Server listening'))).toBe(true);
    expect(warningsOf(fallback.lines)).toEqual([
      expect.stringContaining('OKTA_INTAKE_API_TOKEN or OKTA_INTAKE_CLIENT_ID'),
    ]);

    const own = await runIntakeProcess(intakeEnv(harness, { OKTA_INTAKE_API_TOKEN: TOKEN }));
    expect(own.lines.some((line) => line.includes('Server listening'))).toBe(true);
    expect(warningsOf(own.lines)).toEqual([]);
  });
});

describe('the intake’s own read-only Okta credential', () => {
  const clientId = '0oaintakereader00001';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeEach(async () => {
    const org = standardOrg();
    org.serviceApps = [
      {
        clientId,
        publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' },
        scopes: ['okta.users.read'],
      },
    ];
    await harness.seed(org);
    alice = await harness.userId('alice@example.com');
  });

  it('resolves a login with a service app granted okta.users.read alone, which Okta refuses any change', async () => {
    const readOnly = intakeConfigFromEnv(
      intakeEnv(harness, {
        // The worker's credential is wrong on purpose: a lookup through it would fail with 401.
        OKTA_API_TOKEN: 'the-worker-token-not-for-the-intake',
        OKTA_INTAKE_CLIENT_ID: clientId,
        OKTA_INTAKE_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        OKTA_INTAKE_KEY_ID: 'k1',
      }),
    );
    expect(readOnly.oktaCredential).toBe('intake');
    expect(readOnly.okta.auth).toMatchObject({ kind: 'service-app', clientId, scopes: ['okta.users.read'] });
    const okta = createOktaClient(readOnly.okta);
    const app = await buildIntake({
      config: { ...readOnly, temporal: { taskQueue: harness.taskQueue } },
      temporal: harness.client,
      okta,
    });
    try {
      const started = await call(app, {
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: 'alice@example.com', eventId: eventId(), effectiveAt: inAYear() },
      });
      expect(started.statusCode).toBe(202);
      expect(started.json()).toMatchObject({ workflowId: `offboard-${alice}`, created: true });
      expect(await waitForRuns(harness.client, byUser(alice))).toHaveLength(1);

      await expect(okta.userApi.suspendUser({ userId: alice })).rejects.toMatchObject({ status: 403 });
      expect(await harness.mutations(alice)).toEqual([]);
      expect((await harness.admin.state()).users.find((user) => user.id === alice)?.status).toBe('ACTIVE');
    } finally {
      await handleOf(alice).signal(cancelSignal, { requestedBy: 'vitest' });
      await app.close();
    }
  });
});
