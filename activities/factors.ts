// MFA factors: listed for the snapshot and for verification, and all reset at once. Okta lists only
// the factors the enrollment policy allows (a policy-hidden factor is absent) and answers 404 for a
// deactivated user's factors, so the list is never a proof that none are left: every run resets.
import type { Client } from '@okta/okta-sdk-nodejs';
import type { OffboardingSnapshot } from '../workflows/definitions';
import { callOkta, changeOkta, goneIsDone, readAll, type ChangeResult } from '../okta/errors';

export type FactorSummary = NonNullable<OffboardingSnapshot['factors']>[number];

export function createFactorActivities(okta: Client) {
  return {
    /** Ids, types, providers and statuses only: factor profiles hold phone numbers and emails. */
    async listFactors({ userId }: { userId: string }): Promise<FactorSummary[]> {
      const factors = await callOkta('listFactors', async () =>
        readAll(await okta.userFactorApi.listFactors({ userId })),
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
