// Replays every stored history (test/fixtures/histories, recorded from the end-to-end tests with
// RECORD_HISTORIES=1) against the current workflow code: a change that would break runs already
// waiting on a timer in production fails here. Needs no server.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from '../../worker/bundle';
import { HISTORY_FIXTURES } from '../support/temporal';

const fixtures = readdirSync(HISTORY_FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .sort();
const load = (name: string) => historyFromJSON(JSON.parse(readFileSync(join(HISTORY_FIXTURES, name), 'utf8')));
let currentCode: ReturnType<typeof bundleWorkflows> | undefined;
/** The current workflow code, bundled once for every fixture, as production bundles it. */
const currentBundle = () => (currentCode ??= bundleWorkflows());

describe('stored histories', () => {
  it('exist for the scenarios the end-to-end tests record', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining([
        'full-run.json',
        // The blast-radius guard: runs that waited in awaiting-approval, and the gate itself.
        'awaiting-approval-then-approved.json',
        'awaiting-approval-rejected.json',
        'approval-required-group.json',
        'offboarding-gate.json',
        // Safe by default: refused by admin role, a trigger not confirmed, a rehire back to SUSPENDED.
        'admin-role-refused.json',
        'trigger-not-confirmed.json',
        'rehire-suspended-stays-suspended.json',
        // A cancel in the lock, before the snapshot, then a rehire; a rehire of an open run refused (protected).
        'cancelled-in-lock-before-snapshot.json',
        'rehire-after-cancel-in-lock.json',
        'rehire-of-open-run-refused.json',
        // A direct app Okta still lists after the deactivation: unassigned by the check after it.
        'app-still-listed-after-deactivation.json',
        // Linked orgs (Org2Org): offboarded in both orgs, rehired after close, a person with no linked user.
        'linked-orgs-full-run.json',
        'linked-orgs-rehire-after-close.json',
        'linked-orgs-not-linked.json',
        // The drift watch: a watch run that started a revoke run, and that revoke run.
        'drift-watch-revoke.json',
        'drift-revoke-returned-access.json',
        // Fewer Okta calls: a run on the lean runbook (apps left to the deactivation, no device re-read).
        'fewer-calls-full-run.json',
        // The guard decided in the run's first activation, before the policy's local activity.
        'guard-decided-first.json',
        'drift-revoke-role-check-first.json',
      ]),
    );
  });

  it.each(fixtures)('%s replays deterministically on the current workflow code', async (name) => {
    await Worker.runReplayHistory({ workflowBundle: await currentBundle() }, load(name), name);
  });

  it('fail to replay on a workflow whose commands changed', async () => {
    const workflowBundle = await bundleWorkflows({
      workflowInterceptorModules: [require.resolve('../support/nondeterministic-interceptor.ts')],
    });
    await expect(Worker.runReplayHistory({ workflowBundle }, load('full-run.json'), 'full-run')).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
