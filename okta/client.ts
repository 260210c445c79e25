// Builds the one Okta SDK client the worker, the CLI and the intake use.
import * as okta from '@okta/okta-sdk-nodejs';

export type OktaAuth =
  | { kind: 'api-token'; token: string }
  | { kind: 'service-app'; clientId: string; privateKey: string; keyId?: string; scopes: string[] };

export interface OktaConfig {
  orgUrl: string;
  auth: OktaAuth;
}

/**
 * `cacheMiddleware: null`: the SDK's default cache returns a cached user forever, so a status
 * change made elsewhere would never be seen. `maxRetries: 0`: Temporal owns retries (429s
 * included, with the delay Okta asks for), so the SDK must not sleep inside an activity.
 */
export function createOktaClient(config: OktaConfig): okta.Client {
  const common = {
    orgUrl: config.orgUrl.replace(/\/+$/, ''),
    cacheMiddleware: null,
    requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: 0, requestTimeout: 0 }),
  };
  if (config.auth.kind === 'api-token') return new okta.Client({ ...common, token: config.auth.token });
  return new okta.Client({
    ...common,
    authorizationMode: 'PrivateKey',
    clientId: config.auth.clientId,
    privateKey: config.auth.privateKey,
    keyId: config.auth.keyId,
    scopes: config.auth.scopes,
  });
}
