// The notification activity alone (MockActivityEnvironment), as a worker builds it: the real Okta SDK against an
// in-process emulator for the person and their manager, a real SMTP server (smtp-server, STARTTLS with a
// self-signed certificate and AUTH PLAIN) parsed with mailparser, and a local webhook receiver.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, TOKEN, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import { createNotificationActivities, type NotifyResult } from '../../activities/notify';
import { messageId } from '../../activities/notify-email';
import type { NotifySettings } from '../../activities/notify-settings';
import { createOktaClient } from '../../okta/client';
import type { Milestone, MilestoneName } from '../../workflows/definitions';
import { startSmtpSink, type SmtpSink } from '../../tools/smtp-sink';
import {
  selfSignedCert,
  settingsFromFile,
  signatureValid,
  SMTP_PASSWORD,
  SMTP_USER,
  startWebhookReceiver,
  tempDir,
  WEBHOOK_SECRET,
  type WebhookReceiver,
} from '../support/notifications';
import { employee } from '../support/orgs';

const logger = new DefaultLogger('ERROR');
const dir = tempDir('notify-activity');
let okta: TestEmulator;
let smtp: SmtpSink;
let hook: WebhookReceiver;
let settings: NotifySettings;
let ids: Record<string, string>;

beforeAll(async () => {
  const cert = selfSignedCert(dir);
  [okta, smtp, hook] = await Promise.all([
    startTestEmulator(),
    startSmtpSink({ tls: cert, auth: { user: SMTP_USER, password: SMTP_PASSWORD } }),
    startWebhookReceiver(),
  ]);
  settings = settingsFromFile(
    dir,
    {
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        requireTLS: true,
        user: SMTP_USER,
        from: 'Offboarding <offboarding@example.com>',
        caFile: cert.certFile,
        timeout: '5s',
      },
      webhooks: { ops: { url: hook.url, format: 'json', timeout: '2s' } },
      recipients: { manager: { attribute: 'managerId' }, it: { email: ['it-ops@example.com'], webhooks: ['ops'] } },
      events: { 'locked-out': ['manager', 'it'], 'needs-attention': ['it'] },
    },
    { OFFBOARD_SMTP_PASSWORD: SMTP_PASSWORD, OFFBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET },
  );
});
afterAll(async () => {
  expect(okta.takeViolations()).toEqual([]);
  await Promise.all([okta.emulator.close(), smtp.close(), hook.close()]);
});

beforeEach(async () => {
  await okta.admin.reset();
  await okta.admin.seed({
    groups: [],
    apps: [],
    devices: [],
    users: [
      employee('grace.manager@example.com', { groups: [], apps: [], factors: [] }),
      employee('alice@example.com', { groups: [], apps: [] }),
      employee('nomanager@example.com', { groups: [], apps: [] }),
    ],
  });
  const state = await okta.admin.state();
  ids = Object.fromEntries(state.users.map((user) => [user.login, user.id as string]));
  // The manager by Okta id for alice: managerId may be an id or a login (nomanager's is tested as absent).
  await okta.client().userApi.updateUser({
    userId: ids['alice@example.com']!,
    user: { profile: { managerId: ids['grace.manager@example.com'] } },
  });
  await okta.admin.clearRequests();
  smtp.mails.length = 0;
  hook.deliveries.length = 0;
  hook.answers.length = 0;
});

function milestone(name: MilestoneName, userId: string, extra: Record<string, unknown> = {}): Milestone {
  const workflowId = `offboard-${userId}`;
  return {
    name,
    kind: 'offboard',
    at: '2026-11-29T11:44:12.835Z',
    key: `${workflowId}/run-1/${name}/1`,
    workflowId,
    runId: 'run-1',
    report: {
      workflowId,
      userId,
      source: 'hr',
      requestedBy: 'workday',
      correlationId: 'wd-1',
      reason: 'resigned',
      startedAt: '2026-11-29T11:44:00.000Z',
      steps: [],
      residue: [],
      messages: [],
      notes: [],
      ...extra,
    },
  } as Milestone;
}

function activities(with_ = settings) {
  return createNotificationActivities(
    createOktaClient({ orgUrl: okta.url, auth: { kind: 'api-token', token: TOKEN } }),
    with_,
  );
}

/** One attempt of the activity, as Temporal runs it: its number, the heartbeat details of the one before. */
function attempt(attemptNumber = 1, heartbeatDetails?: unknown) {
  const env = new MockActivityEnvironment({ attempt: attemptNumber, heartbeatDetails }, { logger });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return {
    heartbeats,
    notify: (activity: (milestone: Milestone) => Promise<NotifyResult>, reached: Milestone) =>
      env.run(activity, reached) as Promise<NotifyResult>,
  };
}

