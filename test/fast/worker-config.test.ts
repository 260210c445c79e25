// The worker's environment: the retry knob an operator sets, validated before anything starts.
import { describe, expect, it } from 'vitest';
import { workerConfigFromEnv } from '../../worker/config';

const base = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: 'token' };

describe('worker configuration', () => {
  it('backs Okta retries off to 1 minute by default, and to OFFBOARD_RETRY_MAX_INTERVAL when set', () => {
    expect(workerConfigFromEnv(base).policy.retryMaximumInterval).toBe('1m');
    expect(workerConfigFromEnv({ ...base, OFFBOARD_RETRY_MAX_INTERVAL: '10s' }).policy.retryMaximumInterval).toBe(
      '10s',
    );
  });

  it('refuses a retry ceiling below the first retry or one that is not a duration', () => {
    expect(() => workerConfigFromEnv({ ...base, OFFBOARD_RETRY_MAX_INTERVAL: '0s' })).toThrow(
      /OFFBOARD_RETRY_MAX_INTERVAL must be at least the first retry's 1s/,
    );
    expect(() => workerConfigFromEnv({ ...base, OFFBOARD_RETRY_MAX_INTERVAL: 'soon' })).toThrow(
      /OFFBOARD_RETRY_MAX_INTERVAL must be a duration/,
    );
  });
});
