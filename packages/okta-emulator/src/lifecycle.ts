// User lifecycle transitions (docs/okta-behaviour.md §6) and clearing a user's sessions (§7).
import { randomBytes } from 'node:crypto';
import { notFound, oktaError } from './errors';
import type { UserRec } from './org';
import { boolParam, type Ctx, type Reply, type Router } from './routing';
import { requireUser, requireVisibleUser, userTarget } from './users';

/** How long a `Prefer: respond-async` deactivation stays in `transitioningToStatus` (real ms). */
export const ASYNC_DEACTIVATION_MS = 300;

function setStatus(user: UserRec, status: UserRec['status']): void {
  const t = new Date().toISOString();
  user.status = status;
  user.statusChanged = t;
  user.lastUpdated = t;
}

function activationReply(ctx: Ctx, sendEmailDefault: boolean): Reply {
  if (boolParam(ctx, 'sendEmail', sendEmailDefault)) return { status: 200, body: {} };
  const token = randomBytes(15).toString('base64url');
  return { status: 200, body: { activationToken: token, activationUrl: `${ctx.baseUrl}/welcome/${token}` } };
}

/**
 * Activation is asynchronous (`activateUser`): the answer comes at once, the user keeps their status with
 * `transitioningToStatus: "ACTIVE"` until it completes. A second activate meanwhile is 409 E0000112, the error
 * Okta gives for changing a user who is still being activated (emulator choice of pairing, docs/okta-behaviour.md §6.1).
 */
function activate(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  if (user.transitioningToStatus === 'ACTIVE') throw oktaError('E0000112');
  if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') throw oktaError('E0000016');
  const complete = (): void => {
    delete user.transitioningToStatus;
    setStatus(user, user.hasPassword ? 'ACTIVE' : 'PROVISIONED');
    user.activated = user.statusChanged;
    ctx.record('user.lifecycle.activate', [userTarget(user)]);
  };
  if (ctx.activationDelayRealMs <= 0) {
    complete();
  } else {
    user.transitioningToStatus = 'ACTIVE';
    user.lastUpdated = new Date().toISOString();
    const { org } = ctx;
    ctx.later(ctx.activationDelayRealMs, () => {
      if (org.users.get(user.id) === user && user.transitioningToStatus === 'ACTIVE') complete();
    });
  }
  return activationReply(ctx, true);
}

function reactivate(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  if (user.status !== 'PROVISIONED' && user.status !== 'RECOVERY') throw oktaError('E0000038');
  setStatus(user, 'PROVISIONED');
  ctx.record('user.lifecycle.reactivate', [userTarget(user)]);
  return activationReply(ctx, false);
}

function suspend(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  if (user.status !== 'ACTIVE')
    throw oktaError('E0000001', 'status', [`status: Cannot suspend a user that is not active (status ${user.status})`]);
  setStatus(user, 'SUSPENDED');
  // Suspending also clears the user's sessions.
  user.sessions = 0;
  ctx.record('user.lifecycle.suspend', [userTarget(user)]);
  return { status: 200 };
}

function unsuspend(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  if (user.status !== 'SUSPENDED')
    throw oktaError('E0000001', 'status', [
      `status: Cannot unsuspend a user that is not suspended (status ${user.status})`,
    ]);
  setStatus(user, 'ACTIVE');
  ctx.record('user.lifecycle.unsuspend', [userTarget(user)]);
  return { status: 200 };
}

function unlock(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  if (user.status !== 'LOCKED_OUT' && user.status !== 'ACTIVE') throw oktaError('E0000032');
  if (user.status === 'LOCKED_OUT') setStatus(user, 'ACTIVE');
  ctx.record('user.account.unlock', [userTarget(user)]);
  return { status: 200 };
}

function deactivate(ctx: Ctx): Reply {
  const user = requireUser(ctx);
  // Deactivating a deactivated user answers 404 like the report in okta/okta-sdk-java#721 (docs/okta-behaviour.md §6).
  if (user.status === 'DEPROVISIONED') throw notFound(ctx.params['userId'] ?? user.id, 'User');
  if (user.transitioningToStatus === 'DEPROVISIONED') return { status: 200 };
  const prefer = String(ctx.headers['prefer'] ?? '').toLowerCase();
  if (prefer.includes('respond-async')) {
    user.transitioningToStatus = 'DEPROVISIONED';
    const { org } = ctx;
    ctx.later(ASYNC_DEACTIVATION_MS, () => {
      if (org.users.get(user.id) !== user || user.transitioningToStatus !== 'DEPROVISIONED') return;
      org.deactivate(user);
      ctx.record('user.lifecycle.deactivate', [userTarget(user)]);
    });
    return { status: 200 };
  }
  ctx.org.deactivate(user);
  ctx.record('user.lifecycle.deactivate', [userTarget(user)]);
  return { status: 200 };
}

/** `oauthTokens=true` also revokes the user's refresh tokens; `forgetDevices` has no state here. */
function revokeUserSessions(ctx: Ctx): Reply {
  const user = requireVisibleUser(ctx);
  user.sessions = 0;
  if (boolParam(ctx, 'oauthTokens', false)) user.refreshTokens = [];
  ctx.record('user.session.clear', [userTarget(user)]);
  return { status: 204 };
}

export function registerLifecycleRoutes(router: Router): void {
  const base = '/api/v1/users/:userId/lifecycle';
  router
    .add('POST', `${base}/activate`, 'okta.users.manage', activate)
    .add('POST', `${base}/reactivate`, 'okta.users.manage', reactivate)
    .add('POST', `${base}/suspend`, 'okta.users.manage', suspend)
    .add('POST', `${base}/unsuspend`, 'okta.users.manage', unsuspend)
    .add('POST', `${base}/unlock`, 'okta.users.manage', unlock)
    .add('POST', `${base}/deactivate`, 'okta.users.manage', deactivate)
    .add('DELETE', '/api/v1/users/:userId/sessions', 'okta.users.manage', revokeUserSessions);
}
