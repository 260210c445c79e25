// User reads and lifecycle transitions. Okta lifecycle calls are not idempotent: each activity
// reads the status first (packages/okta-emulator/docs/okta-behaviour.md section 6), counts "already there" as done, and re-reads
// when Okta answers 400 E0000001 because the status moved between the read and the write.
import type { Client } from '@okta/okta-sdk-nodejs';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { StepOutcome } from '../workflows/definitions';
import { callOkta, isNotFound, isOktaError, readAll, toTemporalFailure } from '../okta/errors';
import { protectedRoleReason, protectedUserReason, type OffboardingPolicy } from './policy';

export interface UserState {
  id: string;
  status: string;
  transitioningToStatus?: string;
}

export interface LifecycleResult {
  outcome: StepOutcome;
  /** Status before the call and after it. */
  from: string;
  to: string;
  reason?: string;
  /** Okta is still moving the user to `to` (an activation is asynchronous): the caller waits before changing them. */
  transitioning?: boolean;
}

const GONE = 'DELETED';
/**
 * A deactivation Okta has accepted but not finished (`transitioningToStatus: DEPROVISIONED`, e.g. one started
 * with `Prefer: respond-async` elsewhere): not DEPROVISIONED yet, so never counted as done.
 */
const DEACTIVATING = 'DEACTIVATING';

const stillDeactivating = (userId: string) =>
  ApplicationFailure.create({
    type: 'OktaUserDeactivating',
    message: `Okta is still deactivating user ${userId}: read again later`,
  });

/** The status a transition starts from: the one Okta is moving the user to, but a deactivation in progress is not done. */
const effectiveStatus = (user: UserState): string =>
  user.transitioningToStatus === 'DEPROVISIONED' ? DEACTIVATING : (user.transitioningToStatus ?? user.status);

