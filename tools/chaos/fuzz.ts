// Scenario 5: a property-based fuzzer (fast-check) for the signed intake. It sends malformed,
// unsigned, stale, future-dated, tampered, wrong-secret, replayed, oversized and type-confused
// requests to every authenticated route. Property: the answer is a 4xx with a JSON error, except
// the exact replay of a valid start inside the window, which is answered with the existing run.
// The caller checks the rest: the server is still up, its memory is bounded, and no run started.
import fc from 'fast-check';
import { signV2 } from '../../client/intake/signature';
import type { IntakeCall } from './load';

export interface FuzzOptions {
  call: IntakeCall;
  secret: string;
  /** A real person whose run the valid start below created. */
  knownUserId: string;
  /** The valid start already sent once, replayed byte for byte: expect 202 with `runId`. */
  validStart: { body: string; header: string; runId: string; t: number };
  numRuns: number;
  bodyLimit: number;
  seed?: number;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  violations: string[];
  seed: number;
  durationMs: number;
}

const ROUTES = ['start', 'cancel', 'rehire', 'wipe-now', 'expedite', 'reschedule', 'status'] as const;
type Route = (typeof ROUTES)[number];

const JSON_TYPE = 'application/json';
const sign = (secret: string, t: number, method: string, path: string, body: string, contentType = JSON_TYPE): string =>
  signV2(secret, t, { method, pathWithQuery: path, contentType, rawBody: body });
const nowS = (): number => Math.floor(Date.now() / 1000);

const printable = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc
    .array(fc.integer({ min: 0x20, max: 0x7e }), { minLength, maxLength })
    .map((codes) => String.fromCharCode(...codes));
const anyText = (maxLength: number): fc.Arbitrary<string> => fc.string({ maxLength, unit: 'binary' });

/** Users nobody has: unknown Okta-shaped ids, logins, garbage, traversal. */
const unknownUser = fc.oneof(
  fc.stringMatching(/^00u[A-Za-z0-9]{17}$/),
  fc.emailAddress(),
  printable(40, 1).filter((text) => text.trim().length > 0),
  fc.constantFrom('..%2F..%2Fadmin', '%00', 'null', 'undefined', '-1', '0'.repeat(300), '%F0%9F%92%A5'),
);

