// Finding the person's user in a linked org (Org2Org, docs/org2org.md). These activities run on that org's queues,
// around that org's Okta client: they are given the workforce user's id and answer this org's user ids.
import type { Client } from '@okta/okta-sdk-nodejs';
import { ApplicationFailure } from '@temporalio/common';
import { callOkta, isNotFound, readAll } from '../okta/errors';

export interface LinkedUser {
  id: string;
  /** When the answer carried it: saves the lock a read of the user. */
  status?: string;
}

type UserShape = { id?: string; status?: unknown; transitioningToStatus?: unknown };
const statusOf = (user: UserShape | undefined): string | undefined => {
  const status = user?.transitioningToStatus ?? user?.status;
  return status ? String(status) : undefined;
};

export function createIdpActivities(okta: Client) {
  return {
    /**
     * The users the Org2Org identity provider links to the workforce user: an IdP user's `externalId` is the id the
     * workforce org gave the person (the OIDC `sub`), its `id` the user's id here
     * (`listIdentityProviderApplicationUsers`, scope okta.idps.read). Okta documents `q` only as "Searches the
     * records for matching value", so the search is narrowed with it and the answer kept only where `externalId`
     * is exactly the person's; `scan` pages through every link instead. `expand=user` carries each user's status.
     */
    async findLinkedUsersByIdp({
      idpId,
      externalId,
      scan,
    }: {
      idpId: string;
      externalId: string;
      scan?: boolean;
    }): Promise<LinkedUser[]> {
      const links = await callOkta(
        'listIdentityProviderApplicationUsers',
        async () =>
          readAll(
            await okta.identityProviderApi.listIdentityProviderApplicationUsers({
              idpId,
              ...(scan ? {} : { q: externalId }),
              limit: 200,
              expand: 'user',
            }),
          ),
        (error) => {
          if (!isNotFound(error)) return undefined;
          // A wrong idpId in the orgs file: no retry can fix it, and "nobody linked" would be a false all-clear.
          throw ApplicationFailure.create({
            type: 'LinkedOrgMisconfigured',
            message: `This org has no identity provider ${idpId}: check link.idpId in OKTA_ORGS_FILE`,
            nonRetryable: true,
          });
        },
      );
      return links
        .filter((link) => link.externalId === externalId && link.id)
        .map((link) => {
          const status = statusOf(link._embedded?.['user'] as UserShape | undefined);
          return { id: String(link.id), ...(status ? { status } : {}) };
        });
    },

    /**
     * The users whose profile attribute holds the workforce user's id (`search=profile.<attribute> eq "<id>"`,
     * which Okta pages and answers for deactivated users too).
     */
    async findLinkedUsersByAttribute({
      attribute,
      value,
    }: {
      attribute: string;
      value: string;
    }): Promise<LinkedUser[]> {
      const search = `profile.${attribute} eq "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      const users = await callOkta('listUsers', async () =>
        readAll(await okta.userApi.listUsers({ search, limit: 200 })),
      );
      return users
        .filter((user) => user.id && (user.profile as Record<string, unknown> | undefined)?.[attribute] === value)
        .map((user) => {
          const status = statusOf(user as UserShape);
          return { id: String(user.id), ...(status ? { status } : {}) };
        });
    },
  };
}
