// A user's MFA factors: list, unenroll one, reset all (docs/okta-behaviour.md §8).
import { notFound, oktaError } from './errors';
import type { FactorRec, UserRec } from './org';
import type { Ctx, Reply, Router } from './routing';
import { requireUser, requireVisibleUser, userTarget } from './users';

const VENDOR: Record<string, string> = {
  OKTA: 'OKTA',
  GOOGLE: 'GOOGLE',
  RSA: 'RSA',
  SYMANTEC: 'SYMANTEC',
  YUBICO: 'YUBICO',
  FIDO: 'FIDO',
};
const OKTA_VERIFY = new Set(['push', 'signed_nonce', 'token:software:totp']);

function factorProfile(f: FactorRec, user: UserRec): Record<string, unknown> {
  const suffix = f.id.slice(-4);
  switch (f.factorType) {
    case 'sms':
    case 'call':
      return { phoneNumber: `+1-555-01${suffix.charCodeAt(0) % 10}${suffix.charCodeAt(1) % 10}` };
    case 'email':
      return { email: user.profile['email'] ?? user.profile.login };
    case 'question':
      return { question: 'favorite_art_piece', questionText: 'What is your favorite piece of art?' };
    case 'push':
      return {
        credentialId: user.profile.login,
        deviceType: 'SmartPhone_IPhone',
        keys: [],
        name: 'iPhone',
        platform: 'IOS',
        version: '17.0',
      };
    case 'webauthn':
      return { credentialId: `cred-${f.id}`, authenticatorName: 'Security Key' };
    default:
      return { credentialId: user.profile.login };
  }
}

function renderFactor(f: FactorRec, user: UserRec, base: string): Record<string, unknown> {
  const self = `${base}/api/v1/users/${user.id}/factors/${f.id}`;
  return {
    id: f.id,
    factorType: f.factorType,
    provider: f.provider,
    vendorName: VENDOR[f.provider] ?? f.provider,
    status: f.status,
    created: f.created,
    lastUpdated: f.lastUpdated,
    profile: factorProfile(f, user),
    _links: {
      self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
      user: { href: `${base}/api/v1/users/${user.id}`, hints: { allow: ['GET'] } },
    },
  };
}

/**
 * Only factors whose type is REQUIRED or OPTIONAL in the highest-priority enrollment policy are listed (`listFactors`;
 * okta/okta-sdk-java#1548: a factor disabled in policy is absent from the API, shown in the Admin Console), and none
 * for a deactivated user, whose factors answer 404 (okta/okta-sdk-java#646). docs/okta-behaviour.md §8.1.
 */
function listFactors(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  const listed = user.factors.filter((f) => (ctx.org.factorPolicy[f.factorType] ?? 'OPTIONAL') !== 'NOT_ALLOWED');
  return { status: 200, body: listed.map((f) => renderFactor(f, user, ctx.baseUrl)) };
}

/** Unenrolling one Okta Verify factor (push, signed_nonce) unenrolls its siblings too. */
function unenrollFactor(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  const factorId = ctx.params['factorId'] ?? '';
  const factor = user.factors.find((f) => f.id === factorId);
  if (!factor) throw notFound(factorId, 'Factor');
  if (user.status === 'DEPROVISIONED') throw oktaError('E0000038');
  const cascade = (factor.factorType === 'push' || factor.factorType === 'signed_nonce') && factor.provider === 'OKTA';
  const removed = user.factors.filter(
    (f) => f === factor || (cascade && f.provider === 'OKTA' && OKTA_VERIFY.has(f.factorType)),
  );
  user.factors = user.factors.filter((f) => !removed.includes(f));
  for (const f of removed)
    ctx.record('user.mfa.factor.deactivate', [
      userTarget(user),
      { id: f.id, type: 'Factor', alternateId: f.factorType, displayName: f.factorType },
    ]);
  return { status: 204 };
}

function resetFactors(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  user.factors = [];
  ctx.record('user.mfa.factor.reset_all', [userTarget(user)]);
  return { status: 200 };
}

export function registerFactorRoutes(router: Router): void {
  router
    .add('GET', '/api/v1/users/:userId/factors', 'okta.users.read', listFactors)
    .add('DELETE', '/api/v1/users/:userId/factors/:factorId', 'okta.users.manage', unenrollFactor)
    .add('POST', '/api/v1/users/:userId/lifecycle/reset_factors', 'okta.users.manage', resetFactors);
}
