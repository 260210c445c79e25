// The e-mail channel: SMTP through nodemailer (implicit TLS, or STARTTLS, required or offered; AUTH when a user
// is configured). A mail's Message-ID derives from the milestone's idempotency key and its audience, so a retry
// that sends again sends the same message, which mail systems and clients recognise as one.
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { scrub } from './notify-message';
import type { SmtpSettings } from './notify-settings';

export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  /** The milestone's (or drift notice's) idempotency key. */
  key: string;
  event: string;
  /** Who the mail is for (`manager`, `it`, `security`): one message per key and audience. */
  audience: string;
}

/** A delivery that failed: `retryable` says whether a later attempt can succeed. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** `<hash of key and audience>@<the sender's domain>`: stable across attempts and workers. */
export function messageId(key: string, audience: string, from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'offboarding.invalid';
  const hash = createHash('sha256').update(`${key}\n${audience}`).digest('hex').slice(0, 40);
  return `<${hash}.offboarding@${domain}>`;
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** SMTP's own verdict: a 5xx reply (or a refused login) is permanent, a 4xx reply or a lost connection is not. */
function classify(error: unknown): DeliveryError {
  const failure = (error ?? {}) as SmtpFailure;
  const code = failure.code ?? 'error';
  const reply = failure.responseCode;
  // The server's reply may quote an address: the report keeps the reply without any.
  const what = `SMTP ${code}${reply ? ` ${reply}` : ''} (${scrub(failure.message ?? 'no message')})`;
  if (code === 'EAUTH') return new DeliveryError(`the SMTP server refused the login: ${what}`, false);
  if (code === 'ETLS') return new DeliveryError(`STARTTLS is required but failed: ${what}`, false);
  if (reply !== undefined && reply >= 500) return new DeliveryError(`the SMTP server refused the mail: ${what}`, false);
  return new DeliveryError(`the SMTP server could not take the mail now: ${what}`, true);
}

export function createMailer(smtp: SmtpSettings) {
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    auth: smtp.auth ? { user: smtp.auth.user, pass: smtp.auth.password } : undefined,
    tls: { minVersion: 'TLSv1.2', ...(smtp.ca ? { ca: smtp.ca } : {}) },
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
  });
  return {
    async send(mail: OutgoingMail): Promise<void> {
      try {
        await transport.sendMail({
          from: smtp.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: messageId(mail.key, mail.audience, smtp.from),
          headers: {
            // RFC 3834: no vacation replies to a machine.
            'Auto-Submitted': 'auto-generated',
            'X-Offboarding-Event': mail.event,
            'X-Offboarding-Key': mail.key,
          },
        });
      } catch (error) {
        throw classify(error);
      }
    },
    close(): void {
      transport.close();
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;
