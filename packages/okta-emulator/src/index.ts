// The emulator's public API: start one in-process, drive it through its admin API, seed it.
import { join } from 'node:path';

export {
  DEFAULT_ACTIVATION_DELAY_MS,
  startOktaEmulator,
  type OktaEmulator,
  type OktaEmulatorOptions,
  type ObservedResponse,
} from './server';
export { EmulatorAdmin } from './admin-client';
export {
  RateLimiter,
  unlimitedTable,
  workforceBucket,
  workforceTable,
  WORKFORCE_PER_MINUTE,
  type RateLimitBucketId,
} from './rate-limits';
export { demoOrg, generateSampleOrg, type SampleOrgOptions } from './sample-org';
export type * from './types';

/** The emulator's command-line entry (TypeScript: run it with `tsx` or `node --import tsx`), for supervisors that start it as a child process. */
export const EMULATOR_CLI: string = join(__dirname, 'main.ts');