/** A JSON value of the wrong type for a string field. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Bodies that can never start or steer anything: the user is of the wrong type or unknown, or the fields are confused. */
const confusedBody = (route: Route): fc.Arbitrary<unknown> => {
  if (route === 'start') {
    return fc.oneof(
      fc.record(
        {
          user: fc.oneof(wrongType, unknownUser),
          eventId: fc.oneof(
            wrongType,
            fc.constant(''),
            fc.string({ minLength: 300, maxLength: 400 }),
            fc.string({ maxLength: 20 }),
          ),
          effectiveAt: fc.oneof(wrongType, anyText(30), fc.constantFrom('2026-13-45', 'tomorrow', '1e309', '')),
          deviceWipeDelay: fc.oneof(wrongType, anyText(10), fc.constantFrom('-1h', '99999999d', 'forever')),
          reason: fc.oneof(wrongType, fc.string({ maxLength: 50 })),
          source: fc.oneof(wrongType, fc.string({ maxLength: 20 })),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ['user'] },
      ),
      fc
        .jsonValue({ maxDepth: 3 })
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)),
    );
  }
  return fc.oneof(
    fc.record(
      {
        reason: fc.oneof(wrongType, fc.string({ maxLength: 50 })),
        effectiveAt: fc.oneof(wrongType, anyText(30)),
        extra: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue({ maxDepth: 3 }),
  );
};

interface FuzzRequest {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  body: string;
  headers: Record<string, string>;
  /** Send the same request twice: the second must be refused as a replay (steering routes). */
  twice?: boolean;
  replayOfValidStart?: boolean;
}

function pathOf(route: Route, user: string): { method: 'GET' | 'POST'; path: string } {
  if (route === 'start') return { method: 'POST', path: '/v1/offboardings' };
  if (route === 'status') return { method: 'GET', path: `/v1/offboardings/${encodeURIComponent(user)}` };
  return { method: 'POST', path: `/v1/offboardings/${encodeURIComponent(user)}/${route}` };
}

function requestArbitrary(options: FuzzOptions): fc.Arbitrary<FuzzRequest> {
  const { secret, knownUserId, bodyLimit } = options;
  const json = { 'content-type': 'application/json' };
  /** A body for the route, and the path's user; a signed request only ever names an unknown user. */
  const target = (signedValidly: boolean) =>
    fc
      .tuple(fc.constantFrom(...ROUTES), signedValidly ? unknownUser : fc.oneof(fc.constant(knownUserId), unknownUser))
      .chain(([route, user]) =>
        confusedBody(route).map((body) => ({
          route,
          user,
          ...pathOf(route, user),
          body: body === undefined ? '' : JSON.stringify(body),
        })),
      );
  const validHeader = (method: string, path: string, body: string, t = nowS(), contentType = JSON_TYPE) =>
    `t=${t},v2=${sign(secret, t, method, path, body, contentType)}`;

  const unsigned = target(false).map((r): FuzzRequest => ({
    kind: 'unsigned',
    method: r.method,
    path: r.path,
    body: r.body,
    headers: json,
  }));
  const garbage = fc.tuple(target(false), printable(200)).map(([r, header]): FuzzRequest => ({
    kind: 'garbage signature',
    method: r.method,
    path: r.path,
    body: r.body,
    headers: { ...json, 'offboard-signature': header },
  }));
  const wrongSecret = fc.tuple(target(false), printable(40, 16)).map(([r, other]): FuzzRequest => ({
    kind: 'wrong secret',
    method: r.method,
    path: r.path,
    body: r.body,
    headers: {
      ...json,
      'offboard-signature': `t=${nowS()},v2=${sign(other === secret ? `${other}x` : other, nowS(), r.method, r.path, r.body)}`,
    },
  }));
  const stale = fc
    .tuple(target(false), fc.integer({ min: 301, max: 10_000_000 }), fc.boolean())
    .map(([r, skew, future]): FuzzRequest => ({
      kind: future ? 'future-dated' : 'stale',
      method: r.method,
      path: r.path,
      body: r.body,
      headers: {
        ...json,
        'offboard-signature': validHeader(r.method, r.path, r.body, nowS() + (future ? skew : -skew)),
      },
    }));
  const tampered = fc
    .tuple(target(false), fc.string({ minLength: 1, maxLength: 10 }))
    .map(([r, extra]): FuzzRequest => ({
      kind: 'tampered body',
      method: r.method,
      path: r.path,
      body: `${r.body}${extra}`,
      headers: { ...json, 'offboard-signature': validHeader(r.method, r.path, r.body) },
    }));
  const otherPath = target(false).map((r): FuzzRequest => ({
    kind: 'signed for another route',
    method: r.method,
    path: r.path,
    body: r.body,
    headers: { ...json, 'offboard-signature': validHeader(r.method, `${r.path}/other`, r.body) },
  }));
  const malformed = fc
    .tuple(fc.constantFrom(...ROUTES), unknownUser, anyText(200))
    .filter(([, , text]) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    })
    .map(([route, user, text]): FuzzRequest => {
      const { method, path } = pathOf(route, user);
      return {
        kind: 'malformed JSON (signed)',
        method: method === 'GET' ? 'POST' : method,
        path,
        body: text,
        headers: { ...json, 'offboard-signature': validHeader(method === 'GET' ? 'POST' : method, path, text) },
      };
    });
  const confused = target(true).map((r): FuzzRequest => ({
    kind: 'type-confused (signed)',
    method: r.method,
    path: r.path,
    body: r.method === 'GET' ? '' : r.body,
    headers: { ...json, 'offboard-signature': validHeader(r.method, r.path, r.method === 'GET' ? '' : r.body) },
  }));
  const oversized = fc
    .tuple(
      fc.constantFrom(...ROUTES.filter((route) => route !== 'status')),
      fc.integer({ min: 1, max: bodyLimit }),
      fc.boolean(),
    )
    .map(([route, over, signed]): FuzzRequest => {
      const { method, path } = pathOf(route, knownUserId);
      const body = JSON.stringify({ user: knownUserId, eventId: 'x', reason: 'x'.repeat(bodyLimit + over) });
      return {
        kind: 'oversized',
        method,
        path,
        body,
        headers: { ...json, ...(signed ? { 'offboard-signature': validHeader(method, path, body) } : {}) },
      };
    });
  const wrongContentType = fc
    .tuple(
      target(true),
      fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
      ),
    )
    .map(([r, type]): FuzzRequest => ({
      kind: 'wrong content type',
      method: 'POST',
      path: r.path,
      body: r.body || 'x',
      headers: {
        'content-type': type,
        'offboard-signature': validHeader('POST', r.path, r.body || 'x', nowS(), type),
      },
    }));
  const replayedSteering = fc
    .tuple(
      fc.constantFrom('cancel', 'rehire', 'wipe-now', 'expedite') as fc.Arbitrary<Route>,
      fc.stringMatching(/^00u[A-Za-z0-9]{17}$/),
    )
    .map(([route, user]): FuzzRequest => {
      const { path } = pathOf(route, user);
      return {
        kind: 'replayed steering signature',
        method: 'POST',
        path,
        body: '{}',
        headers: { ...json, 'offboard-signature': validHeader('POST', path, '{}') },
        twice: true,
      };
    });
  const replayedStart = fc.constant(null).map((): FuzzRequest => ({
    kind: 'replayed valid start',
    method: 'POST',
    path: '/v1/offboardings',
    body: options.validStart.body,
    headers: { ...json, 'offboard-signature': options.validStart.header },
    replayOfValidStart: true,
  }));
  return fc.oneof(
    unsigned,
    garbage,
    wrongSecret,
    stale,
    tampered,
    otherPath,
    malformed,
    confused,
    oversized,
    wrongContentType,
    replayedSteering,
    replayedStart,
  );
}

