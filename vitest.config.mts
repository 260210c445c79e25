import { defineConfig } from 'vitest/config';

// One real Temporal dev server for the whole run (test/support/global-setup.ts); each test
// file runs in its own process because the Temporal native runtime is a process singleton.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
