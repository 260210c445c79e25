// offboardUser, end to end: the real Temporal dev server, the project's worker layout, the real
// Okta SDK and the Okta emulator; assertions on Okta's final state and the report.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PHASES, type OffboardingReport, type Phase } from '../workflows/definitions';
import { OffboardingHarness } from './support/offboarding';
import { standardOrg } from './support/orgs';
import { recordHistory } from './support/temporal';

let harness: OffboardingHarness;

beforeAll(async () => {
  harness = await OffboardingHarness.start();
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(async () => {
  await harness.seed(standardOrg());
});

describe('a full offboarding', () => {
  it('locks, revokes, deactivates, decommissions unshared devices after the delay, verifies and reports', async () => {
    const alice = await harness.userId('alice@example.com');
    const { handle } = await harness.start({ userId: alice, deviceWipeDelay: '3s' });

    const seen: Phase[] = [];
    let done = false;
    const watching = (async () => {
      while (!done) {
        const status = await handle.query<{ phase: Phase }>('status').catch(() => undefined);
        if (status && seen.at(-1) !== status.phase) seen.push(status.phase);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const report: OffboardingReport = await handle.result();
    done = true;
    await watching;
    seen.push((await handle.query<{ phase: Phase }>('status')).phase);
    await recordHistory('full-run', handle);

    const state = await harness.admin.state();
    const user = state.users.find((candidate) => candidate.id === alice);
    const groupType = new Map(state.groups.map((group) => [group.id, group.type]));
    expect(user?.status).toBe('DEPROVISIONED');
    expect(user?.sessions ?? 0).toBe(0);
    expect(user?.grants ?? []).toEqual([]);
    expect(user?.refreshTokens ?? []).toEqual([]);
    expect(user?.factors ?? []).toEqual([]);
    expect((user?.groups ?? []).map((id) => groupType.get(id)).sort()).toEqual(['APP_GROUP', 'BUILT_IN']);
    expect((user?.apps ?? []).filter((app) => app.scope === 'USER')).toEqual([]);
    const devices = state.devices.filter((device) => device.users.includes(alice));
    expect(devices.map((device) => device.displayName)).toEqual(['Team iPad']);
    expect(state.devices.find((device) => device.displayName === 'Laptop A1')).toBeUndefined();

    expect(report.outcome).toBe('completed');
    expect(report.residue).toEqual([]);
    expect(report.snapshot?.groups).toHaveLength(4);
    expect(report.snapshot?.apps.map((app) => `${app.label}:${app.scope}`).sort()).toEqual(['GitHub:USER', 'Jira:GROUP', 'Slack:USER']);
    const groupStep = report.steps.find((step) => step.step === 'removeGroupMembership');
    expect(groupStep?.items.filter((item) => item.outcome === 'skipped').map((item) => item.reason)).toEqual([
      expect.stringContaining('BUILT_IN'),
      expect.stringContaining('APP_GROUP'),
    ]);
    const deviceStep = report.steps.find((step) => step.step === 'decommissionDevice');
    expect(deviceStep?.items.map((item) => item.outcome).sort()).toEqual(['done', 'skipped']);

    const order = (phase: Phase) => PHASES.indexOf(phase);
    expect(seen).toEqual([...seen].sort((a, b) => order(a) - order(b)));
    expect(seen).toContain('awaiting-device-wipe');
    expect(seen.at(-1)).toBe('completed');
    expect(harness.okta.takeViolations()).toEqual([]);
  });
});
