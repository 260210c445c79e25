// MFA factors: listed for the snapshot, then all reset at once.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import { callOkta, changeOkta, goneIsDone, isNotFound, readAll, type ChangeResult } from '../okta/errors';

export type FactorSummary = OffboardingSnapshot['factors'][number];

export function createFactorActivities(okta: Client) {
  return {
    /** Ids, types, providers and statuses only: factor profiles hold phone numbers and emails. */
    async listFactors({ userId }: { userId: string }): Promise<FactorSummary[]> {
      const factors = await callOkta(
        'listFactors',
        async () => readAll(await okta.userFactorApi.listFactors({ userId })),
        (error) => (isNotFound(error) ? [] : undefined),
      );
      return factors.map((factor) => ({
        id: String(factor.id),
        factorType: String(factor.factorType),
        provider: String(factor.provider ?? ''),
        status: String(factor.status ?? ''),
      }));
    },

    async resetFactors({ userId }: { userId: string }): Promise<ChangeResult> {
      return changeOkta('resetFactors', () => okta.userApi.resetFactors({ userId }), goneIsDone('user'));
    },
  };
}
