// Configuration of the intake and the `offboard` CLI, parsed and validated once at start-up.
import { z } from 'zod';
import type { OktaConfig } from '../okta/client';
import { readFileSync } from 'node:fs';
import {
  checkSecret,
  hasOktaCredential,
  isLoopbackHost,
  MIN_SECRET_BYTES,
  oktaConfigFromEnv,
  orgUrlFromEnv,
  secretFromEnv,
} from '../okta/config';
import { isValidTimeZone } from './effective-date';
import { INTAKE_SCOPES, type HmacScopes, type IntakeScope } from './intake/scopes';
import { temporalConfigFromEnv, type TemporalConfig } from '../runs/temporal';

/** One intake secret; `name` is who signed, recorded as `requestedBy`, and what its scopes are keyed by. */
export interface HmacSecret {
  name: string;
  secret: string;
}

/** The intake's own Okta credential's prefix, and the only scope it needs: resolving a login is a `getUser`. */
export const INTAKE_OKTA_PREFIX = 'OKTA_INTAKE_';
export const INTAKE_OKTA_SCOPES = ['okta.users.read'];

export interface CliConfig {
  temporal: TemporalConfig;
  okta: OktaConfig;
  /** Zone of date-only effective dates (`2026-12-31` = the start of that day there). */
  timeZone: string;
}

