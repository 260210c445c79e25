// The org authorization server's token endpoint for service apps (client_credentials + private_key_jwt).
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose' with { 'resolution-mode': 'import' };
import type { OktaOrg } from './org';

const TOKEN_LIFETIME_S = 3600;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type AccessToken = { clientId: string; scopes: Set<string>; expiresAt: number };

export type TokenReply = { status: number; body: Record<string, unknown> };

function oauthError(status: number, error: string, description: string): TokenReply {
  return { status, body: { error, error_description: description } };
}

export class AccessTokens {
  private readonly tokens = new Map<string, AccessToken>();

  issue(clientId: string, scopes: string[]): string {
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, { clientId, scopes: new Set(scopes), expiresAt: Date.now() + TOKEN_LIFETIME_S * 1000 });
    return token;
  }

  lookup(token: string): AccessToken | undefined {
    const found = this.tokens.get(token);
    if (!found) return undefined;
    if (found.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return found;
  }

  clear(): void {
    this.tokens.clear();
  }
}

/**
 * POST /oauth2/v1/token. The DPoP proof header is accepted and ignored: tokens are always Bearer,
 * so the SDK never enters the nonce dance.
 */
export async function issueToken(
  form: URLSearchParams,
  org: OktaOrg,
  tokens: AccessTokens,
  tokenUrl: string,
): Promise<TokenReply> {
  if (form.get('grant_type') !== 'client_credentials')
    return oauthError(
      400,
      'unsupported_grant_type',
      'The authorization grant type is not supported by the authorization server.',
    );
  if (form.get('client_assertion_type') !== ASSERTION_TYPE)
    return oauthError(401, 'invalid_client', 'client_assertion_type must be jwt-bearer.');
  const assertion = form.get('client_assertion');
  if (!assertion) return oauthError(401, 'invalid_client', 'client_assertion is required.');
  const clientId = form.get('client_id') ?? unverifiedIssuer(assertion);
  const app = clientId ? org.serviceApps.get(clientId) : undefined;
  if (!app || !clientId)
    return oauthError(401, 'invalid_client', 'The client_assertion token is not valid: unknown client.');
  try {
    // jose is ESM-only; this package is CommonJS.
    const { importJWK, jwtVerify } = await import('jose');
    const jwk = app.publicJwk as JWK;
    const alg = jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : 'RS256');
    const key = await importJWK(jwk, alg);
    await jwtVerify(assertion, key, {
      audience: tokenUrl,
      issuer: clientId,
      subject: clientId,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['exp'],
    });
  } catch (err) {
    return oauthError(401, 'invalid_client', `The client_assertion token is not valid: ${(err as Error).message}`);
  }
  const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) return oauthError(400, 'invalid_scope', 'The authorization server requires a scope.');
  const granted = requested.filter((s) => app.scopes.includes(s));
  if (granted.length === 0)
    return oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${requested.join(' ')}`);
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      access_token: tokens.issue(clientId, granted),
      scope: granted.join(' '),
    },
  };
}

function unverifiedIssuer(jwt: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
