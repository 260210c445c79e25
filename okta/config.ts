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
const CREDENTIAL_SETTINGS = ['API_TOKEN', 'CLIENT_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_FILE', 'KEY_ID', 'SCOPES'] as const;

/** True when any credential setting with this prefix is set (`OKTA_INTAKE_` for the intake's own credential). */
export function hasOktaCredential(env: NodeJS.ProcessEnv, prefix: string): boolean {
  return CREDENTIAL_SETTINGS.some((name) => Boolean(env[`${prefix}${name}`]));
}

/**
 * Okta: an SSWS API token, or an OAuth 2.0 service app (private key JWT, least-privilege scopes),
 * from `<prefix>API_TOKEN` or `<prefix>CLIENT_ID`, `<prefix>PRIVATE_KEY` / `<prefix>PRIVATE_KEY_FILE`,
 * `<prefix>KEY_ID`, `<prefix>SCOPES` (`defaultScopes` when unset; the worker's `OKTA_SCOPES` has none).
 */
export function oktaConfigFromEnv(
  env: NodeJS.ProcessEnv,
  prefix = 'OKTA_',
  defaultScopes: readonly string[] = [],
): OktaConfig {
  const orgUrl = z
    .string()
    .url({ message: 'OKTA_ORG_URL must be the org URL, e.g. https://acme.okta.com' })
    .parse(env.OKTA_ORG_URL);
  const setting = (name: (typeof CREDENTIAL_SETTINGS)[number]) => env[`${prefix}${name}`] || undefined;
  const clientId = setting('CLIENT_ID');
  if (clientId) {
    const keyFile = setting('PRIVATE_KEY_FILE');
    const privateKey = setting('PRIVATE_KEY') ?? (keyFile ? readFileSync(keyFile, 'utf8') : '');
    if (!privateKey) throw new Error(`${prefix}CLIENT_ID needs ${prefix}PRIVATE_KEY or ${prefix}PRIVATE_KEY_FILE`);
    const given = list(setting('SCOPES'));
    const scopes = given.length > 0 ? given : [...defaultScopes];
    if (scopes.length === 0) throw new Error(`${prefix}CLIENT_ID needs ${prefix}SCOPES (space- or comma-separated)`);
    return {
      orgUrl,
      auth: { kind: 'service-app', clientId, privateKey, keyId: setting('KEY_ID'), scopes },
    };
  }
  const token = setting('API_TOKEN');
  if (!token)
    throw new Error(`Set ${prefix}API_TOKEN, or ${prefix}CLIENT_ID with a private key for an OAuth service app`);
  return { orgUrl, auth: { kind: 'api-token', token } };
}
