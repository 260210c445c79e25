// Configuration of the intake and the `offboard` CLI, parsed and validated once at start-up.
import { z } from 'zod';
import type { OktaConfig } from '../okta/client';
import { oktaConfigFromEnv } from '../okta/config';
import { isValidTimeZone } from './effective-date';
import { temporalConfigFromEnv, type TemporalConfig } from '../runs/temporal';

/** One HR webhook secret; `name` is who signed (kept as `requestedBy` unless the body names a source). */
export interface HmacSecret {
  name: string;
  secret: string;
}

export interface CliConfig {
  temporal: TemporalConfig;
  okta: OktaConfig;
  /** Zone of date-only effective dates (`2026-12-31` = the start of that day there). */
  timeZone: string;
}

export interface IntakeConfig extends CliConfig {
  port: number;
  host: string;
  hmacSecrets: HmacSecret[];
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

/** `name=secret,name2=secret2` or bare secrets (named `hr`, `hr-2`, ...): two during a rotation. */
export function parseHmacSecrets(text: string | undefined): HmacSecret[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry, index) => {
    const at = entry.indexOf('=');
    const named =
      at > 0
        ? { name: entry.slice(0, at).trim(), secret: entry.slice(at + 1).trim() }
        : { name: index ? `hr-${index + 1}` : 'hr', secret: entry };
    if (named.secret.length < 16)
      throw new Error(`OFFBOARD_HMAC_SECRETS: the secret of ${named.name} is shorter than 16 characters`);
    return named;
  });
}

function fail(issues: z.core.$ZodIssue[]): never {
  throw new Error(`Invalid configuration: ${issues.map((issue) => issue.message).join('; ')}`);
}

export function cliConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CliConfig {
  if (!env.OKTA_ORG_URL)
    throw new Error(
      'Set OKTA_ORG_URL (the Okta org, e.g. https://acme.okta.com) and OKTA_API_TOKEN or an OAuth service app',
    );
  const parsed = z.object({ OFFBOARD_TIMEZONE: timeZone }).safeParse(env);
  if (!parsed.success) fail(parsed.error.issues);
  return {
    temporal: temporalConfigFromEnv(env),
    okta: oktaConfigFromEnv(env),
    timeZone: parsed.data.OFFBOARD_TIMEZONE,
  };
}

export function intakeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  const parsed = z
    .object({
      OFFBOARD_INTAKE_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
      OFFBOARD_INTAKE_HOST: z.string().default('0.0.0.0'),
      OFFBOARD_INTAKE_BODY_LIMIT: z.coerce.number().int().min(1_024).max(10_485_760).default(65_536),
      OKTA_EVENT_HOOK_SECRET: z
        .string()
        .min(16, { message: 'OKTA_EVENT_HOOK_SECRET must be at least 16 characters' })
        .optional(),
      OFFBOARD_OKTA_GROUP: z.string().optional(),
      OFFBOARD_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    })
    .safeParse(env);
  if (!parsed.success) fail(parsed.error.issues);
  const values = parsed.data;
  const hmacSecrets = parseHmacSecrets(env.OFFBOARD_HMAC_SECRETS);
  if (hmacSecrets.length === 0)
    throw new Error('Set OFFBOARD_HMAC_SECRETS (name=secret, comma-separated; two during a rotation)');
  return {
    ...cliConfigFromEnv(env),
    port: values.OFFBOARD_INTAKE_PORT,
    host: values.OFFBOARD_INTAKE_HOST,
    bodyLimit: values.OFFBOARD_INTAKE_BODY_LIMIT,
    hmacSecrets,
    eventHookSecret: values.OKTA_EVENT_HOOK_SECRET || undefined,
    offboardingGroup: values.OFFBOARD_OKTA_GROUP || undefined,
    logLevel: values.OFFBOARD_LOG_LEVEL.toLowerCase() as IntakeConfig['logLevel'],
  };
}
