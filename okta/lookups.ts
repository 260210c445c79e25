// Read-only Okta lookups shared by the activities and the starters.
import type { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { readAll } from './errors';

/** The Okta id of the offboarding group, given as an id or a name (read-only lookup by name). */
export async function resolveGroupId(okta: OktaClient, group: string): Promise<string | undefined> {
  if (/^00g[0-9A-Za-z]{17}$/.test(group)) return group;
  const candidates = await readAll(await okta.groupApi.listGroups({ q: group }));
  return candidates.find((candidate) => candidate.profile?.name === group)?.id;
}
