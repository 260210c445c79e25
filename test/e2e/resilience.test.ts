// What a run survives (docs/architecture.md section 6): Okta rate limits, errors and resets, a concurrent
// admin, and a worker replaced mid-run (a failure that needs an operator: test/fast/run-decisions.test.ts).
// Faults are injected through the emulator; assertions on Okta's final state and its request log.
import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestEntry } from '@okta-offboarding/okta-emulator';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { markersOf, recordHistory } from '../support/temporal';

let harness: OffboardingHarness;
let alice: string;

useHarness({ policy: TEST_POLICY }, (started) => (harness = started));
beforeEach(async () => {
  await harness.admin.clearFaults();
  await harness.seed(standardOrg());
  alice = await harness.userId('alice@example.com');
});

async function expectFullyOffboarded(userId: string): Promise<void> {
  const user = await oktaUser(harness, userId);
  expect(user.status).toBe('DEPROVISIONED');
  expect(user.sessions).toBe(0);
  expect(user.grants).toEqual([]);
  expect(user.refreshTokens).toEqual([]);
  expect(user.factors).toEqual([]);
  expect(user.oktaGroupNames).toEqual([]);
  expect(user.directApps).toEqual([]);
  expect(user.devices).toEqual(['Team iPad:ACTIVE']);
}

/** Successful writes per method and path: a replayed activity must not apply a change twice. */
function successfulWrites(requests: RequestEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of requests.filter((request) => request.method !== 'GET' && request.status < 300)) {
    const key = `${entry.method} ${entry.path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('Okta rate limits', () => {
  it('waits for X-Rate-Limit-Reset after a 429 on each kind of call, then completes', async () => {
    for (const route of [
      '/api/v1/users/*/lifecycle/*',
      '/api/v1/users/*/sessions',
      '/api/v1/groups/*/users/*',
      '/api/v1/apps',
      '/api/v1/devices/*',
    ]) {
      await harness.admin.addFault({ route, status: 429, errorCode: 'E0000047', resetAfterS: 2, count: 1 });
    }
    const { handle } = await harness.start({ userId: alice });
    expect((await handle.result()).outcome).toBe('completed');
    await expectFullyOffboarded(alice);

    const log = await harness.admin.requests();
    const limited = log.filter((entry) => entry.status === 429);
    expect(limited.length).toBe(5);
    for (const hit of limited) {
      const retry = log.find(
        (entry) => entry.method === hit.method && entry.path === hit.path && entry.status < 400 && entry.at > hit.at,
      );
      expect(retry, `${hit.method} ${hit.path} was retried`).toBeDefined();
      // X-Rate-Limit-Reset is a whole epoch second, 2 s ahead: the retry waits at least 1 s.
      expect(Date.parse(retry?.at ?? '') - Date.parse(hit.at)).toBeGreaterThanOrEqual(1000);
    }
    await recordHistory('rate-limited', handle);
  });
});

describe('Okta errors', () => {
  it('rides out 500s and connection resets on every route and ends with the right state', async () => {
    await harness.admin.addFault({
      route: '/api/v1/*',
      status: 500,
      errorCode: 'E0000009',
      probability: 0.2,
      count: 12,
    });
    await harness.admin.addFault({ route: '/api/v1/*', connectionReset: true, probability: 0.1, count: 6 });
    const { handle } = await harness.start({ userId: alice });
    expect((await handle.result()).outcome).toBe('completed');
    await expectFullyOffboarded(alice);
    // The emulator drops a fault once its count is spent, so the request log is what shows it hit.
    const injected = (await harness.admin.requests()).filter(
      (entry) => entry.status === 500 && entry.errorCode === 'E0000009',
    );
    expect(injected.length).toBeGreaterThan(0);
  });

  it('completes when someone else deactivates the user mid-run', async () => {
    await harness.admin.addFault({ route: '/api/v1/groups/*/users/*', method: 'DELETE', latencyMs: 1500 });
    const { handle } = await harness.start({ userId: alice });
    await harness.waitForStatus(handle, (status) => status.phase === 'revoking');
    await harness.okta.client().userApi.deactivateUser({ userId: alice });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    expect(report.steps.find((step) => step.step === 'deactivateUser')?.outcome).toBe('not-needed');
    await expectFullyOffboarded(alice);
  });
});

describe('a worker replaced mid-run', () => {
  // A worker under load may complete the workflow task holding a local activity's result before the code after it
  // has run; a patch decided after that await then lands in the next task, and a replay, which reads the result in
  // the first task, meets the patch before Temporal has told it of its marker (a nondeterminism error seen in CI).
  it('records the patches its start depends on before its first local activity, whatever the worker’s pace', async () => {
    const { handle } = await harness.start({ userId: alice });
    await handle.result();
    await recordHistory('guard-decided-first', handle);
    const markers = await markersOf(handle);
    const firstLocalActivity = markers.findIndex((marker) => marker.startsWith('core_local_activity'));
    expect(markers.slice(0, firstLocalActivity)).toEqual(
      expect.arrayContaining([
        'core_patch guard-decided-in-first-activation',
        'core_patch blast-radius-guard',
        'core_patch run-policy-as-local-activity',
      ]),
    );
    expect(markers[firstLocalActivity]).toBe('core_local_activity getRunPolicy');
  });

  it('resumes on a new worker and applies no change twice', async () => {
    await harness.admin.addFault({ route: '/api/v1/groups/*/users/*', method: 'DELETE', latencyMs: 1500 });
    const { handle } = await harness.start({ userId: alice });
    await harness.waitForStatus(handle, (status) => status.phase === 'revoking');
    await harness.stopWorkers();
    await harness.startWorkers();
    expect((await handle.result()).outcome).toBe('completed');
    await expectFullyOffboarded(alice);
    const lifecycle = [...successfulWrites(await harness.admin.requests())].filter(([key]) =>
      key.includes('/lifecycle/'),
    );
    expect(lifecycle.filter(([, count]) => count > 1)).toEqual([]);
  });
});
