// The demo's notifications: a local SMTP sink (tools/smtp-sink.ts) that prints what it receives, a notifications
// file pointing the worker at it, and a manager for every sample user (the protected super admin), so that a new
// user sees the mails a run sends: IT at the start, the manager at the lock-out, the device wipe and the end.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Org } from '@okta-offboarding/okta-emulator';
import { startSmtpSink, type ReceivedMail } from './smtp-sink';

export const DEMO_IT_ADDRESS = 'it-ops@example.com';
export const DEMO_SECURITY_ADDRESS = 'security@example.com';

export interface DemoNotifications {
  /** The worker's settings: OFFBOARD_NOTIFY_FILE. */
  env: Record<string, string>;
  port: number;
  /** Where received mails are printed; the demo points it at its live region once that draws. */
  print: (line: string) => void;
  close(): Promise<void>;
}

/** A few lines of a mail, for the terminal. */
function describeMail(mail: ReceivedMail): string[] {
  const lines = mail.text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(0, 3);
  return [
    `  ✉ mail from ${mail.from} to ${mail.to.join(', ')}: ${mail.subject}`,
    ...lines.map((line) => `  │ ${line.length > 110 ? `${line.slice(0, 109)}…` : line}`),
  ];
}

export async function startDemoNotifications(dataDir: string): Promise<DemoNotifications> {
  const demo: DemoNotifications = {
    env: {},
    port: 0,
    print: (line) => void process.stdout.write(`${line}\n`),
    close: async () => undefined,
  };
  const sink = await startSmtpSink({ onMail: (mail) => describeMail(mail).forEach((line) => demo.print(line)) });
  const file = join(dataDir, 'notifications.json');
  // Plain SMTP to the loopback, no login: docs/notifications.md has a production file (STARTTLS, AUTH, a webhook).
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        smtp: { host: '127.0.0.1', port: sink.port, from: 'Offboarding demo <offboarding@example.com>' },
        recipients: {
          manager: { attribute: 'managerId' },
          it: { email: [DEMO_IT_ADDRESS] },
          security: { email: [DEMO_SECURITY_ADDRESS] },
        },
      },
      null,
      2,
    )}\n`,
  );
  demo.env = { OFFBOARD_NOTIFY_FILE: file };
  demo.port = sink.port;
  demo.close = () => sink.close();
  return demo;
}

/**
 * Gives every sample user without a manager one (`profile.managerId`: the first member of `managersGroup`, whom the
 * demo never offboards), through Okta's API as an HR import would: an org seeded before notifications gets them too.
 */
export async function giveManagers(org: Org, oktaUrl: string, token: string, managersGroup: string): Promise<number> {
  const groupId = org.groups.find((group) => group.name === managersGroup)?.id;
  const manager = org.users.find((user) => groupId && user.groups?.includes(groupId));
  if (!manager?.id) return 0;
  const without = org.users.filter((user) => user.id !== manager.id && !user.profile?.managerId);
  for (const user of without) {
    const response = await fetch(`${oktaUrl}/api/v1/users/${user.id}`, {
      method: 'POST',
      headers: { Authorization: `SSWS ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ profile: { managerId: manager.id } }),
    });
    if (!response.ok) throw new Error(`Okta refused the manager of ${user.login}: HTTP ${response.status}`);
  }
  return without.length;
}
