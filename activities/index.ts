// The activity factory: every Okta side effect of the runbook, built around one Okta client.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { Client as TemporalClient } from '@temporalio/client';
import type { AuditTrail } from '../archive/trail';
import type { RunPolicy } from '../workflows/definitions';
import { createAdmissionActivities } from './admission';
import { createAppActivities } from './apps';
import { createArchiveActivities } from './archive';
import { createDeviceActivities } from './devices';
import { createDriftActivities } from './drift';
import { createFactorActivities } from './factors';
import { createGroupActivities } from './groups';
import { createIdpActivities } from './idps';
import { createNotificationActivities } from './notify';
import type { NotifySettings } from './notify-settings';
import type { OffboardingPolicy } from './policy';
import { createSessionActivities } from './sessions';
import { createSystemLogActivities } from './system-log';
import { createTemporalRunActivities } from './temporal-runs';
import { createTokenActivities } from './tokens';
import { createUserActivities } from './users';

export interface ActivityOptions {
  /** How long one listing of the org's group rules serves every run (activities/groups.ts); 0 reads per run. */
  groupRulesSharedMs?: number;
}

export function createActivities(
  okta: Client,
  policy: OffboardingPolicy,
  temporal?: TemporalClient,
  archive?: AuditTrail,
  notifications?: NotifySettings,
  options: ActivityOptions = {},
) {
  return {
    ...createUserActivities(okta, policy),
    ...createSessionActivities(okta),
    ...createFactorActivities(okta),
    ...createGroupActivities(okta, policy, options.groupRulesSharedMs),
    ...createAppActivities(okta),
    ...createDeviceActivities(okta),
    ...createTokenActivities(okta),
    ...createIdpActivities(okta),
    ...createTemporalRunActivities(temporal, archive),
    ...createAdmissionActivities(temporal),
    ...createSystemLogActivities(okta, temporal),
    ...createArchiveActivities(archive),
    ...createDriftActivities(okta, temporal, archive?.db),
    ...createNotificationActivities(okta, notifications),
    /** The worker's policy as this run will apply it (recorded in history, so a replay sees the same). */
    async getRunPolicy(): Promise<RunPolicy> {
      const { protectedUsers: _users, protectedGroups: _groups, protectedRoles: _roles, ...runPolicy } = policy;
      return runPolicy;
    },
  };
}

export type OffboardingActivities = ReturnType<typeof createActivities>;
