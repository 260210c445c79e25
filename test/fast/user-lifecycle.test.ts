// The user lifecycle activities from every status Okta knows: what each one changes in Okta, what it
// leaves alone, and the outcome it reports. Okta's lifecycle calls are not idempotent, so each
// activity decides from the status it reads. Activities run alone (MockActivityEnvironment) against
// an in-process emulator through the real Okta SDK; no Temporal server.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Org, UserStatus } from '@okta-offboarding/okta-emulator';
import type { LifecycleResult } from '../../activities/users';
import { activityFailure, runActivity, useActivityHarness, type ActivityHarness } from '../support/activities';

let harness: ActivityHarness;
useActivityHarness((started) => (harness = started));

const STATUSES: UserStatus[] = [
  'ACTIVE',
  'SUSPENDED',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'RECOVERY',
  'PROVISIONED',
  'STAGED',
  'DEPROVISIONED',
];
const loginOf = (status: UserStatus) => `${status.toLowerCase()}@example.com`;

/** One person in each status (an Okta user that was ever active has a password). */
const everyStatus = (): Org => ({
  groups: [],
  apps: [],
  devices: [],
  users: STATUSES.map((status) => ({
    login: loginOf(status),
    status,
    profile: { firstName: status, lastName: 'Tester', email: loginOf(status) },
  })),
});

beforeEach(async () => {
  await harness.seed(everyStatus());
});

interface Case {
  from: UserStatus;
  does: string;
  outcome: LifecycleResult['outcome'];
  /** The status Okta holds afterwards; `undefined`: the user no longer exists. */
  to: UserStatus | undefined;
  /** The Okta writes made, `{id}` standing for the user's id. */
  writes: string[];
}

const USER = '/api/v1/users/{id}';

/**
 * Runs the activity on the user in `from`, then checks its result and Okta's state and request log.
 * The result's `from` is the status the activity started from, except for deleteUser, which reports
 * the DEPROVISIONED it deactivated the user to before the delete.
 */
async function expectTransition(
  activity: (input: { userId: string }) => Promise<LifecycleResult>,
  { from, outcome, to, writes }: Case,
  reportsFrom = true,
): Promise<void> {
  const userId = await harness.userId(loginOf(from));
  await harness.admin.clearRequests();

  const result = await runActivity(activity, { userId });

  expect(result).toMatchObject({ outcome, to: to ?? 'DELETED', ...(reportsFrom ? { from } : {}) });
  expect(await harness.statusOf(userId)).toBe(to);
  expect((await harness.writes()).map((write) => write.replace(userId, '{id}'))).toEqual(writes);
}

describe('suspendUser (locking): only an ACTIVE user can be suspended', () => {
  const cases: Case[] = [
    {
      from: 'ACTIVE',
      does: 'suspends an ACTIVE user',
      outcome: 'done',
      to: 'SUSPENDED',
      writes: [`POST ${USER}/lifecycle/suspend`],
    },
    { from: 'SUSPENDED', does: 'leaves a SUSPENDED user as it is', outcome: 'not-needed', to: 'SUSPENDED', writes: [] },
    ...(['LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY'] as const).map((from) => ({
      from,
      does: `skips a ${from} user without unlocking it (Okta refuses the suspend; sessions are revoked next)`,
      outcome: 'skipped' as const,
      to: from,
      writes: [],
    })),
    ...(['PROVISIONED', 'STAGED'] as const).map((from) => ({
      from,
      does: `leaves a ${from} user, who never signed in, to the deactivation`,
      outcome: 'not-needed' as const,
      to: from,
      writes: [],
    })),
    {
      from: 'DEPROVISIONED',
      does: 'leaves a DEPROVISIONED user as it is',
      outcome: 'not-needed',
      to: 'DEPROVISIONED',
      writes: [],
    },
  ];

  for (const testCase of cases) {
    it(testCase.does, async () => {
      await expectTransition(harness.activities.suspendUser, testCase);
    });
  }
});

