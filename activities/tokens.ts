// How long access tokens issued before the lock stay usable. Okta's revocations (revokeUserSessions with
// oauthTokens, revokeUserGrants) stop Okta from accepting or refreshing them, but a JWT access token is checked by
// resource servers that validate it locally against the signing keys: to them it stays valid until it expires.
// Its lifetime is set by the access policy rule that issued it (`actions.token.accessTokenLifetimeMinutes`,
// schema TokenAuthorizationServerPolicyRuleAction: 5 minutes to one day) on custom authorization servers; the
// org authorization server's access tokens last a fixed hour (Okta support, "Lifetime of the Okta Minted JSON
// Web Tokens (JWT)"). A token inline hook can change a lifetime per token: the report names the policies' figure.
import type { Client } from '@okta/okta-sdk-nodejs';
import { callOkta, missingRight, oktaStatus, readAll } from '../okta/errors';
import { sharedRead } from './shared-read';

/** The org authorization server's fixed access-token lifetime, and the longest any rule may set. */
export const ORG_AUTHORIZATION_SERVER_MINUTES = 60;
export const LONGEST_ALLOWED_MINUTES = 24 * 60;

export interface AccessTokenLifetime {
  /** The longest access-token lifetime an active rule grants, or the org authorization server's hour. */
  longestMinutes: number;
  /** The rule (ids only) or `the org authorization server`; when unread, why. */
  source: string;
  /** False when Okta refused to show the policies: `longestMinutes` is then the one-day maximum Okta allows. */
  read: boolean;
}

/** The policies change rarely and every run asks: one read serves the worker for this long. */
const CACHE_MS = 10 * 60_000;

export function createTokenActivities(okta: Client) {
  async function readLongest(): Promise<AccessTokenLifetime> {
    let longest: AccessTokenLifetime = {
      longestMinutes: ORG_AUTHORIZATION_SERVER_MINUTES,
      source: 'the org authorization server',
      read: true,
    };
    try {
      const api = okta.authorizationServerApi;
      const servers = await readAll(await api.listAuthorizationServers());
      for (const server of servers.filter((s) => s.status === 'ACTIVE')) {
        const authServerId = String(server.id);
        const policies = await readAll(await api.listAuthorizationServerPolicies({ authServerId }));
        for (const policy of policies.filter((p) => p.status === 'ACTIVE')) {
          const policyId = String(policy.id);
          const rules = await readAll(await api.listAuthorizationServerPolicyRules({ authServerId, policyId }));
          for (const rule of rules.filter((r) => r.status === 'ACTIVE')) {
            const minutes = rule.actions?.token?.accessTokenLifetimeMinutes ?? 0;
            if (minutes > longest.longestMinutes)
              longest = {
                longestMinutes: minutes,
                source: `authorization server ${authServerId}, policy ${policyId}, rule ${String(rule.id)}`,
                read: true,
              };
          }
        }
      }
      return longest;
    } catch (error) {
      // No API Access Management, or a credential without okta.authorizationServers.read: say so, assume the worst.
      if (oktaStatus(error) !== 403) throw error;
      return {
        longestMinutes: LONGEST_ALLOWED_MINUTES,
        source: `not read (Okta refused: ${missingRight(error)}); one day is the longest Okta allows`,
        read: false,
      };
    }
  }

  const lifetime = sharedRead(CACHE_MS, () => callOkta('readAccessTokenLifetime', readLongest));
  return {
    /** A read only; a failed read is not cached, so the next run (or retry) asks again. */
    async readAccessTokenLifetime(): Promise<AccessTokenLifetime> {
      return lifetime();
    },
  };
}
