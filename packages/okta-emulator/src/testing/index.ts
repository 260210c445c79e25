// For integration tests: an emulator whose every /api/v1 answer is checked against Okta's OpenAPI
// contract, with real `@okta/okta-sdk-nodejs` clients for it.
export { all, failure, raw, startTestEmulator, TOKEN, type TestEmulator } from './harness';
export { validateResponse } from './openapi';
