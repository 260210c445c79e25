// Read-only Okta lookups shared by the activities and the starters.
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { ApplicationFailure } from '@temporalio/common';
import { readAll } from './errors';

/**
 * The Okta id of a group given as an id or a name. By name: `search=profile.name eq "<name>"`, which Okta pages
 * (the `q` prefix query cannot be paged and stops at 300 groups, so a name shared as a prefix by 300 others would
 * be missed). Undefined when no group has the name; two groups of the name are refused (`OktaGroupNameAmbiguous`,
 * never retried): the caller must give the id.
 */
export async function resolveGroupId(okta: OktaClient, group: string): Promise<string | undefined> {
  if (/^00g[0-9A-Za-z]{17}$/.test(group)) return group;
  const search = `profile.name eq "${group.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const named = (await readAll(await okta.groupApi.listGroups({ search }))).filter(
    (candidate) => candidate.profile?.name === group,
  );
  if (named.length > 1) {
    throw ApplicationFailure.create({
      type: 'OktaGroupNameAmbiguous',
      message: `Okta has ${named.length} groups named ${group} (${named.map((candidate) => candidate.id).join(', ')}): give the group's id`,
      nonRetryable: true,
    });
  }
  return named[0]?.id;
}
