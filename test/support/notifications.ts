// What the notification tests share: a notifications file written as an operator would, a self-signed
// certificate for STARTTLS (openssl), and a webhook receiver that records every delivery and answers as told.
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotifySettings } from '../../activities/notify-settings';
import { notifySettingsFromEnv } from '../../worker/notify-config';

// Secrets as start-up requires them (32 bytes and more); the tests assert that no message carries one.
export const SMTP_USER = 'offboarding-mailer';
export const SMTP_PASSWORD = 'smtp-test-password-3f9a1c77e2b04d5e';
export const WEBHOOK_SECRET = 'webhook-test-signing-key-8c41d2e9a7f3b6';
export const TEST_UI = { uiUrl: 'http://127.0.0.1:8233', namespace: 'default' };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** A key and a self-signed certificate for 127.0.0.1 (IP and DNS SANs), made with openssl. */
export function selfSignedCert(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'smtp-key.pem');
  const certFile = join(dir, 'smtp-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/** Writes `file` as OFFBOARD_NOTIFY_FILE and reads it the worker's way, with the test's secrets in the environment. */
export function settingsFromFile(dir: string, file: unknown, env: NodeJS.ProcessEnv = {}): NotifySettings {
  const path = join(dir, `notify-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileSync(path, JSON.stringify(file, null, 2));
  const settings = notifySettingsFromEnv({ OFFBOARD_NOTIFY_FILE: path, ...env }, TEST_UI);
  if (!settings) throw new Error('no settings');
  return settings;
}

export interface WebhookDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: WebhookDelivery[];
  /** The status (and headers) of each next answer, in order; 200 once they run out. */
  answers: Array<number | { status: number; headers: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(answers: WebhookReceiver['answers'] = []): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', deliveries: [], answers, close: async () => undefined };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = receiver.answers.shift() ?? 200;
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      receiver.deliveries.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
        at: Date.now(),
      });
      response.writeHead(status, headers);
      response.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/offboarding`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/**
 * The receiver's side of docs/notifications.md ("The webhook's signature"), written from the document, not from
 * the sender's code: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, within 300 s.
 */
export function signatureValid(
  delivery: WebhookDelivery,
  secret: string,
  nowS = Math.floor(Date.now() / 1000),
): boolean {
  const header = String(delivery.headers['offboard-webhook-signature'] ?? '');
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!t || !v1 || Math.abs(nowS - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}
