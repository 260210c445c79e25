// Sign-ins (docs/admin-api.md §7, docs/okta-behaviour.md §13.1): the emulator serves no sign-in flow, so the admin
// API injects the System Log events one would write, with the client's IP address and the app signed in to.
import { z } from 'zod';
import type { SystemLog } from './logs';
import type { OktaOrg } from './org';
import type { Reply } from './routing';
import { userTarget } from './users';

/** The sign-in event types the emulator writes (event types data; they share the `user.session`/`.authentication` stems). */
export const SIGN_IN_EVENT_TYPES = [
  'user.session.start',
  'user.authentication.sso',
  'user.authentication.auth_via_mfa',
] as const;

export const signInSchema = z
  .object({
    /** The user, by id or login: the event's actor. */
    user: z.string().min(1),
    /** `client.ipAddress` and `request.ipChain`. */
    ipAddress: z.union([z.ipv4(), z.ipv6()]),
    /** An app by id or label: a target of type AppInstance. `user.authentication.sso` needs one. */
    app: z.string().min(1).optional(),
    eventType: z.enum(SIGN_IN_EVENT_TYPES).default('user.session.start'),
    outcome: z.enum(['SUCCESS', 'FAILURE']).default('SUCCESS'),
  })
  .strict();

/** The statuses that can sign in: an ACTIVE user, and a PASSWORD_EXPIRED one by changing the password (§6). */
const CAN_SIGN_IN = new Set(['ACTIVE', 'PASSWORD_EXPIRED']);

const bad = (reason: string): Reply => ({ status: 400, body: { error: reason } });

/** Appends the sign-in's event and answers it; 400 when Okta would not log such a sign-in. */
export function injectSignIn(org: OktaOrg, log: SystemLog, body: unknown): Reply {
  const parsed = signInSchema.safeParse(body);
  if (!parsed.success)
    return bad(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  const { user: ref, ipAddress, app: appRef, eventType, outcome } = parsed.data;
  const user = org.findUser(ref);
  if (!user) return bad(`no user ${ref}`);
  const app = appRef
    ? (org.apps.get(appRef) ?? [...org.apps.values()].find((candidate) => candidate.label === appRef))
    : undefined;
  if (appRef && !app) return bad(`no app ${appRef}`);
  if (eventType === 'user.authentication.sso' && !app) return bad('user.authentication.sso needs an app');
  // A successful sign-in needs an account that can sign in, and an SSO one an app the user is assigned.
  if (outcome === 'SUCCESS' && !CAN_SIGN_IN.has(user.status))
    return bad(`user ${user.id} is ${user.status}: Okta logs no successful sign-in for it`);
  if (outcome === 'SUCCESS' && app && eventType === 'user.authentication.sso' && !org.appScope(user, app.id))
    return bad(`user ${user.id} is not assigned app ${app.id}`);
  const actor = userTarget(user);
  const event = log.append(
    eventType,
    { id: actor.id, type: 'User', alternateId: actor.alternateId, displayName: actor.displayName },
    app ? [{ id: app.id, type: 'AppInstance', alternateId: app.label, displayName: app.label }] : [],
    eventType === 'user.session.start' ? '/idp/idx/identify' : `/app/${app?.name ?? 'app'}/sso`,
    undefined,
    {
      ipAddress,
      outcome: outcome === 'SUCCESS' ? { result: 'SUCCESS' } : { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
    },
  );
  return { status: 200, body: event };
}
