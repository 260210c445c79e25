// Who a notification is about and who manages them, read from Okta by the notification activity itself, so no
// login or e-mail address ever enters workflow history. Both reads are `GET /api/v1/users/{idOrLogin}`, the
// `users-get` bucket the activity runs on; a worker keeps what it read for a few minutes, since one run's
// milestones (started, locked out, wipe scheduled) come close together.
import type { Client } from '@okta/okta-sdk-nodejs';
import { callOkta, isNotFound } from '../okta/errors';

export interface Person {
  login: string;
  displayName: string;
  /** The manager attribute's value: an Okta id or a login. */
  managerRef?: string;
}

interface OktaProfile {
  login?: string;
  email?: string;
  displayName?: string;
  firstName?: string;
  lastName?: string;
  [attribute: string]: unknown;
}

export interface PeopleLookup {
  person(userId: string, managerAttribute?: string): Promise<Person | undefined>;
  /** The manager's e-mail address; undefined when no user has that id or login, or it has no e-mail. */
  managerEmail(managerRef: string): Promise<string | undefined>;
}

export function createPeopleLookup(okta: Client, cacheMs: number): PeopleLookup {
  const cache = new Map<string, { until: number; profile: OktaProfile | null }>();

  async function profile(idOrLogin: string): Promise<OktaProfile | null> {
    const key = idOrLogin.toLowerCase();
    const cached = cache.get(key);
    if (cached && cached.until > Date.now()) return cached.profile;
    const user = await callOkta(
      'getUser',
      () => okta.userApi.getUser({ userId: idOrLogin }),
      (error) => (isNotFound(error) ? null : undefined),
    );
    const found = user?.profile ? (user.profile as OktaProfile) : null;
    for (const [entry, { until }] of cache) if (until <= Date.now()) cache.delete(entry);
    cache.set(key, { until: Date.now() + cacheMs, profile: found });
    return found;
  }

  return {
    async person(userId, managerAttribute) {
      const found = await profile(userId);
      if (!found) return undefined;
      const login = found.login ?? userId;
      const named = found.displayName || [found.firstName, found.lastName].filter(Boolean).join(' ');
      const manager = managerAttribute ? found[managerAttribute] : undefined;
      return {
        login,
        displayName: named || login,
        managerRef: typeof manager === 'string' && manager.trim() ? manager.trim() : undefined,
      };
    },
    async managerEmail(managerRef) {
      const found = await profile(managerRef);
      const email = found?.email;
      return typeof email === 'string' && email.includes('@') ? email : undefined;
    },
  };
}
