// Notifications end to end: the real Temporal dev server and the project's workers, the Okta emulator through the
// real SDK (the manager is read from the person's profile), a real SMTP server (smtp-server, STARTTLS with a
// self-signed certificate made by openssl, then AUTH) whose mails mailparser reads, and two local webhook
// receivers (Slack-compatible for IT, the JSON envelope for security). Assertions on what was received, the
// emulator's state and request log, and the runs' histories.
import type { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN } from '@okta-offboarding/okta-emulator/testing';
import { retryUpdate } from '../../workflows/definitions';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../tools/smtp-sink';
import { TEST_CODEC_KEY_LINES } from '../support/codec';
import {
  selfSignedCert,
  settingsFromFile,
  signatureValid,
  SMTP_PASSWORD,
  SMTP_USER,
  startWebhookReceiver,
  tempDir,
  WEBHOOK_SECRET,
  type WebhookDelivery,
  type WebhookReceiver,
} from '../support/notifications';
import { OffboardingHarness, TEST_POLICY } from '../support/offboarding';
import { employee, standardOrg } from '../support/orgs';
import { recordHistory } from '../support/temporal';

const MANAGER = 'grace.manager@example.com';
const IT = 'it-ops@example.com';
const SOC_SECRET = 'soc-webhook-signing-key-51e0b7d93c2a8f46';

let harness: OffboardingHarness;
let smtp: SmtpSink;
let ops: WebhookReceiver;
let soc: WebhookReceiver;
/** Every factor id the emulator held for anyone, before the runs reset them. */
const factorIds = new Set<string>();

beforeAll(async () => {
  const dir = tempDir('notifications-e2e');
  const cert = selfSignedCert(dir);
  [smtp, ops, soc] = await Promise.all([
    startSmtpSink({ tls: cert, auth: { user: SMTP_USER, password: SMTP_PASSWORD } }),
    startWebhookReceiver(),
    startWebhookReceiver(),
  ]);
  const notifications = settingsFromFile(
    dir,
    {
      smtp: {
        host: '127.0.0.1',
        port: smtp.port,
        requireTLS: true,
        user: SMTP_USER,
        from: 'Offboarding <offboarding@example.com>',
        caFile: cert.certFile,
      },
      webhooks: {
        ops: { url: ops.url, format: 'slack' },
        soc: { urlEnv: 'OFFBOARD_SOC_WEBHOOK_URL', format: 'json', secretEnv: 'OFFBOARD_SOC_WEBHOOK_SECRET' },
      },
      recipients: {
        manager: { attribute: 'managerId' },
        it: { email: [IT], webhooks: ['ops'] },
        security: { webhooks: ['soc'] },
      },
      // The defaults, and security hears of every start too.
      events: { started: ['it', 'security'] },
    },
    {
      OFFBOARD_SMTP_PASSWORD: SMTP_PASSWORD,
      OFFBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET,
      OFFBOARD_SOC_WEBHOOK_URL: soc.url,
      OFFBOARD_SOC_WEBHOOK_SECRET: SOC_SECRET,
    },
  );
  // A step past its budget parks the run within seconds (the needs-attention test).
  harness = await OffboardingHarness.start({ policy: { ...TEST_POLICY, phaseBudget: '4s' }, notifications });
});

afterAll(async () => {
  expect(harness?.okta.takeViolations()).toEqual([]);
  await harness?.close();
  await Promise.all([smtp?.close(), ops?.close(), soc?.close()]);
});

beforeEach(async () => {
  await harness.admin.clearFaults();
  const org = standardOrg();
  org.users.push(employee(MANAGER, { groups: ['Everyone'], apps: [], factors: [], sessions: 0 }));
  await harness.seed(org);
  // managerId holds the manager's Okta id here (the activity tests cover a login).
  await harness.okta.client().userApi.updateUser({
    userId: await harness.userId('alice@example.com'),
    user: { profile: { managerId: await harness.userId(MANAGER) } },
  });
  for (const user of (await harness.admin.state()).users)
    for (const factor of user.factors ?? []) if (factor.id) factorIds.add(factor.id);
});

const mailsOf = (event: string, to: string): ReceivedMail[] =>
  smtp.mails.filter((mail) => mail.headers['x-offboarding-event'] === event && mail.to.includes(to));
