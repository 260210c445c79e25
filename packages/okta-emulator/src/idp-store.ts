// Identity providers and the users linked to them (docs/okta-behaviour.md §20): their records, seed and state JSON.
// Kept apart from org.ts, which only holds the map and calls these; the routes are in idps.ts.
import { z } from 'zod';
import type { Org } from './types';

export const IDP_TYPES = ['OIDC', 'SAML2', 'GOOGLE', 'FACEBOOK', 'MICROSOFT', 'LINKEDIN'] as const;

/** One link: a user of this org and the IdP's own id for them (for an Org2Org OIDC IdP, the other org's user id). */
export type IdpLinkRec = { externalId: string; profile: Record<string, unknown>; created: string; lastUpdated: string };

export type IdpRec = {
  id: string;
  name: string;
  type: (typeof IDP_TYPES)[number];
  status: 'ACTIVE' | 'INACTIVE';
  /** by the linked user's id in this org */
  links: Map<string, IdpLinkRec>;
  created: string;
};

const seedSchema = z
  .array(
    z.object({
      id: z.string().min(1).optional(),
      name: z.string().min(1),
      type: z.enum(IDP_TYPES).optional(),
      status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
      users: z.array(
        z.object({
          user: z.string().min(1),
          externalId: z.string().min(1).max(512),
          profile: z.record(z.string(), z.unknown()).optional(),
        }),
      ),
    }),
  )
  .optional();

/** What seeding needs from the org being built: an id that is unique in the seed, and users by id or login. */
export type IdpSeedContext = {
  takeId(id: string | undefined, prefix: string, what: string): string;
  findUserId(idOrLogin: string): string | undefined;
  fail(reason: string): never;
};

/** Okta's IdP ids start with `0oa`, like apps (the document's examples: `0oa62bfdjnK55Z5x80h7`). */
const IDP_ID_PREFIX = '0oa';

export function seedIdentityProviders(input: unknown, context: IdpSeedContext, now: string): Map<string, IdpRec> {
  const raw =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>)['identityProviders'] : [];
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    context.fail(issue ? `identityProviders.${issue.path.join('.')}: ${issue.message}` : 'invalid identityProviders');
  }
  const idps = new Map<string, IdpRec>();
  for (const seed of parsed.data ?? []) {
    const id = context.takeId(seed.id, IDP_ID_PREFIX, 'identity provider');
    const links = new Map<string, IdpLinkRec>();
    const externalIds = new Set<string>();
    for (const link of seed.users) {
      const userId = context.findUserId(link.user);
      if (!userId) context.fail(`identity provider ${seed.name}: unknown user ${link.user}`);
      // One IdP user per Okta user, and one Okta user per IdP user: Okta links them one to one.
      if (links.has(userId)) context.fail(`identity provider ${seed.name}: user ${link.user} is linked twice`);
      if (externalIds.has(link.externalId))
        context.fail(`identity provider ${seed.name}: externalId ${link.externalId} is linked twice`);
      externalIds.add(link.externalId);
      links.set(userId, { externalId: link.externalId, profile: { ...link.profile }, created: now, lastUpdated: now });
    }
    idps.set(id, {
      id,
      name: seed.name,
      type: seed.type ?? 'OIDC',
      status: seed.status ?? 'ACTIVE',
      links,
      created: now,
    });
  }
  return idps;
}

/** The seed/state JSON of the IdPs, or nothing when the org has none. */
export function identityProvidersState(idps: Map<string, IdpRec>): Pick<Org, 'identityProviders'> {
  if (idps.size === 0) return {};
  return {
    identityProviders: [...idps.values()].map((idp) => ({
      id: idp.id,
      name: idp.name,
      type: idp.type,
      status: idp.status,
      users: [...idp.links].map(([user, link]) => ({
        user,
        externalId: link.externalId,
        ...(Object.keys(link.profile).length > 0 ? { profile: { ...link.profile } } : {}),
      })),
    })),
  };
}

/** Deleting a user deletes their links too. */
export function unlinkUser(idps: Map<string, IdpRec>, userId: string): void {
  for (const idp of idps.values()) idp.links.delete(userId);
}
