// The worker's Okta budget (worker/budget.ts): each bucket's queue rate, and the cumulative Management API limit
// that every call also counts against, held by all queues together.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET, queueRatesPerMinute, WORKFORCE_LIMITS, type OktaBudget } from '../../worker/budget';
import { workerConfigFromEnv } from '../../worker/config';
import { OKTA_BUCKETS } from '../../workflows/definitions';

const total = (rates: Record<string, number>) => Object.values(rates).reduce((sum, rate) => sum + rate, 0);

describe('queue rates', () => {
  it('at Okta’s Workforce limits, every queue gets its share of its bucket: the buckets add up to less than the cumulative limit', () => {
    const rates = queueRatesPerMinute(DEFAULT_BUDGET);

    for (const bucket of OKTA_BUCKETS) expect(rates[bucket]).toBeCloseTo(WORKFORCE_LIMITS[bucket] * 0.9);
    expect(total(rates)).toBeLessThanOrEqual(WORKFORCE_LIMITS.cumulative * 0.9);
  });

  it('when raised bucket limits add up past the cumulative limit, the queues together stay at its share, and small buckets keep their whole rate', () => {
    const raised: OktaBudget = {
      ...DEFAULT_BUDGET,
      perMinute: { ...WORKFORCE_LIMITS, 'users-get': 10_000, users: 5_000 },
    };

    const rates = queueRatesPerMinute(raised);

    expect(total(rates)).toBeCloseTo(7_000 * 0.9);
    expect(rates.apps).toBeCloseTo(90);
    expect(rates.groups).toBeCloseTo(450);
    // What is left after the small buckets is split equally between the two raised ones.
    expect(rates.users).toBeCloseTo(rates['users-get']);
    expect(rates.users).toBeLessThan(5_000 * 0.9);
  });

  it('OFFBOARD_OKTA_RATE_LIMITS sets a bucket or the cumulative limit, and refuses a bucket Okta does not have', () => {
    const env = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: '00abcdefghijklmnopqrstuvwxyz0123456789ABCD' };

    const budget = workerConfigFromEnv({ ...env, OFFBOARD_OKTA_RATE_LIMITS: 'users=1200,cumulative=12000' }).budget;

    expect(budget.perMinute).toMatchObject({ users: 1200, cumulative: 12000, 'users-get': 2000 });
    expect(() => workerConfigFromEnv({ ...env, OFFBOARD_OKTA_RATE_LIMITS: 'users-update=600' })).toThrow(
      /unknown Okta bucket "users-update"/,
    );
    expect(() => workerConfigFromEnv({ ...env, OFFBOARD_OKTA_CONCURRENCY: 'cumulative=4' })).toThrow(
      /unknown Okta bucket "cumulative"/,
    );
  });
});
