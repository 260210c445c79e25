// Okta's error envelope and the error codes the emulator answers with (docs/okta-behaviour.md §1).
import { randomBytes } from 'node:crypto';

export const ERROR_CODES = {
  E0000001: { status: 400, summary: 'Api validation failed: {0}' },
  E0000003: { status: 400, summary: 'The request body was not well-formed.' },
  E0000006: { status: 403, summary: 'You do not have permission to perform the requested action' },
  E0000007: { status: 404, summary: 'Not found: {0}' },
  E0000009: { status: 500, summary: 'Internal Server Error' },
  E0000011: { status: 401, summary: 'Invalid token provided' },
  E0000016: { status: 403, summary: 'Activation failed because the user is already active' },
  E0000022: { status: 405, summary: 'The endpoint does not support the provided HTTP method' },
  E0000028: { status: 400, summary: 'The request is missing a required parameter.' },
  E0000030: {
    status: 400,
    summary:
      "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.",
  },
  E0000031: { status: 400, summary: 'Invalid search criteria.' },
  E0000032: { status: 403, summary: 'Unlock is not allowed for this user.' },
  E0000038: { status: 403, summary: "This operation is not allowed in the user's current status." },
  E0000046: { status: 403, summary: 'Deactivate application for user forbidden.' },
  E0000047: { status: 429, summary: 'API call exceeded rate limit due to too many requests.' },
  E0000060: { status: 501, summary: 'Unsupported operation.' },
  E0000112: {
    status: 409,
    summary: 'Cannot update this user because they are still being activated. Please try again in a few minutes.',
  },
  E0000117: { status: 403, summary: 'Cannot assign apps or update app profiles for an inactive user.' },
  E0000152: { status: 403, summary: 'Illegal device status, cannot perform action.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Thrown by route handlers; the server turns it into the envelope. */
export class OktaError extends Error {
  constructor(
    readonly errorCode: string,
    readonly status: number,
    readonly errorSummary: string,
    readonly causes: string[] = [],
  ) {
    super(`${status} ${errorCode} ${errorSummary}`);
  }
}

export function oktaError(code: ErrorCode, detail?: string, causes: string[] = []): OktaError {
  const { status, summary } = ERROR_CODES[code];
  const text = summary.includes('{0}') ? summary.replace('{0}', detail ?? '') : summary;
  return new OktaError(code, status, text, causes);
}

export function notFound(id: string, kind: string): OktaError {
  return oktaError('E0000007', `Resource not found: ${id} (${kind})`);
}

export function invalidSearch(reason: string): OktaError {
  return oktaError('E0000031', undefined, [reason]);
}

/** The status Okta uses for a code, for faults that give only an error code. */
export function statusForCode(code: string): number | undefined {
  return (ERROR_CODES as Record<string, { status: number } | undefined>)[code]?.status;
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'E0000001',
  401: 'E0000011',
  403: 'E0000006',
  404: 'E0000007',
  405: 'E0000022',
  409: 'E0000112',
  429: 'E0000047',
  500: 'E0000009',
  501: 'E0000060',
};

export function codeForStatus(status: number): string {
  return CODE_FOR_STATUS[status] ?? 'E0000009';
}

export function summaryForCode(code: string): string {
  const known = (ERROR_CODES as Record<string, { summary: string } | undefined>)[code];
  return known ? known.summary.replace(': {0}', '').replace('{0}', '') : 'Error';
}

export function newErrorId(): string {
  return 'oae' + randomBytes(12).toString('base64url').slice(0, 19);
}

export function errorBody(err: { errorCode: string; errorSummary: string; causes?: string[] }): object {
  return {
    errorCode: err.errorCode,
    errorSummary: err.errorSummary,
    errorLink: err.errorCode,
    errorId: newErrorId(),
    errorCauses: (err.causes ?? []).map((errorSummary) => ({ errorSummary })),
  };
}