export interface IntakeConfig extends CliConfig {
  port: number;
  host: string;
  /** HTTPS: the PEM certificate chain and key (OFFBOARD_INTAKE_TLS_CERT_FILE, OFFBOARD_INTAKE_TLS_KEY_FILE). */
  tls?: { cert: string; key: string };
  /** OFFBOARD_ACCEPT_V1_SIGNATURES=1: the old `v1` signature is accepted too, for a migration window. */
  acceptV1Signatures: boolean;
  hmacSecrets: HmacSecret[];
  /** Scopes by secret name; a name without an entry may `start` and `read` only. */
  hmacScopes: HmacScopes;
  /** `intake`: its own `OKTA_INTAKE_*` credential; `worker`: none was set and `okta` is the worker's `OKTA_*` one. */
  oktaCredential: 'intake' | 'worker';
  /** The value Okta sends in the event hook's `Authorization` header; the hook refuses everything without it. */
  eventHookSecret?: string;
  /** The offboarding group, an Okta group id or name. */
  offboardingGroup?: string;
  /** Largest accepted request body, in bytes (413 above). */
  bodyLimit: number;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

const timeZone = z
  .string()
  .default('UTC')
  .refine(isValidTimeZone, { message: 'OFFBOARD_TIMEZONE must be an IANA time zone such as UTC or Europe/Paris' });

const SECRET_NAME = /^[A-Za-z0-9._:@-]{1,100}$/;

/**
 * `name=secret,name2=secret2` (commas or new lines), or bare secrets (named `hr`). A rotation repeats the
 * name (`workday=<new>,workday=<old>`): both secrets sign as `workday`, with its scopes. The first `=`
 * separates the name, unless only `=` follow it: a bare base64 secret (`openssl rand -base64 32`) ends in
 * `=` padding and is kept whole. Errors name the entry by its position, never by its text, which may be a secret.
 */
export function parseHmacSecrets(text: string | undefined, setting = 'OFFBOARD_HMAC_SECRETS'): HmacSecret[] {
  const entries = (text ?? '')
    .split(/[,\r\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  const secrets = entries.map((entry, index) => {
    const at = entry.indexOf('=');
    const bare = at <= 0 || /^=*$/.test(entry.slice(at + 1));
    const named = bare
      ? { name: 'hr', secret: entry }
      : { name: entry.slice(0, at).trim(), secret: entry.slice(at + 1).trim() };
    if (!SECRET_NAME.test(named.name))
      throw new Error(
        `${setting}: the name of entry ${index + 1} may hold only letters, digits and . _ : @ - (name=secret)`,
      );
    checkSecret(setting, named.secret, { minBytes: MIN_SECRET_BYTES, what: `the secret of ${named.name}` });
    return named;
  });
  const values = new Set(secrets.map(({ secret }) => secret));
  if (values.size < secrets.length) throw new Error(`${setting}: a secret is listed twice; each caller needs its own`);
  return secrets;
}

/**
 * `name=scope+scope,...` for names of `secrets`. Start-up refuses an unknown scope (a typo must not
 * silently grant less, or a wished-for scope more) and scopes for a name no secret carries.
 */
export function parseHmacScopes(text: string | undefined, secrets: readonly HmacSecret[]): HmacScopes {
  const names = new Set(secrets.map(({ name }) => name));
  const scopes: Record<string, IntakeScope[]> = {};
  for (const entry of (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const at = entry.indexOf('=');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    if (!name) throw new Error(`OFFBOARD_HMAC_SCOPES: ${JSON.stringify(entry)} is not name=scope+scope`);
    if (!names.has(name)) {
      throw new Error(
        `OFFBOARD_HMAC_SCOPES: ${name} has no secret in OFFBOARD_HMAC_SECRETS (names there: ${[...names].join(', ')})`,
      );
    }
    if (Object.hasOwn(scopes, name)) throw new Error(`OFFBOARD_HMAC_SCOPES: ${name} is listed twice`);
    const listed = entry
      .slice(at + 1)
      .split('+')
      .map((scope) => scope.trim())
      .filter(Boolean);
    if (listed.length === 0) throw new Error(`OFFBOARD_HMAC_SCOPES: ${name} has no scope`);
    for (const scope of listed) {
      if (!(INTAKE_SCOPES as readonly string[]).includes(scope)) {
        throw new Error(
          `OFFBOARD_HMAC_SCOPES: ${name} has the unknown scope ${JSON.stringify(scope)}; the scopes are ${INTAKE_SCOPES.join(', ')}`,
        );
      }
    }
    scopes[name] = [...new Set(listed as IntakeScope[])];
  }
  return scopes;
}

function fail(issues: z.core.$ZodIssue[]): never {
  throw new Error(`Invalid configuration: ${issues.map((issue) => issue.message).join('; ')}`);
}

function requireOrgUrl(env: NodeJS.ProcessEnv): void {
  if (!env.OKTA_ORG_URL)
    throw new Error(
      'Set OKTA_ORG_URL (the Okta org, e.g. https://acme.okta.com) and OKTA_API_TOKEN or an OAuth service app',
    );
  orgUrlFromEnv(env);
}

/** The PEM file a TLS setting names (a path, as a mounted secret); its content is never printed. */
function pemFile(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${setting}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
}

/**
 * HTTPS when both files are given. Without them the intake listens on the loopback only (behind a
 * TLS-terminating proxy on the same machine); plain HTTP on another address needs
 * OFFBOARD_INTAKE_PLAIN_HTTP=1, an operator's statement that TLS ends in front of it.
 */
function listenConfig(env: NodeJS.ProcessEnv, host: string | undefined): Pick<IntakeConfig, 'host' | 'tls'> {
  const certFile = env.OFFBOARD_INTAKE_TLS_CERT_FILE || undefined;
  const keyFile = env.OFFBOARD_INTAKE_TLS_KEY_FILE || undefined;
  if (Boolean(certFile) !== Boolean(keyFile))
    throw new Error('Set both OFFBOARD_INTAKE_TLS_CERT_FILE and OFFBOARD_INTAKE_TLS_KEY_FILE, or neither');
  if (certFile && keyFile) {
    return {
      host: host ?? '0.0.0.0',
      tls: {
        cert: pemFile('OFFBOARD_INTAKE_TLS_CERT_FILE', certFile),
        key: pemFile('OFFBOARD_INTAKE_TLS_KEY_FILE', keyFile),
      },
    };
  }
  const plainHost = host ?? '127.0.0.1';
  if (!isLoopbackHost(plainHost) && plainHost !== '::1' && env.OFFBOARD_INTAKE_PLAIN_HTTP !== '1') {
    throw new Error(
      `OFFBOARD_INTAKE_HOST=${plainHost} without TLS would serve signatures and hook secrets in clear: set ` +
        'OFFBOARD_INTAKE_TLS_CERT_FILE and OFFBOARD_INTAKE_TLS_KEY_FILE, or OFFBOARD_INTAKE_PLAIN_HTTP=1 when a proxy in front terminates TLS',
    );
  }
  return { host: plainHost };
}

function commonConfig(env: NodeJS.ProcessEnv, okta: OktaConfig): CliConfig {
  const parsed = z.object({ OFFBOARD_TIMEZONE: timeZone }).safeParse(env);
  if (!parsed.success) fail(parsed.error.issues);
  return { temporal: temporalConfigFromEnv(env), okta, timeZone: parsed.data.OFFBOARD_TIMEZONE };
}

export function cliConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CliConfig {
  requireOrgUrl(env);
  return commonConfig(env, oktaConfigFromEnv(env));
}

export function intakeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  const parsed = z
    .object({
      OFFBOARD_INTAKE_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
      OFFBOARD_INTAKE_HOST: z.string().optional(),
      OFFBOARD_INTAKE_BODY_LIMIT: z.coerce.number().int().min(1_024).max(10_485_760).default(65_536),
      OFFBOARD_OKTA_GROUP: z.string().optional(),
      OFFBOARD_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    })
    .safeParse(env);
  if (!parsed.success) fail(parsed.error.issues);
  const values = parsed.data;
  const hmacSecrets = parseHmacSecrets(secretFromEnv(env, 'OFFBOARD_HMAC_SECRETS'));
  if (hmacSecrets.length === 0)
    throw new Error(
      'Set OFFBOARD_HMAC_SECRETS or OFFBOARD_HMAC_SECRETS_FILE (name=secret, comma-separated; a rotation repeats the name)',
    );
  const hmacScopes = parseHmacScopes(env.OFFBOARD_HMAC_SCOPES, hmacSecrets);
  const hookSecret = secretFromEnv(env, 'OKTA_EVENT_HOOK_SECRET');
  const eventHookSecret =
    hookSecret === undefined
      ? undefined
      : checkSecret('OKTA_EVENT_HOOK_SECRET', hookSecret, { minBytes: MIN_SECRET_BYTES });
  if (eventHookSecret && hmacSecrets.some(({ secret }) => secret === eventHookSecret))
    throw new Error('OKTA_EVENT_HOOK_SECRET must differ from every OFFBOARD_HMAC_SECRETS secret');
  requireOrgUrl(env);
  const listen = listenConfig(env, values.OFFBOARD_INTAKE_HOST || undefined);
  // The intake only resolves logins: its own read-only credential when one is set, else the worker's.
  const oktaCredential = hasOktaCredential(env, INTAKE_OKTA_PREFIX) ? 'intake' : 'worker';
  const okta =
    oktaCredential === 'intake'
      ? oktaConfigFromEnv(env, INTAKE_OKTA_PREFIX, INTAKE_OKTA_SCOPES)
      : oktaConfigFromEnv(env);
  return {
    ...commonConfig(env, okta),
    port: values.OFFBOARD_INTAKE_PORT,
    ...listen,
    acceptV1Signatures: env.OFFBOARD_ACCEPT_V1_SIGNATURES === '1',
    bodyLimit: values.OFFBOARD_INTAKE_BODY_LIMIT,
    hmacSecrets,
    hmacScopes,
    oktaCredential,
    eventHookSecret,
    offboardingGroup: values.OFFBOARD_OKTA_GROUP || undefined,
    logLevel: values.OFFBOARD_LOG_LEVEL.toLowerCase() as IntakeConfig['logLevel'],
  };
}