const deliveriesOf = (receiver: WebhookReceiver, key: string): WebhookDelivery[] =>
  receiver.deliveries.filter((delivery) => delivery.headers['idempotency-key'] === key);

async function history(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

function scheduled(events: temporal.api.history.v1.IHistoryEvent[], activity: string) {
  return events
    .map((event) => event.activityTaskScheduledEventAttributes)
    .filter((attributes) => attributes?.activityType?.name === activity);
}

describe('a full run', () => {
  it('mails the manager from the profile’s managerId: locked out, then the device wipe with its time and commands', async () => {
    const alice = await harness.userId('alice@example.com');
    const { handle, runId, workflowId } = await harness.start({ userId: alice, deviceWipeDelay: '3s' });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    await recordHistory('notified-full-run', handle);

    const [locked] = mailsOf('locked-out', MANAGER);
    const [wipe] = mailsOf('wipe-scheduled', MANAGER);
    expect(mailsOf('locked-out', MANAGER)).toHaveLength(1);
    expect(mailsOf('wipe-scheduled', MANAGER)).toHaveLength(1);
    expect(mailsOf('completed', MANAGER)).toHaveLength(1);
    expect(locked!.subject).toBe('alice Tester (alice@example.com) is locked out of Okta');
    const lockedAt = /locked out of Okta at (\S+)\./.exec(locked!.text)?.[1];
    const lockEnded = Math.max(
      ...report.steps.filter((step) => step.phase === 'locking').map((step) => Date.parse(step.finishedAt ?? '')),
    );
    expect(Date.parse(lockedAt ?? '')).toBeGreaterThanOrEqual(lockEnded);
    expect(Date.parse(lockedAt ?? '')).toBeLessThan(Date.parse(report.deviceWipeAt ?? ''));
    const wipeAt = /decommissioned at (\S+)\./.exec(wipe!.text)?.[1];
    expect(new Date(wipeAt ?? '').toISOString()).toBe(report.deviceWipeAt);
    expect(wipe!.text).toContain('offboard wipe-now alice@example.com');
    expect(wipe!.text).toContain('offboard cancel alice@example.com');
    expect(mailsOf('completed', MANAGER)[0]!.text).toContain('residue: none: nothing grants access any more');
    expect(locked!.headers['x-offboarding-key']).toBe(`${workflowId}/${runId}/locked-out/1`);

    // Over STARTTLS, logged in with AUTH PLAIN; IT read the start and the end by mail, the Slack channel too.
    expect(smtp.mails.every((mail) => mail.secure && mail.user === SMTP_USER)).toBe(true);
    expect(smtp.logins.at(-1)).toEqual({ user: SMTP_USER, method: 'PLAIN', secure: true });
    expect(mailsOf('started', IT)).toHaveLength(1);
    expect(mailsOf('completed', IT)).toHaveLength(1);
    const completedKey = `${workflowId}/${runId}/completed/1`;
    const slack = JSON.parse(deliveriesOf(ops, completedKey)[0]!.body) as { text: string; blocks: unknown[] };
    expect(slack.text).toContain(`Offboarding of Okta user ${alice} completed`);
    expect(slack.blocks).toHaveLength(2);

    // Each notification ran on the users-get queue, and its reads were GET /api/v1/users/{id} in that bucket.
    const events = await history(handle);
    const notifications = scheduled(events, 'notifyMilestone');
    expect(notifications.length).toBe(4);
    expect(new Set(notifications.map((attributes) => attributes?.taskQueue?.name))).toEqual(
      new Set([`${harness.taskQueue}-okta-users-get`]),
    );
    const managerId = await harness.userId(MANAGER);
    const managerReads = (await harness.admin.requests()).filter(
      (entry) => entry.path === `/api/v1/users/${managerId}`,
    );
    expect(managerReads.length).toBeGreaterThanOrEqual(1);
    expect(new Set(managerReads.map((entry) => `${entry.method} ${entry.bucket}`))).toEqual(new Set(['GET users-get']));
  });
});

describe('a run that needs attention', () => {
  it('sends IT one message while the failing step is retried past its budget, and one per channel', async () => {
    const alice = await harness.userId('alice@example.com');
    const fault = await harness.admin.addFault({ route: '/api/v1/groups/*/users/*', method: 'DELETE', status: 500 });
    const { handle, workflowId, runId } = await harness.start({ userId: alice });
    await harness.waitForStatus(handle, (status) => status.phase === 'needs-attention', 60_000);
    const key = `${workflowId}/${runId}/needs-attention/1`;
    // The notification leaves beside the wait: give it the moment a delivery takes.
    for (let waited = 0; mailsOf('needs-attention', IT).length === 0 && waited < 10_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await harness.admin.removeFault(fault);
    await handle.executeUpdate(retryUpdate, { args: [{ requestedBy: 'on-call' }] });
    expect((await handle.result()).outcome).toBe('completed');

    const failedRemovals = (await harness.admin.requests()).filter(
      (entry) => entry.method === 'DELETE' && entry.path.startsWith('/api/v1/groups/') && entry.status === 500,
    );
    expect(failedRemovals.length).toBeGreaterThan(1);
    const [mail] = mailsOf('needs-attention', IT);
    expect(mailsOf('needs-attention', IT)).toHaveLength(1);
    expect(mail!.headers['x-offboarding-key']).toBe(key);
    expect(mail!.text).toContain('Failing step: removeGroupMembership');
    expect(mail!.text).toContain('offboard retry alice@example.com');
    expect(deliveriesOf(ops, key)).toHaveLength(1);
    expect(mailsOf('needs-attention', MANAGER)).toHaveLength(0);
  });
});

describe('a webhook that fails', () => {
  it('answered 500 three times gets the start exactly once more, the 4th delivery, signed and with the same key', async () => {
    soc.answers.push(500, 500, 500);
    const bob = await harness.userId('bob@example.com');
    const { handle, workflowId, runId } = await harness.start({ userId: bob });
    expect((await handle.result()).outcome).toBe('completed');

    const key = `${workflowId}/${runId}/started/1`;
    const deliveries = deliveriesOf(soc, key);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([500, 500, 500, 200]);
    for (const delivery of deliveries) {
      expect(signatureValid(delivery, SOC_SECRET)).toBe(true);
      expect(JSON.parse(delivery.body)).toMatchObject({ idempotencyKey: key, event: 'started', userId: bob });
    }
    expect(signatureValid(deliveries[3]!, WEBHOOK_SECRET)).toBe(false);
    // Temporal's backoff spaced the attempts (1 s, then 2 s, then 4 s, within the jitter-free policy).
    expect(deliveries[3]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(6_000);
    // The mails of that start went once, on the first attempt.
    expect(smtp.mails.filter((mail) => mail.headers['x-offboarding-key'] === key)).toHaveLength(1);
  });
});

describe('privacy', () => {
  it('no message carries a token, a factor id or a password, and the webhooks name nobody', () => {
    const mails = smtp.mails.map((mail) => mail.raw);
    const posts = [...ops.deliveries, ...soc.deliveries].map((delivery) => JSON.stringify(delivery));
    expect(mails.length).toBeGreaterThan(5);
    expect(posts.length).toBeGreaterThan(5);
    expect(factorIds.size).toBeGreaterThan(0);
    const secrets = [
      TOKEN,
      SMTP_PASSWORD,
      WEBHOOK_SECRET,
      SOC_SECRET,
      ...TEST_CODEC_KEY_LINES.map((line) => line.slice(line.indexOf('=') + 1)),
    ];
    for (const text of [...mails, ...posts]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      for (const id of factorIds) expect(text).not.toContain(id);
    }
    for (const delivery of [...ops.deliveries, ...soc.deliveries]) {
      expect(delivery.body).not.toMatch(/@example\.com/);
      // Whole words only: a random 20-character Okta id can spell "bOB" inside it (it did, once, in CI).
      expect(delivery.body).not.toMatch(/\b(alice|bob|grace)\b/i);
    }
  });
});

describe('a worker without notifications', () => {
  it('schedules no notify activity in a run', async () => {
    const plain = await OffboardingHarness.start({ policy: TEST_POLICY });
    try {
      await plain.seed(standardOrg());
      const { handle } = await plain.start({ userId: await plain.userId('alice@example.com'), deviceWipeDelay: '1s' });
      expect((await handle.result()).outcome).toBe('completed');
      const events = await history(handle);
      expect(scheduled(events, 'notifyMilestone')).toEqual([]);
      // The same run does reach its milestones: they are archived (a local activity's marker), only not notified.
      expect(events.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(
        true,
      );
      expect(plain.okta.takeViolations()).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
