// The notifications file (OFFBOARD_NOTIFY_FILE, JSON; docs/notifications.md), read and checked once at start-up
// with its secrets (OFFBOARD_SMTP_PASSWORD, each webhook's signing secret and, when it is one, its URL: each by
// `_FILE` too) and every template, so a mistake stops the worker with a message that names it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  DEFAULT_ROUTES,
  RECIPIENTS,
  type NotifySettings,
  type Recipient,
  type RecipientSettings,
  type WebhookSettings,
} from '../activities/notify-settings';
import { loadTemplates, NOTIFY_EVENTS, type NotifyEvent } from '../activities/notify-templates';
import { checkSecret, isLoopbackHost, MIN_SECRET_BYTES, secretFromEnv } from '../okta/config';
import { parseDuration } from '../workflows/definitions';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const duration = z.string().refine((value) => (parseDuration(value) ?? 0) > 0, {
  message: 'must be a duration longer than 0s, such as 10s or 5m',
});
const envName = z.string().regex(ENV_NAME, { message: 'must be an environment variable name, such as OFFBOARD_X' });

const recipientSchema = z.strictObject({
  email: z.array(z.email({ message: 'must be e-mail addresses' })).default([]),
  webhooks: z.array(z.string()).default([]),
  named: z.boolean().optional(),
});

const fileSchema = z.strictObject({
  smtp: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535).optional(),
      secure: z.boolean().default(false),
      requireTLS: z.boolean().default(false),
      user: z.string().min(1).optional(),
      from: z.string().min(3),
      caFile: z.string().min(1).optional(),
      timeout: duration.default('10s'),
    })
    .optional(),
  webhooks: z
    .record(
      z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'a webhook name may hold letters, digits and . _ -' }),
      z.strictObject({
        url: z.string().optional(),
        urlEnv: envName.optional(),
        format: z.enum(['slack', 'json']).default('json'),
        secretEnv: envName.default('OFFBOARD_WEBHOOK_SECRET'),
        timeout: duration.default('10s'),
        nameInWebhook: z.boolean().default(false),
      }),
    )
    .default({}),
  recipients: z.strictObject({
    manager: z.strictObject({ attribute: z.string().min(1).default('managerId') }).optional(),
    it: recipientSchema.optional(),
    security: recipientSchema.optional(),
  }),
  events: z.partialRecord(z.enum(NOTIFY_EVENTS), z.array(z.enum(RECIPIENTS))).default({}),
  templates: z.string().min(1).optional(),
  lookupCache: duration.default('5m'),
});

type NotifyFile = z.infer<typeof fileSchema>;

/** Start-up errors name the file and the setting; never a secret's value. */
class NotifyConfigError extends Error {}

