// Sessions, OAuth grants and refresh tokens: the access a person holds right now.
import type { Client } from '@okta/okta-sdk-nodejs';
import { callOkta, changeOkta, goneIsDone, readAll, type ChangeResult } from '../okta/errors';

export function createSessionActivities(okta: Client) {
  return {
    /** All IdP sessions, plus every OAuth/OIDC token issued to the user, plus remembered factors. */
    async revokeSessions({ userId }: { userId: string }): Promise<ChangeResult> {
      return changeOkta(
        'revokeSessions',
        () => okta.userApi.revokeUserSessions({ userId, oauthTokens: true, forgetDevices: true }),
        goneIsDone('user'),
      );
    },

    /** Consent grants outlive tokens, so they are revoked on their own. */
    async revokeGrants({ userId }: { userId: string }): Promise<ChangeResult> {
      return changeOkta('revokeGrants', () => okta.userApi.revokeUserGrants({ userId }), goneIsDone('grants'));
    },

    /** Consent grant ids (verification: none may be left). */
    async listUserGrants({ userId }: { userId: string }): Promise<string[]> {
      const grants = await callOkta('listUserGrants', async () =>
        readAll(await okta.userApi.listUserGrants({ userId })),
      );
      return grants.map((grant) => String(grant.id));
    },

    /** OAuth clients holding grants or tokens for the user. */
    async listOAuthClients({ userId }: { userId: string }): Promise<string[]> {
      const clients = await callOkta('listOAuthClients', async () =>
        readAll(await okta.userApi.listUserClients({ userId })),
      );
      return clients.map((client) => String(client.client_id));
    },

    async revokeClientTokens({ userId, clientId }: { userId: string; clientId: string }): Promise<ChangeResult> {
      return changeOkta(
        'revokeClientTokens',
        () => okta.userApi.revokeTokensForUserAndClient({ userId, clientId }),
        goneIsDone('tokens'),
      );
    },
  };
}
