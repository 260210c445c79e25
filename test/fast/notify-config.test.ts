// The notifications file (OFFBOARD_NOTIFY_FILE) as the worker reads it at start-up: the routes it makes from the
// defaults and the operator's choices, the milestones a run then notifies (RunPolicy.notify), secrets by `_FILE`,
// and every mistake refused with a message naming the file and the setting, never a secret.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerConfigFromEnv } from '../../worker/config';
import { notifySettingsFromEnv } from '../../worker/notify-config';
import { settingsFromFile, SMTP_PASSWORD, tempDir, TEST_UI, WEBHOOK_SECRET } from '../support/notifications';

const dir = tempDir('notify-config');
const secrets = { OFFBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET };

/** The example of docs/notifications.md, in substance. */
const example = {
  smtp: {
    host: 'smtp.example.com',
    port: 587,
    requireTLS: true,
    user: 'offboarding',
    from: 'Offboarding <offboarding@example.com>',
  },
  webhooks: {
    'it-slack': { url: 'https://hooks.example.com/services/T0/B0/x', format: 'slack' },
    soc: { urlEnv: 'OFFBOARD_SOC_WEBHOOK_URL', format: 'json', secretEnv: 'OFFBOARD_SOC_WEBHOOK_SECRET' },
  },
  recipients: {
    manager: { attribute: 'managerId' },
    it: { email: ['it-ops@example.com'], webhooks: ['it-slack'] },
    security: { webhooks: ['soc'] },
  },
};
const exampleEnv = {
  ...secrets,
  OFFBOARD_SMTP_PASSWORD: SMTP_PASSWORD,
  OFFBOARD_SOC_WEBHOOK_URL: 'https://soc.example.com/hooks/offboarding',
  OFFBOARD_SOC_WEBHOOK_SECRET: 'soc-signing-secret-0a9b8c7d6e5f4a3b2c1d',
};

