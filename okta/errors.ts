// The one place Okta errors become Temporal failures (docs/architecture.md section 6).
import type { StepOutcome } from '../workflows/definitions';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

interface OktaErrorShape {
  status?: number | string;
  errorCode?: string | number;
  errorSummary?: string;
  errorCauses?: Array<{ errorSummary?: string }>;
  headers?: { get(name: string): string | null };
  code?: string;
  message?: string;
}

const shape = (error: unknown): OktaErrorShape =>
  typeof error === 'object' && error !== null ? (error as OktaErrorShape) : {};

export function oktaStatus(error: unknown): number | undefined {
  const status = Number(shape(error).status);
  return Number.isFinite(status) ? status : undefined;
}

export function oktaErrorCode(error: unknown): string | undefined {
  const code = shape(error).errorCode;
  return code === undefined ? undefined : String(code);
}

export function isOktaError(error: unknown, status: number, errorCode?: string): boolean {
  return oktaStatus(error) === status && (errorCode === undefined || oktaErrorCode(error) === errorCode);
}

export const isNotFound = (error: unknown): boolean => isOktaError(error, 404);

/** Okta's generic 403 summary, which names no right. */
const GENERIC_FORBIDDEN = 'You do not have permission to perform the requested action';

/**
 * The right a 403 E0000006 says is missing: Okta's causes ("The access token is missing the scope
 * okta.groups.manage", "Only super admins can manage groups with administrative roles"), else the scope of the
 * `WWW-Authenticate` challenge an OAuth token gets, else a specific summary.
 */
export function missingRight(error: unknown): string {
  const { errorCauses, errorSummary, headers } = shape(error);
  const causes = (errorCauses ?? [])
    .map((cause) => cause.errorSummary?.trim())
    .filter((cause): cause is string => !!cause);
  if (causes.length > 0) return causes.join('; ');
  const scope = /scope="([^"]+)"/.exec(headers?.get('www-authenticate') ?? '')?.[1];
  if (scope) return `the scope ${scope}`;
  if (errorSummary && errorSummary.trim() !== GENERIC_FORBIDDEN) return errorSummary.trim();
  return 'a scope or admin role (Okta did not say which)';
}

const jitter = (baseMs: number, spreadMs: number): number => baseMs + Math.floor(Math.random() * spreadMs);

/**
 * How long a 429 asks to wait: `X-Rate-Limit-Reset` against the answer's own `Date` (as Okta's SDKs do), so a
 * worker clock that runs ahead of Okta's does not retry at once into more 429s; the worker's clock only when the
 * answer has no `Date`. A concurrency 429 (`X-Rate-Limit-Limit: 0`) carries a long estimate, so it gets a short
 * jittered pause instead.
 */
function rateLimitDelayMs(headers: OktaErrorShape['headers']): number {
  const reset = Number(headers?.get('x-rate-limit-reset'));
  if (headers?.get('x-rate-limit-limit') === '0' || !Number.isFinite(reset)) return jitter(250, 750);
  const answeredAt = Date.parse(headers?.get('date') ?? '');
  const now = Number.isFinite(answeredAt) ? answeredAt : Date.now();
  return Math.max(reset * 1000 - now, 0) + jitter(50, 450);
}

/**
 * Maps anything an Okta call threw to a Temporal failure:
 * - 429: `OktaRateLimited`, retryable after `X-Rate-Limit-Reset` (see `rateLimitDelayMs`);
 * - 5xx, non-JSON answers, connection resets and timeouts: `OktaUnavailable`, retryable with the policy's backoff;
 * - 409 E0000112 (the user is still being activated): `OktaUserActivating`, retryable with the policy's backoff;
 * - 401: `OktaUnauthorized`; 403 E0000006: `OktaForbidden`, a missing scope or admin role, named in the message
 *   and details (`missingRight`); 403 E0000046: `OktaAppHeldByGroup`, an app a group membership also grants;
 * - other 4xx: `OktaRequestRejected`. Every 4xx but 409 E0000112 is non-retryable, with Okta's error code in the
 *   failure's details.
 */
export function toTemporalFailure(error: unknown, operation: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const status = oktaStatus(error);
  const code = oktaErrorCode(error);
  const summary = shape(error).errorSummary ?? shape(error).message ?? String(error);
  const message = `${operation}: ${status !== undefined ? `Okta HTTP ${status}${code ? ` ${code}` : ''} ` : ''}${summary}`;
  if (status === 429) {
    const concurrency = shape(error).headers?.get('x-rate-limit-limit') === '0';
    return ApplicationFailure.create({
      type: 'OktaRateLimited',
      message,
      nextRetryDelay: rateLimitDelayMs(shape(error).headers),
      category: ApplicationFailureCategory.BENIGN,
      details: [{ status, code, concurrency }],
    });
  }
  if (status === undefined || status >= 500) {
    return ApplicationFailure.create({
      type: 'OktaUnavailable',
      message,
      details: [{ status, code: code ?? shape(error).code }],
    });
  }
  if (status === 409 && code === 'E0000112') {
    return ApplicationFailure.create({
      type: 'OktaUserActivating',
      message,
      category: ApplicationFailureCategory.BENIGN,
      details: [{ status, code }],
    });
  }
  if (status === 401) {
    return ApplicationFailure.create({
      type: 'OktaUnauthorized',
      message,
      nonRetryable: true,
      details: [{ status, code }],
    });
  }
  if (status === 403 && code === 'E0000006') {
    const right = missingRight(error);
    return ApplicationFailure.create({
      type: 'OktaForbidden',
      message: `${operation}: Okta HTTP 403 E0000006, missing right: ${right}`,
      nonRetryable: true,
      details: [{ status, code, missingRight: right }],
    });
  }
  if (status === 403 && code === 'E0000046') {
    const causes = (shape(error).errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
    return ApplicationFailure.create({
      type: 'OktaAppHeldByGroup',
      message: causes.length > 0 ? `${message}: ${causes.join('; ')}` : message,
      nonRetryable: true,
      details: [{ status, code }],
    });
  }
  return ApplicationFailure.create({
    type: 'OktaRequestRejected',
    message,
    nonRetryable: true,
    details: [{ status, code }],
  });
}

/** Runs one Okta call; any error leaves as a Temporal failure unless `handle` turns it into a result. */
export async function callOkta<T>(
  operation: string,
  call: () => Promise<T>,
  handle?: (error: unknown) => T | undefined,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const handled = handle?.(error);
    if (handled !== undefined) return handled;
    throw toTemporalFailure(error, operation);
  }
}

/** Reads every item of an SDK collection (the SDK follows Okta's `Link` pages). */
export async function readAll<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of collection) {
    if (item === null) break;
    items.push(item);
  }
  return items;
}

/** What a change did to one Okta object. */
export interface ChangeResult {
  outcome: StepOutcome;
  reason?: string;
}

/** Runs one Okta change: `done` when it succeeds, or what `handle` makes of a known error. */
export function changeOkta(
  operation: string,
  call: () => Promise<unknown>,
  handle?: (error: unknown) => ChangeResult | undefined,
): Promise<ChangeResult> {
  return callOkta<ChangeResult>(
    operation,
    async () => {
      await call();
      return { outcome: 'done' };
    },
    handle,
  );
}

/** 404 on a removal: the thing is already gone, which is what we wanted. */
export const goneIsDone =
  (what: string) =>
  (error: unknown): ChangeResult | undefined =>
    isNotFound(error) ? { outcome: 'not-needed', reason: `${what} already gone` } : undefined;