export function createUserActivities(okta: Client, policy: OffboardingPolicy) {
  async function readUser(userId: string): Promise<UserState | undefined> {
    const user = await callOkta(
      'getUser',
      () => okta.userApi.getUser({ userId }),
      (error) => (isNotFound(error) ? null : undefined),
    );
    if (!user?.id) return undefined;
    return {
      id: user.id,
      status: String(user.status),
      transitioningToStatus: user.transitioningToStatus ? String(user.transitioningToStatus) : undefined,
    };
  }

  /** The status a transition must start from: the caller's fresh read on the first attempt, else a new read. */
  async function currentStatus(userId: string, knownStatus?: string): Promise<string> {
    if (knownStatus && Context.current().info.attempt === 1) return knownStatus;
    const user = await readUser(userId);
    return user ? effectiveStatus(user) : GONE;
  }

  /** Runs a transition; on 400 E0000001 (status moved under us) re-reads and lets `decide` judge again. */
  async function transition(
    operation: string,
    userId: string,
    from: string,
    call: () => Promise<unknown>,
    target: string,
  ): Promise<LifecycleResult> {
    try {
      await call();
      return { outcome: 'done', from, to: target };
    } catch (error) {
      if (isOktaError(error, 400, 'E0000001') || isNotFound(error)) {
        const now = await currentStatus(userId);
        if (now === target || now === GONE || (target === 'SUSPENDED' && now === 'DEPROVISIONED')) {
          return { outcome: 'not-needed', from, to: now, reason: `already ${now} when ${operation} ran` };
        }
      }
      throw toTemporalFailure(error, operation);
    }
  }

  return {
    /** checking: the user exists and is not protected. Unknown user: non-retryable `UserNotFound`. */
    async getUser({ userId }: { userId: string }): Promise<UserState & { protectedBy?: string }> {
      const user = await callOkta(
        'getUser',
        () => okta.userApi.getUser({ userId }),
        (error) => {
          if (isNotFound(error))
            throw ApplicationFailure.create({
              type: 'UserNotFound',
              message: `Okta has no user ${userId}`,
              nonRetryable: true,
            });
          return undefined;
        },
      );
      const id = String(user.id);
      return {
        id,
        status: String(user.status),
        transitioningToStatus: user.transitioningToStatus ? String(user.transitioningToStatus) : undefined,
        protectedBy: protectedUserReason(policy, { id, login: user.profile?.login }),
      };
    },

    /**
     * checking: the user's admin role assignments (`listAssignedRolesForUser`, scope okta.roles.read), so that an
     * administrator is refused by role, whether the role was assigned to the user or through a group, not only
     * by membership of an admins group. Okta hides a deactivated user's sub-resources (404): none to hold then.
     */
    async listAdminRoles({ userId }: { userId: string }): Promise<{ roles: string[]; protectedBy?: string }> {
      const roles = await callOkta(
        'listAdminRoles',
        async () => readAll(await okta.roleAssignmentApi.listAssignedRolesForUser({ userId })),
        (error) => (isNotFound(error) ? [] : undefined),
      );
      const assigned = roles.map((role) => ({ type: String(role.type), assignmentType: role.assignmentType }));
      return { roles: assigned.map((role) => role.type), protectedBy: protectedRoleReason(policy, assigned) };
    },

    /**
     * verifying: the status now, or undefined when the user no longer exists. A deactivation still in
     * progress is not DEPROVISIONED yet: it reads `<status> (deactivating)`.
     */
    async readUserStatus({ userId }: { userId: string }): Promise<string | undefined> {
      const user = await readUser(userId);
      if (!user) return undefined;
      return user.transitioningToStatus === 'DEPROVISIONED'
        ? `${user.status} (${DEACTIVATING})`
        : effectiveStatus(user);
    },

    /** locking: ACTIVE -> SUSPENDED. Okta allows suspend only from ACTIVE; every other status has its plan. */
    async suspendUser({ userId, knownStatus }: { userId: string; knownStatus?: string }): Promise<LifecycleResult> {
      const from = await currentStatus(userId, knownStatus);
      switch (from) {
        case 'ACTIVE':
          return transition('suspendUser', userId, from, () => okta.userApi.suspendUser({ userId }), 'SUSPENDED');
        case 'SUSPENDED':
        case 'DEPROVISIONED':
        case DEACTIVATING:
        case GONE:
          return { outcome: 'not-needed', from, to: from, reason: `user is already ${from}` };
        case 'STAGED':
        case 'PROVISIONED':
          return {
            outcome: 'not-needed',
            from,
            to: from,
            reason: `user is ${from}: never activated, cannot sign in; deactivation follows`,
          };
        default:
          // LOCKED_OUT, PASSWORD_EXPIRED, RECOVERY: Okta refuses suspend; unlocking first would let the
          // person in. Sessions and tokens are revoked next and the account is deactivated in this run.
          return {
            outcome: 'skipped',
            from,
            to: from,
            reason: `Okta allows suspend only from ACTIVE; user is ${from}: sessions and tokens are revoked and deactivation follows`,
          };
      }
    },

    /** deactivating: any status -> DEPROVISIONED, without mailing the admin. */
    async deactivateUser({ userId, knownStatus }: { userId: string; knownStatus?: string }): Promise<LifecycleResult> {
      const from = await currentStatus(userId, knownStatus);
      if (from === DEACTIVATING) throw stillDeactivating(userId);
      if (from === 'DEPROVISIONED' || from === GONE)
        return { outcome: 'not-needed', from, to: from, reason: `user is already ${from}` };
      return transition(
        'deactivateUser',
        userId,
        from,
        () => okta.userApi.deactivateUser({ userId, sendEmail: false }),
        'DEPROVISIONED',
      );
    },

    /** awaiting-deletion: DEPROVISIONED -> deleted (Okta's first DELETE on another status only deactivates). */
    async deleteUser({ userId }: { userId: string }): Promise<LifecycleResult> {
      let from = await currentStatus(userId);
      if (from === GONE) return { outcome: 'not-needed', from, to: GONE, reason: 'user already deleted' };
      if (from !== 'DEPROVISIONED') {
        await transition(
          'deactivateUser',
          userId,
          from,
          () => okta.userApi.deactivateUser({ userId, sendEmail: false }),
          'DEPROVISIONED',
        );
        from = 'DEPROVISIONED';
      }
      return transition('deleteUser', userId, from, () => okta.userApi.deleteUser({ userId, sendEmail: false }), GONE);
    },

    /**
     * rehire: back to `toStatus`, the status the snapshot recorded before the run (ACTIVE when absent: runs that
     * started before it). SUSPENDED -> ACTIVE by unsuspend; DEPROVISIONED by activate, which Okta finishes
     * asynchronously, to ACTIVE (a password) or PROVISIONED (none). Okta mails the person (`sendEmail=true`, so no
     * activation token comes back into history) unless they were SUSPENDED or STAGED before: then nobody is
     * mailed, and the token Okta returns is dropped here. SUSPENDED before: the workflow suspends again once the
     * activation is done (Okta has no way from DEPROVISIONED to SUSPENDED). STAGED before: Okta has no way back
     * to STAGED either; PROVISIONED without a mail is the nearest. DEPROVISIONED before: nothing to do.
     */
    async restoreUser({ userId, toStatus }: { userId: string; toStatus?: string }): Promise<LifecycleResult> {
      const from = await currentStatus(userId);
      if (toStatus === 'DEPROVISIONED')
        return { outcome: 'not-needed', from, to: from, reason: 'user was DEPROVISIONED before the run' };
      switch (from) {
        case 'SUSPENDED':
          if (toStatus === 'SUSPENDED')
            return { outcome: 'not-needed', from, to: from, reason: 'user was SUSPENDED before the run: stays so' };
          return transition('unsuspendUser', userId, from, () => okta.userApi.unsuspendUser({ userId }), 'ACTIVE');
        case 'DEPROVISIONED': {
          const sendEmail = toStatus !== 'SUSPENDED' && toStatus !== 'STAGED';
          const result = await transition(
            'activateUser',
            userId,
            from,
            async () => {
              await okta.userApi.activateUser({ userId, sendEmail });
            },
            'ACTIVE',
          );
          const now = await readUser(userId);
          return {
            ...result,
            to: now?.transitioningToStatus ?? now?.status ?? result.to,
            transitioning: now?.transitioningToStatus !== undefined,
            ...(sendEmail ? {} : { reason: 'activated without mailing the person' }),
          };
        }
        case DEACTIVATING:
          throw stillDeactivating(userId);
        case GONE:
          throw ApplicationFailure.create({
            type: 'UserNotFound',
            message: `Okta has no user ${userId}: it was deleted and cannot be restored`,
            nonRetryable: true,
          });
        default:
          return { outcome: 'not-needed', from, to: from, reason: `user is ${from}` };
      }
    },
  };
}