async function failure(running: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await running.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('a milestone notification', () => {
  it('mails the manager found by managerId, over STARTTLS with a login, and IT by mail and a signed webhook', async () => {
    const alice = ids['alice@example.com']!;
    const locked = milestone('locked-out', alice, {
      accessTokens: { longestMinutes: 60, source: 'org', read: true, validUntil: '2026-11-29T12:44:13.000Z' },
    });
    const result = await attempt().notify(activities().notifyMilestone, locked);

    expect(result).toEqual({ delivered: expect.arrayContaining(['manager', 'it:email', 'webhook:ops']), skipped: [] });
    const toManager = smtp.mails.find((mail) => mail.to.includes('grace.manager@example.com'));
    expect(toManager).toMatchObject({ secure: true, user: SMTP_USER, from: 'offboarding@example.com' });
    expect(toManager?.subject).toBe('alice Tester (alice@example.com) is locked out of Okta');
    expect(toManager?.text).toContain('locked out of Okta at 2026-11-29T11:44:12.835Z');
    expect(toManager?.text).toContain('until 2026-11-29T12:44:13Z at the latest');
    expect(toManager?.messageId).toBe(messageId(locked.key, 'manager', 'Offboarding <offboarding@example.com>'));
    expect(toManager?.headers['x-offboarding-key']).toBe(locked.key);
    expect(smtp.mails.find((mail) => mail.to.includes('it-ops@example.com'))?.text).toContain('alice@example.com');

    expect(hook.deliveries).toHaveLength(1);
    const [delivery] = hook.deliveries;
    expect(signatureValid(delivery!, WEBHOOK_SECRET)).toBe(true);
    expect(signatureValid(delivery!, 'another-secret-of-thirty-two-bytes!!')).toBe(false);
    expect(delivery!.headers['idempotency-key']).toBe(locked.key);
    const envelope = JSON.parse(delivery!.body) as Record<string, unknown>;
    expect(envelope).toMatchObject({ idempotencyKey: locked.key, event: 'locked-out', userId: alice });
    expect(envelope.text).toContain(`Okta user ${alice}`);
    // Whole words only: a random Okta id can hold "grace" inside it.
    expect(delivery!.body).not.toMatch(/alice@|\b(alice|grace)\b/i);

    // Both reads (the person, then the manager) are GET /api/v1/users/{idOrLogin}: the users-get bucket it runs on.
    const requests = await okta.admin.requests();
    expect(requests.map((entry) => `${entry.method} ${entry.bucket}`)).toEqual(['GET users-get', 'GET users-get']);
  });

  it('finds a manager given by login, and keeps what it read for the next milestone of the run', async () => {
    const alice = ids['alice@example.com']!;
    await okta
      .client()
      .userApi.updateUser({ userId: alice, user: { profile: { managerId: 'grace.manager@example.com' } } });
    await okta.admin.clearRequests();
    const notify = activities();
    await attempt().notify(notify.notifyMilestone, milestone('locked-out', alice));
    await attempt().notify(notify.notifyMilestone, { ...milestone('locked-out', alice), key: 'other-key' });

    expect(smtp.mails.filter((mail) => mail.to.includes('grace.manager@example.com'))).toHaveLength(2);
    expect((await okta.admin.requests()).map((entry) => entry.path)).toEqual([
      `/api/v1/users/${alice}`,
      '/api/v1/users/grace.manager%40example.com',
    ]);
  });

  it('skips a manager the profile does not name, and still tells IT', async () => {
    const result = await attempt().notify(
      activities().notifyMilestone,
      milestone('locked-out', ids['nomanager@example.com']!),
    );
    expect(result.delivered.sort()).toEqual(['it:email', 'webhook:ops']);
    expect(result.skipped).toEqual(["manager: the person's profile has no managerId"]);
    expect(smtp.mails.map((mail) => mail.to)).toEqual([['it-ops@example.com']]);
  });

  it('says the Okta id when the person is no longer in Okta', async () => {
    const gone = '00uGoneUser000000001';
    const result = await attempt().notify(activities().notifyMilestone, milestone('needs-attention', gone));
    expect(result.skipped).toEqual(['the person: Okta has no such user any more (messages say the Okta id)']);
    expect(smtp.mails[0]?.subject).toContain(`Okta user ${gone}`);
  });
});

describe('retries', () => {
  it('send only what no earlier attempt delivered: the mails once, the webhook again with the same key', async () => {
    hook.answers.push(500);
    const notify = activities();
    const locked = milestone('locked-out', ids['alice@example.com']!);
    const first = attempt(1);
    const failed = await failure(first.notify(notify.notifyMilestone, locked));
    expect(failed).toMatchObject({ type: 'NotificationUndelivered', nonRetryable: false });
    expect(failed.message).toContain('webhook:ops: HTTP 500');
    expect(smtp.mails).toHaveLength(2);

    await attempt(2).notify(notify.notifyMilestone, locked);
    expect(smtp.mails).toHaveLength(2);
    expect(hook.deliveries.map((delivery) => [delivery.status, delivery.headers['idempotency-key']])).toEqual([
      [500, locked.key],
      [200, locked.key],
    ]);

    // Another worker (no memory of it) resumes from the heartbeat the first attempt recorded.
    hook.answers.push(503);
    const other = activities();
    const elsewhere = { ...locked, key: `${locked.key}-b` };
    const firstElsewhere = attempt(1);
    await failure(firstElsewhere.notify(notify.notifyMilestone, elsewhere));
    const details = firstElsewhere.heartbeats.at(-1);
    expect(details).toMatchObject({ delivered: expect.arrayContaining(['manager', 'it:email']) });
    await attempt(2, details).notify(other.notifyMilestone, elsewhere);
    expect(smtp.mails.filter((mail) => mail.headers['x-offboarding-key'] === elsewhere.key)).toHaveLength(2);
  });

  it('stop at a 4xx from the webhook (non-retryable), and wait as long as a 429 asks', async () => {
    const notify = activities();
    const attention = milestone('needs-attention', ids['alice@example.com']!);
    hook.answers.push(403);
    const refused = await failure(attempt().notify(notify.notifyMilestone, attention));
    expect(refused).toMatchObject({ type: 'NotificationRefused', nonRetryable: true });
    expect(refused.message).toContain('webhook:ops: HTTP 403: refused');
    expect(refused.message).not.toContain(hook.url);

    const limited = await startWebhookReceiver();
    const slow = settingsFromFile(
      dir,
      { webhooks: { ops: { url: limited.url } }, recipients: { it: { webhooks: ['ops'] } } },
      { OFFBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET },
    );
    limited.answers.push({ status: 429, headers: { 'Retry-After': '7' } });
    const throttled = await failure(attempt().notify(activities(slow).notifyMilestone, attention));
    expect(throttled).toMatchObject({ type: 'NotificationUndelivered', nonRetryable: false, nextRetryDelay: 7_000 });
    limited.answers.push(408);
    const timedOut = await failure(attempt().notify(activities(slow).notifyMilestone, attention));
    expect(timedOut).toMatchObject({ type: 'NotificationUndelivered', nonRetryable: false });
    await limited.close();
  });
});

describe('privacy', () => {
  it('scrubs credentials, long tokens, the run’s factor ids and addresses from free text, and names nobody in the webhook', async () => {
    const alice = ids['alice@example.com']!;
    const factorId = 'opfA1b2C3d4E5f6G7h8i';
    const attention = milestone('needs-attention', alice, {
      snapshot: {
        takenAt: '2026-11-29T11:44:10.000Z',
        user: { id: alice, status: 'ACTIVE' },
        groups: [],
        apps: [],
        factors: [{ id: factorId, factorType: 'push', provider: 'OKTA', status: 'ACTIVE' }],
        devices: [],
        oauthClientIds: [],
      },
      error: {
        step: 'resetFactors',
        type: 'OktaUnavailable',
        message: `resetFactors: factor ${factorId} of alice@example.com failed; Authorization: SSWS ${TOKEN}-00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 password=${SMTP_PASSWORD}`,
      },
    });
    await attempt().notify(activities().notifyMilestone, attention);

    const everything = [...smtp.mails.map((mail) => mail.raw), ...hook.deliveries.map((d) => JSON.stringify(d))];
    expect(everything.length).toBe(2);
    for (const text of everything) {
      expect(text).not.toContain(factorId);
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain('00aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789');
      expect(text).not.toContain(WEBHOOK_SECRET);
    }
    expect(smtp.mails[0]?.text).toContain('Error: OktaUnavailable: resetFactors: factor [factor] of alice@example.com');
    const envelope = JSON.parse(hook.deliveries[0]!.body) as { text: string };
    expect(envelope.text).toContain('factor [factor] of [address] failed');
    expect(hook.deliveries[0]!.body).not.toContain('alice@');
  });
});
