// The one place Okta errors become Temporal failures (docs/architecture.md section 6).
import type { StepOutcome } from '../workflows/definitions';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';

interface OktaErrorShape {
  status?: number | string;
  errorCode?: string | number;
  errorSummary?: string;
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

/** Okta's words for a refused change we report as `skipped`: 403 E0000006 (group) and E0000046 (app). */
export function refusalReason(error: unknown): string | undefined {
  if (oktaStatus(error) !== 403) return undefined;
  const code = oktaErrorCode(error);
  if (code !== 'E0000006' && code !== 'E0000046') return undefined;
  return `Okta refused (${code}): ${shape(error).errorSummary ?? 'forbidden'}`;
}

const jitter = (baseMs: number, spreadMs: number): number => baseMs + Math.floor(Math.random() * spreadMs);

/**
 * Maps anything an Okta call threw to a Temporal failure:
 * - 429: retryable after `X-Rate-Limit-Reset` (a concurrency 429, `X-Rate-Limit-Limit: 0`, carries a
 *   long estimate, so it retries after a short jittered pause instead);
 * - 5xx, non-JSON answers, connection resets and timeouts: retryable with the policy's backoff;
 * - other 4xx: non-retryable, with Okta's error code in the failure type's details.
 */
export function toTemporalFailure(error: unknown, operation: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const status = oktaStatus(error);
  const code = oktaErrorCode(error);
  const summary = shape(error).errorSummary ?? shape(error).message ?? String(error);
  const message = `${operation}: ${status !== undefined ? `Okta HTTP ${status}${code ? ` ${code}` : ''} ` : ''}${summary}`;
  if (status === 429) {
    const headers = shape(error).headers;
    const limit = headers?.get('x-rate-limit-limit');
    const reset = Number(headers?.get('x-rate-limit-reset'));
    const delayMs =
      limit === '0' || !Number.isFinite(reset)
        ? jitter(250, 750)
        : Math.max(reset * 1000 - Date.now(), 0) + jitter(50, 450);
    return ApplicationFailure.create({
      type: 'OktaRateLimited',
      message,
      nextRetryDelay: delayMs,
      category: ApplicationFailureCategory.BENIGN,
      details: [{ status, code, concurrency: limit === '0' }],
    });
  }
  if (status === undefined || status >= 500) {
    return ApplicationFailure.create({
      type: 'OktaUnavailable',
      message,
      details: [{ status, code: code ?? shape(error).code }],
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