function refusal(file: unknown, env: NodeJS.ProcessEnv = secrets): string {
  try {
    settingsFromFile(dir, file, env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('a valid notifications file', () => {
  it('routes each event to its default recipients, and STARTTLS on 587 with the password from the environment', () => {
    const settings = settingsFromFile(dir, example, exampleEnv);
    expect(settings.routes).toEqual({
      started: ['it'],
      'awaiting-approval': ['security'],
      'locked-out': ['manager'],
      'wipe-scheduled': ['manager'],
      'needs-attention': ['it'],
      completed: ['manager', 'it'],
      cancelled: ['it'],
      rehired: ['manager', 'it'],
      failed: ['it'],
      drift: ['it', 'security'],
    });
    expect(settings.smtp).toMatchObject({
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: 'offboarding', password: SMTP_PASSWORD },
    });
    expect(settings.webhooks.soc).toMatchObject({ url: 'https://soc.example.com/hooks/offboarding', format: 'json' });
    expect(settings.it).toEqual({ email: ['it-ops@example.com'], webhooks: ['it-slack'], named: true });
    expect(settings.security).toEqual({ email: [], webhooks: ['soc'], named: false });
  });

  it('keeps only configured recipients, takes the file’s routes, and a run notifies only milestones someone receives', () => {
    const settings = settingsFromFile(
      dir,
      {
        webhooks: { ops: { url: 'http://127.0.0.1:9/hook' } },
        recipients: { it: { webhooks: ['ops'] } },
        events: { started: [], completed: ['it'] },
      },
      secrets,
    );
    expect(settings.routes['locked-out']).toEqual([]);
    expect(settings.routes.started).toEqual([]);
    expect(settings.routes.completed).toEqual(['it']);

    const notifyFile = join(dir, 'worker-notify.json');
    writeFileSync(
      notifyFile,
      JSON.stringify({
        webhooks: { ops: { url: 'http://127.0.0.1:9/hook' } },
        recipients: { it: { webhooks: ['ops'] } },
        events: { started: [], completed: ['it'] },
      }),
    );
    const worker = workerConfigFromEnv({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_API_TOKEN: '00abcdefghijklmnopqrstuvwxyz0123456789ABCD',
      OFFBOARD_NOTIFY_FILE: notifyFile,
      ...secrets,
    });
    expect(worker.policy.notify).toEqual(['needs-attention', 'completed', 'cancelled', 'rehired', 'failed']);
    expect(worker.notifications?.routes.completed).toEqual(['it']);
  });

  it('is optional: without OFFBOARD_NOTIFY_FILE there are no settings and runs notify nothing', () => {
    expect(notifySettingsFromEnv({}, TEST_UI)).toBeUndefined();
    const worker = workerConfigFromEnv({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_API_TOKEN: '00abcdefghijklmnopqrstuvwxyz0123456789ABCD',
    });
    expect(worker.policy.notify).toBeUndefined();
    expect(worker.notifications).toBeUndefined();
  });

  it('reads the SMTP password and a webhook secret from their _FILE settings, without the trailing newline', () => {
    const passwordFile = join(dir, 'smtp-password');
    const secretFile = join(dir, 'webhook-secret');
    writeFileSync(passwordFile, `${SMTP_PASSWORD}\n`);
    writeFileSync(secretFile, `${WEBHOOK_SECRET}\n`);
    const settings = settingsFromFile(dir, example, {
      OFFBOARD_SMTP_PASSWORD_FILE: passwordFile,
      OFFBOARD_WEBHOOK_SECRET_FILE: secretFile,
      OFFBOARD_SOC_WEBHOOK_URL: exampleEnv.OFFBOARD_SOC_WEBHOOK_URL,
      OFFBOARD_SOC_WEBHOOK_SECRET: exampleEnv.OFFBOARD_SOC_WEBHOOK_SECRET,
    });
    expect(settings.smtp?.auth?.password).toBe(SMTP_PASSWORD);
    expect(settings.webhooks['it-slack']?.secret).toBe(WEBHOOK_SECRET);
  });
});

describe('a notifications file start-up refuses', () => {
  it('names the file and every setting zod rejects, and refuses a setting it does not know (a secret in the file)', () => {
    const message = refusal({ ...example, smtp: { ...example.smtp, port: 'smtp', password: 'hunter2-hunter2' } });
    expect(message).toContain('OFFBOARD_NOTIFY_FILE (');
    expect(message).toContain('smtp.port:');
    expect(message).toMatch(/password/);
    expect(message).not.toContain('hunter2');
  });

  it('refuses a file that is not JSON, or that cannot be read', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "recipients": ');
    expect(() => notifySettingsFromEnv({ OFFBOARD_NOTIFY_FILE: broken }, TEST_UI)).toThrow(/not JSON/);
    expect(() => notifySettingsFromEnv({ OFFBOARD_NOTIFY_FILE: join(dir, 'missing.json') }, TEST_UI)).toThrow(
      /cannot read .*missing\.json \(ENOENT\)/,
    );
  });

  it('refuses e-mail without smtp, and a password sent in clear to a remote server', () => {
    expect(refusal({ recipients: { manager: {} } })).toContain('recipients.manager send e-mail: configure smtp');
    expect(refusal({ ...example, smtp: { ...example.smtp, requireTLS: false } }, exampleEnv)).toContain(
      'the password would travel in clear to smtp.example.com',
    );
    expect(refusal({ ...example, smtp: { ...example.smtp } }, { ...exampleEnv, OFFBOARD_SMTP_PASSWORD: '' })).toContain(
      'smtp.user is set: set OFFBOARD_SMTP_PASSWORD or OFFBOARD_SMTP_PASSWORD_FILE',
    );
  });

  it('refuses a webhook without its signing secret, with a short or placeholder one, and never prints it', () => {
    const file = { webhooks: { ops: { url: 'https://ops.example.com/h' } }, recipients: { it: { webhooks: ['ops'] } } };
    expect(refusal(file, {})).toContain('set OFFBOARD_WEBHOOK_SECRET or OFFBOARD_WEBHOOK_SECRET_FILE');
    const short = refusal(file, { OFFBOARD_WEBHOOK_SECRET: 'too-short-secret' });
    expect(short).toContain('shorter than 32 bytes');
    expect(short).not.toContain('too-short-secret');
    expect(refusal(file, { OFFBOARD_WEBHOOK_SECRET: 'change-me-change-me-change-me-change-me' })).toContain(
      'placeholder',
    );
  });

  it('refuses a plain-HTTP webhook to another host, an unknown webhook name, and a route to an unconfigured recipient', () => {
    expect(
      refusal({ webhooks: { ops: { url: 'http://ops.example.com/h' } }, recipients: { it: { webhooks: ['ops'] } } }),
    ).toContain('webhooks.ops: the URL must be https://');
    expect(refusal({ recipients: { it: { webhooks: ['nope'] } } })).toContain(
      'recipients.it.webhooks: no webhook nope',
    );
    expect(
      refusal({
        webhooks: { ops: { url: 'https://ops.example.com/h' } },
        recipients: { it: { webhooks: ['ops'] } },
        events: { completed: ['security'] },
      }),
    ).toContain('events.completed names security, which recipients does not configure');
    expect(refusal({ ...example, events: { drift: ['manager'] } }, exampleEnv)).toContain(
      'events.drift: drift goes to it and security',
    );
  });

  it('refuses a template with an unknown placeholder as a BadTemplate, before the worker starts', () => {
    const templates = tempDir('notify-config-templates');
    writeFileSync(join(templates, 'locked-out.text.txt'), '{{person}} locked out; token {{token}}\n');
    const message = refusal({ ...example, templates }, exampleEnv);
    expect(message).toContain('BadTemplate: Notification templates:');
    expect(message).toContain('locked-out.text.txt: line 1: unknown placeholder {{token}}');
  });
});
