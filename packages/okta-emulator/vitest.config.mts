import { defineConfig } from 'vitest/config';

// The emulator's own suite: in-process emulators, the real Okta SDK as the client; no Temporal.
export default defineConfig({
  test: {
    name: 'okta-emulator',
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