describe('deactivateUser (deactivating): every status ends DEPROVISIONED', () => {
  const cases: Case[] = [
    ...STATUSES.filter((from) => from !== 'DEPROVISIONED').map((from) => ({
      from,
      does: `deactivates a ${from} user without mailing the admin`,
      outcome: 'done' as const,
      to: 'DEPROVISIONED' as const,
      writes: [`POST ${USER}/lifecycle/deactivate`],
    })),
    {
      from: 'DEPROVISIONED',
      does: 'leaves a DEPROVISIONED user as it is (a second deactivate would delete it)',
      outcome: 'not-needed',
      to: 'DEPROVISIONED',
      writes: [],
    },
  ];

  for (const testCase of cases) {
    it(testCase.does, async () => {
      await expectTransition(harness.activities.deactivateUser, testCase);
    });
  }

  it('sends sendEmail=false, so Okta mails no admin', async () => {
    const userId = await harness.userId(loginOf('ACTIVE'));
    await runActivity(harness.activities.deactivateUser, { userId });
    const deactivation = (await harness.admin.requests()).find((entry) => entry.path.endsWith('/lifecycle/deactivate'));
    expect(deactivation?.query).toMatch(/sendEmail=false/);
  });
});

describe('deleteUser (awaiting-deletion): Okta deletes only a DEPROVISIONED user', () => {
  const cases: Case[] = [
    {
      from: 'DEPROVISIONED',
      does: 'deletes a DEPROVISIONED user',
      outcome: 'done',
      to: undefined,
      writes: [`DELETE ${USER}`],
    },
    ...STATUSES.filter((from) => from !== 'DEPROVISIONED').map((from) => ({
      from,
      does: `deactivates a ${from} user first, then deletes it`,
      outcome: 'done' as const,
      to: undefined,
      writes: [`POST ${USER}/lifecycle/deactivate`, `DELETE ${USER}`],
    })),
  ];

  for (const testCase of cases) {
    it(testCase.does, async () => {
      await expectTransition(harness.activities.deleteUser, testCase, false);
    });
  }
});

describe('restoreUser (rehire): back to ACTIVE from what the offboarding left', () => {
  const cases: Case[] = [
    {
      from: 'SUSPENDED',
      does: 'unsuspends a SUSPENDED user',
      outcome: 'done',
      to: 'ACTIVE',
      writes: [`POST ${USER}/lifecycle/unsuspend`],
    },
    {
      from: 'DEPROVISIONED',
      does: 'activates a DEPROVISIONED user who has a password',
      outcome: 'done',
      to: 'ACTIVE',
      writes: [`POST ${USER}/lifecycle/activate`],
    },
    ...(['ACTIVE', 'LOCKED_OUT', 'PASSWORD_EXPIRED', 'RECOVERY', 'PROVISIONED', 'STAGED'] as const).map((from) => ({
      from,
      does: `leaves a ${from} user as it is`,
      outcome: 'not-needed' as const,
      to: from,
      writes: [],
    })),
  ];

  for (const testCase of cases) {
    it(testCase.does, async () => {
      await expectTransition(harness.activities.restoreUser, testCase);
    });
  }

  it('activates with sendEmail=true, so the activation token goes to the person and not into the run history', async () => {
    const userId = await harness.userId(loginOf('DEPROVISIONED'));
    const result = await runActivity(harness.activities.restoreUser, { userId });
    expect(JSON.stringify(result)).not.toMatch(/activationToken|activationUrl/);
    const activation = (await harness.admin.requests()).find((entry) => entry.path.endsWith('/lifecycle/activate'));
    expect(activation?.query).toMatch(/sendEmail=true/);
  });

  it('refuses, without retries, to restore a user who was deleted', async () => {
    const userId = await harness.userId(loginOf('DEPROVISIONED'));
    await runActivity(harness.activities.deleteUser, { userId });
    const failure = await activityFailure(runActivity(harness.activities.restoreUser, { userId }));
    expect(failure).toMatchObject({ type: 'UserNotFound', nonRetryable: true });
  });
});
