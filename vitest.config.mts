import { defineConfig } from 'vitest/config';

// Two tiers of the orchestrator's tests, the emulator's own suite, and the layoff:
// - fast: activities one at a time against an in-process Okta emulator (no Temporal), the wire
//   contract, the worker configuration, replay of stored histories, and workflow decisions on the
//   dev server with short timers;
// - e2e: the runbook, steering, resilience, the intake, the CLI, the poller and the event hook, end to end;
// - layoff: 200 people under Okta's rate limits, last and alone on the machine.
// The projects that list test/support/global-setup.ts share one Temporal dev server, started when a
// test first connects. Each test file runs in its own process: the Temporal native runtime is a
// process singleton.
const temporal = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/fast/**/*.test.ts'],
          globalSetup: temporal,
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      'packages/okta-emulator',
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: temporal, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'layoff', include: ['test/layoff.test.ts'], globalSetup: temporal, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
