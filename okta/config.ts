// Okta connection settings from the environment, read once at start-up by the worker, the CLI and the intake.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { OktaConfig } from './client';

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/** Okta: an SSWS API token, or an OAuth 2.0 service app (private key JWT, least-privilege scopes). */
export function oktaConfigFromEnv(env: NodeJS.ProcessEnv): OktaConfig {
  const orgUrl = z
    .string()
    .url({ message: 'OKTA_ORG_URL must be the org URL, e.g. https://acme.okta.com' })
    .parse(env.OKTA_ORG_URL);
  if (env.OKTA_CLIENT_ID) {
    const privateKey =
      env.OKTA_PRIVATE_KEY || (env.OKTA_PRIVATE_KEY_FILE ? readFileSync(env.OKTA_PRIVATE_KEY_FILE, 'utf8') : '');
    if (!privateKey) throw new Error('OKTA_CLIENT_ID needs OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE');
    const scopes = list(env.OKTA_SCOPES);
    if (scopes.length === 0) throw new Error('OKTA_CLIENT_ID needs OKTA_SCOPES (space- or comma-separated)');
    return {
      orgUrl,
      auth: {
        kind: 'service-app',
        clientId: env.OKTA_CLIENT_ID,
        privateKey,
        keyId: env.OKTA_KEY_ID || undefined,
        scopes,
      },
    };
  }
  if (!env.OKTA_API_TOKEN)
    throw new Error('Set OKTA_API_TOKEN, or OKTA_CLIENT_ID with a private key for an OAuth service app');
  return { orgUrl, auth: { kind: 'api-token', token: env.OKTA_API_TOKEN } };
}
