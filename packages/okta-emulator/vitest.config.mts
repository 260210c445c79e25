import { configDefaults, defineConfig } from 'vitest/config';

// The emulator's own suite: in-process emulators, the real Okta SDK as the client; no Temporal.
// test/contract-upstream.test.ts compares the committed contract with Okta's upstream document, so it runs only when
// OKTA_OPENAPI_SPEC points at that document.
export default defineConfig({
  test: {
    name: 'okta-emulator',
    include: ['test/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(process.env['OKTA_OPENAPI_SPEC'] ? [] : ['test/contract-upstream.test.ts']),
    ],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
