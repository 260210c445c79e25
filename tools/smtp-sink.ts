// A local SMTP server that keeps what it receives: the demo prints the notifications it gets, the tests assert on
// them. Real SMTP over TCP (smtp-server), optionally with STARTTLS and AUTH PLAIN/LOGIN; each mail parsed with
// mailparser. Development only: product code sends mail through nodemailer to a real server.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The SMTP envelope, as the client gave it. */
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  /** The message as it came over the wire, headers included. */
  raw: string;
  /** Whether the session had upgraded to TLS and logged in. */
  secure: boolean;
  user?: string;
}

export interface SmtpSinkOptions {
  port?: number;
  /** PEM key and certificate: the server offers STARTTLS. */
  tls?: { key: string; cert: string };
  /** Accepted login; without it the server asks for none. */
  auth?: { user: string; password: string };
  onMail?: (mail: ReceivedMail) => void;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Logins accepted, with the AUTH method the client chose. */
  logins: Array<{ user: string; method: string; secure: boolean }>;
  /** Logins refused (a wrong password). */
  refusedLogins: number;
  close(): Promise<void>;
}

const addresses = (value: unknown): string[] => {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((entry: { value?: Array<{ address?: string }> }) =>
    (entry.value ?? []).map((item) => item.address ?? ''),
  );
};

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const login = options.auth;
  const sink: SmtpSink = { port: 0, mails: [], logins: [], refusedLogins: 0, close: async () => undefined };
  const server = new SMTPServer({
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : { hideSTARTTLS: true }),
    ...(login
      ? {
          authMethods: ['PLAIN', 'LOGIN'],
          onAuth(auth, session, callback) {
            if (auth.username === login.user && auth.password === login.password) {
              sink.logins.push({ user: auth.username, method: auth.method, secure: session.secure });
              return callback(null, { user: auth.username });
            }
            sink.refusedLogins += 1;
            return callback(new Error('Invalid username or password'));
          },
        }
      : { authOptional: true, disabledCommands: ['AUTH'] }),
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            const mail: ReceivedMail = {
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((to) => to.address),
              },
              from: addresses(parsed.from)[0] ?? '',
              to: addresses(parsed.to),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              messageId: parsed.messageId ?? '',
              headers: Object.fromEntries(
                [...parsed.headers].map(([name, value]) => [
                  name,
                  typeof value === 'string' ? value : JSON.stringify(value),
                ]),
              ),
              raw,
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
            };
            sink.mails.push(mail);
            options.onMail?.(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
