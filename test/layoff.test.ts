// A 200-person layoff on one worker under Okta's Workforce rate limits (time-scaled): a coarse
// guard that the lock phase goes first for everyone and the budget layout avoids a 429 storm.
// The precise measurement, with baselines, is the benchmark (npm run bench).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSampleOrg } from '@okta-offboarding/okta-emulator';
import { runbookFloor } from '../tools/bench/floor';
import { DEFAULT_BUDGET, WORKFORCE_LIMITS, type OktaBudget } from '../worker/budget';
import { OffboardingHarness } from './support/offboarding';

const PEOPLE = 200;
const TIME_SCALE = 2; // one Okta minute lasts 30 real seconds

let harness: OffboardingHarness;

const budget: OktaBudget = {
  ...DEFAULT_BUDGET,
  perMinute: Object.fromEntries(
    Object.entries(WORKFORCE_LIMITS).map(([bucket, limit]) => [bucket, limit * TIME_SCALE]),
  ) as OktaBudget['perMinute'],
};

beforeAll(async () => {
  harness = await OffboardingHarness.start({
    budget,
    policy: { protectedGroups: ['Super Admins'], deviceWipeDelay: '1h' },
    emulator: { rateLimits: 'workforce', timeScale: TIME_SCALE },
  });
});
afterAll(async () => {
  await harness?.close();
});

it(`locks ${PEOPLE} people out within 1.5x of the rate-limit floor, with under 1% of calls rate-limited`, async () => {
  await harness.admin.seed(generateSampleOrg({ users: PEOPLE, seed: 7 }));
  const org = await harness.admin.state();
  const table = await harness.admin.rateLimits();
  const floor = runbookFloor(org, table, 'lockout');
  const people = org.users.filter(
    (user) => !(user.groups ?? []).some((id) => org.groups.find((group) => group.id === id)?.name === 'Super Admins'),
  );
  expect(people.length).toBe(floor.users);
  await harness.admin.clearRequests();

  const startedAt = Date.now();
  const runs = await Promise.all(
    people.map((person) =>
      harness.start({ userId: person.id ?? '', correlationId: `layoff-${person.id}`, deviceWipeDelay: '1h' }),
    ),
  );
  expect(runs.every((run) => run.created)).toBe(true);

  // Locked out: suspended (when ACTIVE), sessions and tokens revoked, grants revoked.
  const lockedAt = new Map<string, number>();
  const lockCalls = (path: string) => /\/lifecycle\/suspend$|\/sessions$|\/grants$/.test(path);
  const needed = (userId: string) => (people.find((person) => person.id === userId)?.status === 'ACTIVE' ? 3 : 2);
  const deadline = Date.now() + 10 * floor.floorMs + 60_000;
  while (lockedAt.size < people.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const done = new Map<string, { count: number; last: number }>();
    for (const entry of await harness.admin.requests()) {
      if (entry.method === 'GET' || entry.status >= 300 || !entry.userId || !lockCalls(entry.path)) continue;
      const seen = done.get(entry.userId) ?? { count: 0, last: 0 };
      done.set(entry.userId, { count: seen.count + 1, last: Math.max(seen.last, Date.parse(entry.at)) });
    }
    for (const [userId, { count, last }] of done) if (count >= needed(userId)) lockedAt.set(userId, last);
  }
  expect(lockedAt.size).toBe(people.length);

  const makespanMs = Math.max(...lockedAt.values()) - startedAt;
  const calls = await harness.admin.requests();
  const limited = calls.filter((entry) => entry.rateLimited).length;
  const ratio = makespanMs / floor.floorMs;
  console.log(
    `layoff of ${PEOPLE}: last person locked after ${makespanMs} ms; lockout floor ${Math.round(floor.floorMs)} ms ` +
      `(bottleneck ${floor.bottleneck}); ratio ${ratio.toFixed(2)}; 429s ${limited}/${calls.length} (${((100 * limited) / calls.length).toFixed(2)}%)`,
  );
  expect(ratio).toBeLessThanOrEqual(1.5);
  expect(limited / calls.length).toBeLessThan(0.01);

  await Promise.all(runs.map((run) => run.handle.terminate('layoff test measured; runs not needed further')));
});
