// Okta connection settings from the environment, read once at start-up by the worker, the CLI and the intake.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { OktaConfig } from './client';

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/** The credential settings, each read as `<prefix><name>`; `OKTA_ORG_URL` is shared by every prefix. */
const CREDENTIAL_SETTINGS = [
  'API_TOKEN',
  'API_TOKEN_FILE',
  'CLIENT_ID',
  'PRIVATE_KEY',
  'PRIVATE_KEY_FILE',
  'KEY_ID',
  'SCOPES',
] as const;

/** The shortest secret the operator generates (HMAC secrets, the hook secret), counted in bytes as given. */
export const MIN_SECRET_BYTES = 32;

/** Examples that the shipped files and docs once carried: a copied example is a placeholder too. */
const KNOWN_EXAMPLES = new Set([
  'workday-secret-0123456789',
  'workday-old-secret-98765',
  'okta-hook-shared-secret-42',
  'change-me-to-a-long-random-string',
]);

/**
 * True for a value nobody generated: `change-me…`, `changeme`, `secret`, `password`, one character
 * repeated, a `<generate: …>` template, or an example copied from the docs.
 */
export function isPlaceholder(value: string): boolean {
  const lower = value.trim().toLowerCase();
  return (
    /change[-_ ]?me/.test(lower) ||
    ['secret', 'password', 'changeme'].includes(lower) ||
    /^(.)\1*$/s.test(lower) ||
    /^<.*>$/s.test(lower) ||
    KNOWN_EXAMPLES.has(lower)
  );
}

/**
 * Refuses a placeholder and, with `minBytes`, a secret shorter than that. The message names the
 * setting (and `what`, e.g. the caller) and never the value, which start-up errors would print to logs.
 */
export function checkSecret(
  setting: string,
  value: string,
  options: { minBytes?: number; what?: string } = {},
): string {
  const of = options.what ? ` (${options.what})` : '';
  if (isPlaceholder(value)) {
    throw new Error(`${setting}${of} holds a placeholder, not a secret: generate one, e.g. openssl rand -base64 32`);
  }
  if (options.minBytes !== undefined && Buffer.byteLength(value, 'utf8') < options.minBytes) {
    throw new Error(
      `${setting}${of} is shorter than ${options.minBytes} bytes: generate one, e.g. openssl rand -base64 32`,
    );
  }
  return value;
}

/**
 * A secret from `name`, or from the file `name_FILE` names (a mounted Docker or Kubernetes secret:
 * the file's content without one trailing newline). Both set is refused: which one wins would be a guess.
 * Empty values, and empty files, count as unset.
 */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name] || undefined;
  const file = env[`${name}_FILE`] || undefined;
  if (direct !== undefined && file !== undefined) throw new Error(`Set ${name} or ${name}_FILE, not both`);
  if (file === undefined) return direct;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  // An empty file is an unset setting: compose mounts one for each secret a deployment does not use.
  return content.replace(/\r?\n$/, '') || undefined;
}

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** True for a host name that never leaves the machine (the emulator, a test). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.test(hostname);
}

/**
 * The org URL, refused unless `https://`: the SDK sends the SSWS token (or the client assertion) in
 * every request's headers, in clear over `http://`. Loopback hosts (the emulator) are the exception, and
 * a host named in `OKTA_ORG_HTTP_HOSTS` (the compose trial's `okta-emulator`, on a private network).
 */
export function orgUrlFromEnv(env: NodeJS.ProcessEnv): string {
  const orgUrl = z
    .string({ message: 'Set OKTA_ORG_URL, the org URL, e.g. https://acme.okta.com' })
    .url({ message: 'OKTA_ORG_URL must be the org URL, e.g. https://acme.okta.com' })
    .parse(env.OKTA_ORG_URL);
  const url = new URL(orgUrl);
  const plainAllowed = (env.OKTA_ORG_HTTP_HOSTS ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((host) => host.toLowerCase());
  const plain = isLoopbackHost(url.hostname) || plainAllowed.includes(url.hostname.toLowerCase());
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plain)) {
    throw new Error(
      'OKTA_ORG_URL must be https:// (the Okta credential travels in every request); http:// only for a loopback host such as the emulator on 127.0.0.1, or a host named in OKTA_ORG_HTTP_HOSTS',
    );
  }
  return orgUrl;
}

/** True when any credential setting with this prefix is set (`OKTA_INTAKE_` for the intake's own credential). */
export function hasOktaCredential(env: NodeJS.ProcessEnv, prefix: string): boolean {
  return CREDENTIAL_SETTINGS.some((name) => Boolean(env[`${prefix}${name}`]));
}

/**
 * Okta: an SSWS API token, or an OAuth 2.0 service app (private key JWT, least-privilege scopes),
 * from `<prefix>API_TOKEN` / `<prefix>API_TOKEN_FILE` or `<prefix>CLIENT_ID`, `<prefix>PRIVATE_KEY` / `<prefix>PRIVATE_KEY_FILE`,
 * `<prefix>KEY_ID`, `<prefix>SCOPES` (`defaultScopes` when unset; the worker's `OKTA_SCOPES` has none).
 */
export function oktaConfigFromEnv(
  env: NodeJS.ProcessEnv,
  prefix = 'OKTA_',
  defaultScopes: readonly string[] = [],
): OktaConfig {
  const orgUrl = orgUrlFromEnv(env);
  const setting = (name: (typeof CREDENTIAL_SETTINGS)[number]) => env[`${prefix}${name}`] || undefined;
  const clientId = setting('CLIENT_ID');
  if (clientId) {
    const privateKey = secretFromEnv(env, `${prefix}PRIVATE_KEY`);
    if (!privateKey) throw new Error(`${prefix}CLIENT_ID needs ${prefix}PRIVATE_KEY or ${prefix}PRIVATE_KEY_FILE`);
    checkSecret(`${prefix}PRIVATE_KEY`, privateKey);
    const given = list(setting('SCOPES'));
    const scopes = given.length > 0 ? given : [...defaultScopes];
    if (scopes.length === 0) throw new Error(`${prefix}CLIENT_ID needs ${prefix}SCOPES (space- or comma-separated)`);
    return {
      orgUrl,
      auth: { kind: 'service-app', clientId, privateKey, keyId: setting('KEY_ID'), scopes },
    };
  }
  const token = secretFromEnv(env, `${prefix}API_TOKEN`);
  if (!token)
    throw new Error(
      `Set ${prefix}API_TOKEN (or ${prefix}API_TOKEN_FILE), or ${prefix}CLIENT_ID with a private key for an OAuth service app`,
    );
  // Okta's tokens are 42 characters: a real org (https) gets the 32-byte minimum; the emulator on a
  // loopback or declared plain-HTTP host keeps its short test tokens.
  const realOrg = new URL(orgUrl).protocol === 'https:';
  checkSecret(`${prefix}API_TOKEN`, token, realOrg ? { minBytes: 32 } : {});
  return { orgUrl, auth: { kind: 'api-token', token } };
}
