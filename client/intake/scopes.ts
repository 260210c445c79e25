// What each intake caller may do: the scopes an HMAC secret carries (by its name, from
// OFFBOARD_HMAC_SCOPES) and the fixed, narrower rights of the Okta event hook's secret.
import type { OffboardingSource } from '../../workflows/definitions';

/** One scope per intake action; `read` is the status route. */
export const INTAKE_SCOPES = ['start', 'cancel', 'reschedule', 'expedite', 'wipe-now', 'rehire', 'read'] as const;
export type IntakeScope = (typeof INTAKE_SCOPES)[number];

/** A secret whose name OFFBOARD_HMAC_SCOPES does not list: an HR system's own job, starting runs and reading them. */
const DEFAULT_HMAC_SCOPES: readonly IntakeScope[] = ['start', 'read'];

/** Scopes by secret name: the secrets of one name (old and new during a rotation) share them. */
export type HmacScopes = Readonly<Record<string, readonly IntakeScope[]>>;

/**
 * The runs an HMAC caller may reschedule or expedite: HR's own. Those scopes let an HR system move
 * its dates, never an offboarding that security (the CLI) or the Okta group started.
 */
export const HMAC_MOVABLE_SOURCES: readonly OffboardingSource[] = ['hr'];

/**
 * The event hook's secret may only start `okta-group` runs, recorded as this caller: it is accepted
 * on the hook's route alone, which offers no other action, and never as an HMAC secret (start-up
 * refuses the two being equal).
 */
export const EVENT_HOOK_CALLER = { requestedBy: 'okta-event-hook', source: 'okta-group' } as const;

function scopesOf(scopes: HmacScopes | undefined, signer: string): readonly IntakeScope[] {
  return scopes && Object.hasOwn(scopes, signer) ? scopes[signer]! : DEFAULT_HMAC_SCOPES;
}

/** Why a signer may not do `scope`, or undefined when it may. */
export function missingScope(scopes: HmacScopes | undefined, signer: string, scope: IntakeScope): string | undefined {
  const granted = scopesOf(scopes, signer);
  if (granted.includes(scope)) return undefined;
  return (
    `The secret ${signer} lacks the scope ${scope} (it has ${granted.join(', ')}); ` +
    `OFFBOARD_HMAC_SCOPES grants it, e.g. ${signer}=${[...granted, scope].join('+')}`
  );
}