function readFile(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new NotifyConfigError(
      `${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: error,
      },
    );
  }
}

/** A webhook URL: https, or http to a loopback host only (the signed body would otherwise travel in clear). */
function webhookUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NotifyConfigError(`webhooks.${name}: the URL is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    throw new NotifyConfigError(`webhooks.${name}: the URL must be https:// (http:// only for a loopback host)`);
  return url.toString();
}

function webhooks(file: NotifyFile, env: NodeJS.ProcessEnv): Record<string, WebhookSettings> {
  const result: Record<string, WebhookSettings> = {};
  for (const [name, hook] of Object.entries(file.webhooks)) {
    if (Boolean(hook.url) === Boolean(hook.urlEnv))
      throw new NotifyConfigError(
        `webhooks.${name}: give url, or urlEnv naming the variable that holds it (a Slack URL is a secret)`,
      );
    const urlText = hook.url ?? secretFromEnv(env, hook.urlEnv!);
    if (!urlText) throw new NotifyConfigError(`webhooks.${name}: set ${hook.urlEnv} or ${hook.urlEnv}_FILE`);
    const secret = secretFromEnv(env, hook.secretEnv);
    if (!secret)
      throw new NotifyConfigError(
        `webhooks.${name}: set ${hook.secretEnv} or ${hook.secretEnv}_FILE, the signing secret (openssl rand -base64 32)`,
      );
    checkSecret(hook.secretEnv, secret, { minBytes: MIN_SECRET_BYTES, what: `the signing secret of webhook ${name}` });
    result[name] = {
      name,
      url: webhookUrl(name, urlText),
      format: hook.format,
      secret,
      timeoutMs: parseDuration(hook.timeout)!,
      nameInWebhook: hook.nameInWebhook,
    };
  }
  return result;
}

function smtp(file: NotifyFile, env: NodeJS.ProcessEnv, base: string): NotifySettings['smtp'] {
  const settings = file.smtp;
  const password = secretFromEnv(env, 'OFFBOARD_SMTP_PASSWORD');
  if (!settings) {
    if (password) throw new NotifyConfigError('OFFBOARD_SMTP_PASSWORD is set but the file has no smtp section');
    return undefined;
  }
  if (settings.user && !password)
    throw new NotifyConfigError(`smtp.user is set: set OFFBOARD_SMTP_PASSWORD or OFFBOARD_SMTP_PASSWORD_FILE`);
  if (password && !settings.user) throw new NotifyConfigError('OFFBOARD_SMTP_PASSWORD is set: set smtp.user too');
  if (password) checkSecret('OFFBOARD_SMTP_PASSWORD', password);
  if (password && !settings.secure && !settings.requireTLS && !isLoopbackHost(settings.host))
    throw new NotifyConfigError(
      `smtp: the password would travel in clear to ${settings.host}: set secure (port 465) or requireTLS (STARTTLS)`,
    );
  if (settings.secure && settings.requireTLS)
    throw new NotifyConfigError('smtp: secure (TLS from the start) and requireTLS (STARTTLS) exclude each other');
  return {
    host: settings.host,
    port: settings.port ?? (settings.secure ? 465 : 587),
    secure: settings.secure,
    requireTLS: settings.requireTLS,
    auth: settings.user && password ? { user: settings.user, password } : undefined,
    from: settings.from,
    ca: settings.caFile ? readFile('smtp.caFile', resolve(base, settings.caFile)) : undefined,
    timeoutMs: parseDuration(settings.timeout)!,
  };
}

function recipient(
  name: Exclude<Recipient, 'manager'>,
  given: NotifyFile['recipients']['it'],
  hooks: Record<string, WebhookSettings>,
): RecipientSettings | undefined {
  if (!given) return undefined;
  for (const hook of given.webhooks)
    if (!hooks[hook])
      throw new NotifyConfigError(
        `recipients.${name}.webhooks: no webhook ${hook} (webhooks: ${Object.keys(hooks).join(', ') || 'none'})`,
      );
  if (given.email.length === 0 && given.webhooks.length === 0)
    throw new NotifyConfigError(`recipients.${name}: give email addresses, webhooks or both`);
  // IT may know whom it offboards; a security channel reads the Okta id unless told otherwise.
  return { email: given.email, webhooks: given.webhooks, named: given.named ?? name === 'it' };
}

/** Each event's recipients: the file's list, else the default, keeping only recipients the file configures. */
function routes(file: NotifyFile, configured: Set<Recipient>): Record<NotifyEvent, Recipient[]> {
  const result = {} as Record<NotifyEvent, Recipient[]>;
  for (const event of NOTIFY_EVENTS) {
    const given = file.events[event];
    for (const name of given ?? [])
      if (!configured.has(name))
        throw new NotifyConfigError(`events.${event} names ${name}, which recipients does not configure`);
    // The drift watch has no manager to tell (its notice names nobody's run), and the manager is no channel for it.
    if (event === 'drift' && given?.includes('manager'))
      throw new NotifyConfigError('events.drift: drift goes to it and security, not to the manager');
    result[event] = (given ?? DEFAULT_ROUTES[event]).filter(
      (name) => configured.has(name) && !(event === 'drift' && name === 'manager'),
    );
  }
  return result;
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ');
}

/** The notification settings, or undefined when OFFBOARD_NOTIFY_FILE is not set (no run then notifies anyone). */
export function notifySettingsFromEnv(
  env: NodeJS.ProcessEnv,
  temporal: { uiUrl: string; namespace: string },
): NotifySettings | undefined {
  const path = env.OFFBOARD_NOTIFY_FILE || undefined;
  if (!path) return undefined;
  const where = `OFFBOARD_NOTIFY_FILE (${path})`;
  let json: unknown;
  try {
    json = JSON.parse(readFile('OFFBOARD_NOTIFY_FILE', path));
  } catch (error) {
    if (error instanceof NotifyConfigError) throw error;
    throw new NotifyConfigError(`${where}: not JSON (${(error as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw new NotifyConfigError(`${where}: ${issues(parsed.error)}`);
  const file = parsed.data;
  const base = dirname(resolve(path));
  try {
    const hooks = webhooks(file, env);
    const mail = smtp(file, env, base);
    const it = recipient('it', file.recipients.it, hooks);
    const security = recipient('security', file.recipients.security, hooks);
    const mailing = [
      ...(file.recipients.manager ? ['recipients.manager'] : []),
      ...(it?.email.length ? ['recipients.it.email'] : []),
      ...(security?.email.length ? ['recipients.security.email'] : []),
    ];
    if (!mail && mailing.length > 0) throw new NotifyConfigError(`${mailing.join(', ')} send e-mail: configure smtp`);
    const configured = new Set<Recipient>(
      [file.recipients.manager && 'manager', it && 'it', security && 'security'].filter((name): name is Recipient =>
        Boolean(name),
      ),
    );
    if (configured.size === 0) throw new NotifyConfigError('recipients: configure manager, it or security');
    return {
      smtp: mail,
      webhooks: hooks,
      manager: file.recipients.manager,
      it,
      security,
      routes: routes(file, configured),
      templates: loadTemplates(file.templates ? resolve(base, file.templates) : undefined),
      temporal,
      lookupCacheMs: parseDuration(file.lookupCache)!,
    };
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const type = error instanceof ApplicationFailure && error.type ? `${error.type}: ` : '';
    throw new NotifyConfigError(`${where}: ${type}${error.message}`, { cause: error });
  }
}
