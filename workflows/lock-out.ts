// Which starting statuses the lock phase deactivates at once. Okta suspends only an ACTIVE user; a
// LOCKED_OUT user is unlocked by the lockout timer or a self-service unlock, a PASSWORD_EXPIRED one signs
// in by changing the password (and could enroll a fresh factor after the reset), a RECOVERY one holds a
// reset link, a PROVISIONED one an activation link, and a STAGED one can be activated. Waiting for the
// deactivating phase would leave them able to sign in for as long as the revocations take under rate
// limits (hours in a layoff). So, for these statuses, the lock phase reads first what deactivation
// destroys (app assignments with their app-user profiles, factors, devices: the snapshot's part that
// rehire and the audit need), resets the factors while Okta still lists them, and deactivates: every
// sign-in path is closed before the lock phase ends (docs/architecture.md section 3).
import { patched } from '@temporalio/workflow';

/** Runs that started before it deactivate these statuses in the deactivating phase, as they did. */
export const LOCK_CLOSES_EVERY_SIGN_IN = 'lock-closes-every-sign-in';

const CANNOT_BE_SUSPENDED = new Set(['LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY', 'PROVISIONED', 'STAGED']);

/** Whether the lock phase deactivates a user found in `status` (after the revocations of sessions, grants and tokens). */
export function deactivatesInLock(status: string): boolean {
  return CANNOT_BE_SUSPENDED.has(status) && patched(LOCK_CLOSES_EVERY_SIGN_IN);
}
