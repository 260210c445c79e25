// Activities one at a time, as the worker builds them (createActivities around a real Okta SDK client
// from okta/client.ts), run in Temporal's MockActivityEnvironment against an in-process Okta emulator.
// No Temporal server: the fast tier's activity tests.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestEmulator, TOKEN, type TestEmulator } from '@okta-offboarding/okta-emulator/testing';
import type { Org, UserStatus } from '@okta-offboarding/okta-emulator';
import { createActivities, type OffboardingActivities } from '../../activities';
import { DEFAULT_POLICY } from '../../activities/policy';
import { createOktaClient } from '../../okta/client';

export class ActivityHarness {
  readonly activities: OffboardingActivities;

  private constructor(readonly okta: TestEmulator) {
    this.activities = this.activitiesWithToken(TOKEN);
  }

  static async start(): Promise<ActivityHarness> {
    return new ActivityHarness(await startTestEmulator());
  }

  get admin() {
    return this.okta.admin;
  }

  /** The activities of a worker configured with this Okta API token. */
  activitiesWithToken(token: string): OffboardingActivities {
    return createActivities(
      createOktaClient({ orgUrl: this.okta.url, auth: { kind: 'api-token', token } }),
      DEFAULT_POLICY,
    );
  }

  async seed(org: Org): Promise<void> {
    await this.admin.reset();
    await this.admin.seed(org);
  }

  /** The Okta id of a seeded user. */
  async userId(login: string): Promise<string> {
    const user = (await this.admin.state()).users.find((candidate) => candidate.login === login);
    if (!user?.id) throw new Error(`no seeded user ${login}`);
    return user.id;
  }

  /** The status Okta reports for a user, or the one it is moving to (an activation takes a moment); `undefined` once deleted. */
  async statusOf(userId: string): Promise<UserStatus | undefined> {
    const user = await this.okta
      .client()
      .userApi.getUser({ userId })
      .catch((error: { status?: number }) => {
        if (error.status === 404) return undefined;
        throw error;
      });
    return user && (String(user.transitioningToStatus ?? user.status) as UserStatus);
  }

  /** Okta writes (anything but GET) the emulator answered with success (a dropped connection logs status 0). */
  async writes(): Promise<string[]> {
    return (await this.admin.requests())
      .filter((entry) => entry.method !== 'GET' && entry.status >= 200 && entry.status < 400)
      .map((entry) => `${entry.method} ${entry.path}`);
  }
}

// The activity framework logs every failure at WARN; here failures are what the tests assert.
const logger = new DefaultLogger('ERROR');

/** Runs one activity as a worker would, on its first attempt. */
export function runActivity<P extends unknown[], R>(activity: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return new MockActivityEnvironment({ attempt: 1 }, { logger }).run(activity, ...args);
}

/** The Temporal failure an activity ends with (it must fail). */
export async function activityFailure(running: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await running.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error, 'the activity should have failed').toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** One emulator for a test file, started before its tests; every answer it gave is checked against Okta's OpenAPI document. */
export function useActivityHarness(onStarted: (harness: ActivityHarness) => void): void {
  let harness: ActivityHarness | undefined;
  beforeAll(async () => {
    harness = await ActivityHarness.start();
    onStarted(harness);
  });
  afterAll(async () => {
    expect(harness?.okta.takeViolations()).toEqual([]);
    await harness?.okta.emulator.close();
  });
}
