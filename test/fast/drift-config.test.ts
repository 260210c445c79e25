// The drift watch's settings (OFFBOARD_DRIFT_*) and the bound they put on its re-verifications.
import { describe, expect, it } from 'vitest';
import { WORKFORCE_LIMITS } from '../../worker/budget';
import { DEFAULT_DRIFT, driftConfigFromEnv, reverificationsPerInterval } from '../../worker/drift-schedule';

describe('the drift watch settings', () => {
  it('default to a 30-day watch polled every 5 minutes, re-verified weekly within a tenth of a bucket, alerting', () => {
    expect(driftConfigFromEnv({})).toEqual({ watch: '30d', poll: '5m', reverify: '7d', share: 0.1, action: 'alert' });
    expect(driftConfigFromEnv({ OFFBOARD_DRIFT_WATCH: '', OFFBOARD_DRIFT_ACTION: '' })).toEqual(DEFAULT_DRIFT);
  });

  it('take the operator values, 0s turning the watch off', () => {
    expect(
      driftConfigFromEnv({
        OFFBOARD_DRIFT_WATCH: '0s',
        OFFBOARD_DRIFT_POLL: '15m',
        OFFBOARD_DRIFT_REVERIFY: '1d',
        OFFBOARD_DRIFT_SHARE: '0.25',
        OFFBOARD_DRIFT_ACTION: 'revoke',
      }),
    ).toEqual({ watch: '0s', poll: '15m', reverify: '1d', share: 0.25, action: 'revoke' });
  });

  it('refuse what they cannot use, naming the variable', () => {
    expect(() => driftConfigFromEnv({ OFFBOARD_DRIFT_POLL: '0s' })).toThrow(/OFFBOARD_DRIFT_POLL must be a duration/);
    expect(() => driftConfigFromEnv({ OFFBOARD_DRIFT_WATCH: 'a month' })).toThrow(/OFFBOARD_DRIFT_WATCH/);
    expect(() => driftConfigFromEnv({ OFFBOARD_DRIFT_SHARE: '1.5' })).toThrow(/OFFBOARD_DRIFT_SHARE must be/);
    expect(() => driftConfigFromEnv({ OFFBOARD_DRIFT_ACTION: 'delete' })).toThrow(/OFFBOARD_DRIFT_ACTION must be/);
  });
});

describe('re-verifications per watch run', () => {
  it('are the share of the tightest bucket a verification reads, over one interval: apps at Workforce limits', () => {
    // apps 100/min × 0.1 × 5 min = 50; users 600 × 0.1 × 5 = 300; users-get 2000 × 0.1 × 5 = 1000.
    expect(reverificationsPerInterval(WORKFORCE_LIMITS, '5m', 0.1)).toBe(50);
    expect(reverificationsPerInterval({ ...WORKFORCE_LIMITS, apps: 1000 }, '5m', 0.1)).toBe(300);
    expect(reverificationsPerInterval(WORKFORCE_LIMITS, '1h', 0.1)).toBe(600);
    expect(reverificationsPerInterval(WORKFORCE_LIMITS, '5m', 0)).toBe(0);
  });
});
