import { defineConfig } from 'vitest/config';

// One real Temporal dev server per project (test/support/global-setup.ts); each test file runs in
// its own process because the Temporal native runtime is a process singleton. The layoff test
// measures throughput against Okta's rate-limit floor, so it runs last, alone on the machine.
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/layoff.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      'packages/okta-emulator',
      { extends: true, test: { name: 'layoff', include: ['test/layoff.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