/** Sends `numRuns` generated requests (some twice) and reports every answer that broke the property. */
export async function fuzzIntake(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const report: FuzzReport = { requests: 0, byStatus: {}, byKind: {}, violations: [], seed, durationMs: 0 };
  const send = async (request: FuzzRequest): Promise<{ status: number; body: string }> => {
    report.requests += 1;
    report.byKind[request.kind] = (report.byKind[request.kind] ?? 0) + 1;
    const response = await options.call({
      method: request.method,
      path: request.path,
      body: request.method === 'GET' ? '' : request.body,
      headers: request.headers,
    });
    report.byStatus[response.status] = (report.byStatus[response.status] ?? 0) + 1;
    return response;
  };
  const describe = (request: FuzzRequest, status: number, body: string) =>
    `${request.kind}: ${request.method} ${request.path.slice(0, 120)} (${request.body.length} bytes) -> ${status} ${body.slice(0, 200)}`;
  const property = fc.asyncProperty(requestArbitrary(options), async (request) => {
    const first = await send(request);
    if (request.replayOfValidStart) {
      const runId = (() => {
        try {
          return (JSON.parse(first.body) as { runId?: string }).runId;
        } catch {
          return undefined;
        }
      })();
      if (nowS() - options.validStart.t > 295) {
        // Past the window the replay is stale: any 4xx is right.
        if (first.status < 400 || first.status >= 500)
          report.violations.push(
            `${describe(request, first.status, first.body)} (a replay past the window must be refused)`,
          );
        return true;
      }
      if (first.status !== 202 || runId !== options.validStart.runId)
        report.violations.push(
          `${describe(request, first.status, first.body)} (expected 202 with the existing run ${options.validStart.runId})`,
        );
      return true;
    }
    const isJsonError = (() => {
      try {
        return typeof (JSON.parse(first.body) as { error?: unknown }).error === 'string';
      } catch {
        return false;
      }
    })();
    if (first.status < 400 || first.status >= 500 || !isJsonError)
      report.violations.push(describe(request, first.status, first.body));
    if (request.twice && first.status < 500) {
      const second = await send(request);
      if (second.status !== 409 && !(second.status >= 400 && second.status < 500 && first.status === 401))
        report.violations.push(
          `${describe(request, second.status, second.body)} (a replayed steering signature must be refused with 409)`,
        );
    }
    return true;
  });
  const details = await fc.check(property, { numRuns: options.numRuns, seed, endOnFailure: true });
  if (details.failed)
    report.violations.push(`the fuzzer itself failed: ${String(details.errorInstance ?? 'unknown error')}`);
  report.durationMs = Date.now() - started;
  return report;
}
