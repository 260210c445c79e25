// The HTTP intake against the real dev server and the Okta emulator: the signed HR webhook, the
// steering routes (signed by an HR system holding every scope; the scopes themselves are
// intake-scopes.test.ts's), health, and every bad input answered with a 4xx JSON error and no run started.
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INTAKE_SCOPES } from '../../client/intake/scopes';
import { startOnce } from '../../runs/offboardings';
import { cancelSignal, statusQuery, type OffboardingReport } from '../../workflows/definitions';
import { OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import {
  byEvent,
  byUser,
  call,
  HR_SECRET,
  listRuns,
  OLD_HR_SECRET,
  runsAfterSettling,
  testIntake,
  waitForRuns,
} from '../support/starters';

let harness: OffboardingHarness;
let intake: FastifyInstance;
let alice: string;
let bob: string;

const inAYear = (days = 0) => new Date(Date.now() + (365 + days) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const eventId = () => `evt-${Math.random().toString(36).slice(2, 10)}`;

beforeAll(async () => {
  harness = await OffboardingHarness.start();
  // workday during a rotation (two secrets, one name), with every scope.
  intake = await testIntake(harness, {
    hmacSecrets: [
      { name: 'workday', secret: HR_SECRET },
      { name: 'workday', secret: OLD_HR_SECRET },
    ],
    hmacScopes: { workday: INTAKE_SCOPES },
  });
});
afterAll(async () => {
  await intake?.close();
  await harness?.close();
});
beforeEach(async () => {
  await harness.seed(standardOrg());
  alice = await harness.userId('alice@example.com');
  bob = await harness.userId('bob@example.com');
});

const hrEvent = (body: Record<string, unknown>) => call(intake, { method: 'POST', url: '/v1/offboardings', body });
const status = (userId: string) => harness.client.workflow.getHandle(`offboard-${userId}`).query(statusQuery);

describe('POST /v1/offboardings (HR webhook)', () => {
  it('starts one run per person, mapping the HR event to the workflow input', async () => {
    const id = eventId();
    const response = await hrEvent({
      user: 'alice@example.com',
      eventId: id,
      effectiveAt: inAYear(),
      reason: 'Resigned',
    });

    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ workflowId: `offboard-${alice}`, runId: expect.any(String), created: true });
    const runs = await waitForRuns(harness.client, byUser(alice));
    expect(runs).toEqual([{ workflowId: `offboard-${alice}`, runId: response.json().runId, status: 'RUNNING' }]);
    expect(await listRuns(harness.client, byEvent(id))).toHaveLength(1);
    const description = await harness.client.workflow.getHandle(`offboard-${alice}`).describe();
    expect(description.searchAttributes).toMatchObject({ OffboardingSource: ['hr'], OffboardingEventId: [id] });
    expect((await status(alice)).phase).toBe('scheduled');
  });

  it('accepts a signature made with the second secret of a rotation, recording the secret’s name as requestedBy', async () => {
    const id = eventId();
    const response = await call(intake, {
      method: 'POST',
      url: '/v1/offboardings',
      secret: OLD_HR_SECRET,
      body: { user: alice, eventId: id, effectiveAt: inAYear(), source: 'BambooHR' },
    });
    expect(response.statusCode).toBe(202);
    await harness.client.workflow.getHandle(`offboard-${alice}`).signal(cancelSignal, { requestedBy: 'vitest' });
    const report: OffboardingReport = await harness.client.workflow.getHandle(`offboard-${alice}`).result();
    expect(report).toMatchObject({
      source: 'hr',
      requestedBy: 'workday',
      reason: `Termination event ${id} from workday (BambooHR)`,
      outcome: 'cancelled',
    });
  });

  it('lands the same event delivered three times and a racing group trigger on one run', async () => {
    const id = eventId();
    const body = { user: 'alice@example.com', eventId: id, effectiveAt: inAYear() };
    const [first, second, third, groupTrigger] = await Promise.all([
      hrEvent(body),
      hrEvent(body),
      hrEvent(body),
      startOnce(harness.client, harness.taskQueue, {
        userId: alice,
        reason: 'group',
        source: 'okta-group',
        requestedBy: 'okta-event-hook',
        correlationId: 'okta-uuid-race',
      }),
    ]);

    const answers = [first, second, third].map((response) => response.json());
    expect([first, second, third].map((response) => response.statusCode)).toEqual([202, 202, 202]);
    const runIds = new Set([...answers.map((answer) => answer.runId), groupTrigger.runId]);
    expect(runIds.size).toBe(1);
    expect([...answers.map((answer) => answer.created), groupTrigger.created].filter(Boolean)).toHaveLength(1);
    expect(await runsAfterSettling(harness.client, byUser(alice))).toHaveLength(1);
  });

  it('reschedules a scheduled run when a second event brings a new date', async () => {
    await hrEvent({ user: alice, eventId: eventId(), effectiveAt: inAYear() });
    const later = inAYear(30);
    const response = await hrEvent({ user: alice, eventId: eventId(), effectiveAt: later });

    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ created: false, rescheduledTo: new Date(later).toISOString() });
    const moved = await harness.waitForStatus(
      harness.client.workflow.getHandle(`offboard-${alice}`),
      (current) => current.nextTimer !== undefined,
    );
    expect(moved.nextTimer).toEqual({ kind: 'effective-at', firesAt: new Date(later).toISOString() });
    expect(await runsAfterSettling(harness.client, byUser(alice))).toHaveLength(1);
  });

  it('starts nothing when HR retries an event whose run was cancelled', async () => {
    const id = eventId();
    const first = (await hrEvent({ user: alice, eventId: id, effectiveAt: inAYear() })).json();
    expect(
      (await call(intake, { method: 'POST', url: `/v1/offboardings/${alice}/cancel`, body: { reason: 'rescinded' } }))
        .statusCode,
    ).toBe(200);
    await harness.client.workflow.getHandle(first.workflowId, first.runId).result();
    await waitForRuns(harness.client, `${byUser(alice)} AND ExecutionStatus = "Completed"`);

    const retry = await hrEvent({ user: alice, eventId: id, effectiveAt: inAYear() });

    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual({ workflowId: first.workflowId, runId: first.runId, created: false });
    const runs = await runsAfterSettling(harness.client, byUser(alice));
    expect(runs).toEqual([{ workflowId: first.workflowId, runId: first.runId, status: 'COMPLETED' }]);
  });

  it('takes a date-only effective date as the start of that day in OFFBOARD_TIMEZONE', async () => {
    const newYork = await testIntake(harness, { timeZone: 'America/New_York' });
    const year = new Date().getUTCFullYear() + 1;
    try {
      const response = await call(newYork, {
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: eventId(), effectiveAt: `${year}-07-01` },
      });
      expect(response.statusCode).toBe(202);
      const scheduled = await harness.waitForStatus(
        harness.client.workflow.getHandle(`offboard-${alice}`),
        (current) => current.nextTimer !== undefined,
      );
      expect(scheduled.nextTimer?.firesAt).toBe(`${year}-07-01T04:00:00.000Z`);
    } finally {
      await newYork.close();
    }
  });
});

describe('bad input gets a 4xx JSON error and starts nothing', () => {
  const longReason = 'x'.repeat(5_000);
  const cases: Array<[string, number, string, () => Parameters<typeof call>[1]]> = [
    [
      'no signature',
      401,
      'missing-signature',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: alice, eventId: 'bad-1' }, header: null }),
    ],
    [
      'a signature by an unknown secret',
      401,
      'bad-signature',
      () => ({
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: 'bad-2' },
        secret: 'not-a-configured-secret!',
      }),
    ],
    [
      'a garbled signature header',
      401,
      'bad-signature',
      () => ({
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: 'bad-3' },
        header: 'sha256=abc',
      }),
    ],
    [
      'a stale timestamp',
      401,
      'stale-signature',
      () => ({
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: 'bad-4' },
        t: Math.floor(Date.now() / 1000) - 301,
      }),
    ],
    [
      'malformed JSON',
      400,
      'malformed-json',
      () => ({ method: 'POST', url: '/v1/offboardings', rawBody: `{"user":"${alice}","eventId":"bad-5"` }),
    ],
    [
      'an unknown field',
      400,
      'invalid-request',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: alice, eventId: 'bad-6', manager: 'carol' } }),
    ],
    [
      'a wrong type',
      400,
      'invalid-request',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: alice, eventId: 7 } }),
    ],
    [
      'a missing eventId',
      400,
      'invalid-request',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: alice } }),
    ],
    [
      'a body over the size limit',
      413,
      'body-too-large',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: alice, eventId: 'bad-9', reason: longReason } }),
    ],
    [
      'an unknown user',
      404,
      'unknown-user',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: 'nobody@example.com', eventId: 'bad-10' } }),
    ],
    [
      'an invalid date',
      400,
      'invalid-date',
      () => ({
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: 'bad-11', effectiveAt: '31/12/2026' },
      }),
    ],
    [
      'a date without an offset',
      400,
      'invalid-date',
      () => ({
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: 'bad-12', effectiveAt: '2026-12-31T17:00:00' },
      }),
    ],
    [
      'an invalid duration',
      400,
      'invalid-duration',
      () => ({
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: 'bad-13', deviceWipeDelay: 'three days' },
      }),
    ],
    // The event id becomes the OffboardingEventId search attribute (plain text in Temporal) and part of the run's
    // summary and default reason: nothing that can carry an email (no `@`, no spaces, no `%`, `<>`, `()`, `&#`).
    ...(
      [
        ['an email as the event id', 'alice@example.com'],
        ['an event id with an @ inside', 'evt-2026-0042@workday'],
        ['an event id that starts with @', '@alice'],
        ['a mailto: event id', 'mailto:alice@example.com'],
        ['an email with a display name as the event id', 'Alice Example <alice@example.com>'],
        ['a percent-encoded email as the event id', 'alice%40example.com'],
        ['an email with a fullwidth at sign as the event id', 'alice\uff20example.com'],
        ['an email spelled with (at) as the event id', 'alice(at)example.com'],
        ['an email with an HTML-escaped @ as the event id', 'alice&#64;example.com'],
      ] as const
    ).map(([name, id]): (typeof cases)[number] => [
      name,
      400,
      'invalid-request',
      () => ({ method: 'POST', url: '/v1/offboardings', body: { user: alice, eventId: id, effectiveAt: inAYear() } }),
    ]),
  ];

  it.each(cases)('%s → %i', async (_name, statusCode, error, request) => {
    const response = await call(intake, request());
    expect(response.statusCode).toBe(statusCode);
    expect(response.json()).toEqual({ error, message: expect.any(String) });
    expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual([]);
    // Nothing changed in Okta either (the emulator logs every write since the seed).
    expect(await harness.mutations()).toEqual([]);
  });

  it('refuses content that is not JSON with 415', async () => {
    const response = await intake.inject({
      method: 'POST',
      url: '/v1/offboardings',
      payload: 'user=alice',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual([]);
  });

  it('answers 503 with Retry-After while Temporal is unreachable, and /healthz says so', async () => {
    const connection = Connection.lazy({
      address: '127.0.0.1:1',
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2 }))],
    });
    const unreachable = await testIntake(harness, {}, new Client({ connection }));
    try {
      const response = await call(unreachable, {
        method: 'POST',
        url: '/v1/offboardings',
        body: { user: alice, eventId: eventId() },
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('10');
      expect(response.json()).toMatchObject({ error: 'temporal-unavailable' });
      expect((await unreachable.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
        status: 'ok',
        temporal: 'unreachable',
      });
      expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual([]);
    } finally {
      await unreachable.close();
      await connection.close();
    }
  });
});

describe('steering routes', () => {
  const steer = (userId: string, action: string, body: unknown = {}) =>
    call(intake, { method: 'POST', url: `/v1/offboardings/${userId}/${action}`, body });

  it('cancels a scheduled run', async () => {
    await hrEvent({ user: alice, eventId: eventId(), effectiveAt: inAYear() });
    const response = await steer('alice@example.com', 'cancel', { reason: 'rescinded' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ workflowId: `offboard-${alice}`, runId: expect.any(String) });
    const report: OffboardingReport = await harness.client.workflow.getHandle(`offboard-${alice}`).result();
    expect(report.outcome).toBe('cancelled');
    expect(report.messages[0]).toMatchObject({ name: 'cancel', requestedBy: 'workday', reason: 'rescinded' });
  });

  it('reschedules, then expedites a scheduled run, and shows its status', async () => {
    await hrEvent({ user: alice, eventId: eventId(), effectiveAt: inAYear(), deviceWipeDelay: '1h' });
    const later = inAYear(10);
    const rescheduled = await steer(alice, 'reschedule', { effectiveAt: later });
    expect(rescheduled.statusCode).toBe(200);
    expect(rescheduled.json()).toMatchObject({ effectiveAt: new Date(later).toISOString() });

    const shown = await call(intake, { method: 'GET', url: `/v1/offboardings/${alice}` });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      runStatus: 'RUNNING',
      status: { phase: 'scheduled', nextTimer: { firesAt: new Date(later).toISOString() } },
    });

    expect((await steer(alice, 'expedite', { reason: 'security incident' })).statusCode).toBe(200);
    await harness.waitForStatus(
      harness.client.workflow.getHandle(`offboard-${alice}`),
      (current) => current.phase === 'awaiting-device-wipe',
    );

    const late = await steer(alice, 'expedite');
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ error: 'not-accepted', message: expect.stringContaining('scheduled') });
    expect((await steer(alice, 'reschedule', { effectiveAt: inAYear() })).statusCode).toBe(409);

    expect((await steer(alice, 'wipe-now', { reason: 'laptop returned' })).statusCode).toBe(200);
    const report: OffboardingReport = await harness.client.workflow.getHandle(`offboard-${alice}`).result();
    expect(report.outcome).toBe('completed');
    expect(report.messages.map((message) => message.name)).toEqual(['reschedule', 'expedite', 'wipeDevicesNow']);
  });

  it('rehires through the open run, and through rehireUser once it has closed', async () => {
    await hrEvent({ user: alice, eventId: eventId(), effectiveAt: inAYear() });
    const open = await steer(alice, 'rehire');
    expect(open.json()).toMatchObject({ workflowId: `offboard-${alice}`, via: 'signal' });
    expect((await harness.client.workflow.getHandle(`offboard-${alice}`).result()).outcome).toBe('rehired');

    // Signed with the other secret: the same call signed in the same second would be a replay (409).
    const closed = await call(intake, {
      method: 'POST',
      url: `/v1/offboardings/${alice}/rehire`,
      body: {},
      secret: OLD_HR_SECRET,
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ workflowId: `rehire-${alice}`, via: 'rehireUser' });
    await harness.client.workflow.getHandle(`rehire-${alice}`).result();
  });

  it('refuses a replayed steering signature with 409', async () => {
    await hrEvent({ user: alice, eventId: eventId(), effectiveAt: inAYear() });
    const t = Math.floor(Date.now() / 1000);
    const request = { method: 'GET' as const, url: `/v1/offboardings/${alice}`, t };
    expect((await call(intake, request)).statusCode).toBe(200);
    const replay = await call(intake, request);
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({ error: 'replayed-signature' });
  });

  it.each(['cancel', 'rehire', 'wipe-now', 'expedite'])(
    'answers 404 for %s of a person with no run, and starts nothing',
    async (action) => {
      const response = await steer(bob, action);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: 'no-run' });
      expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual([]);
    },
  );

  it('answers 404 for an unknown user and 400 for an invalid reschedule date', async () => {
    expect((await steer('nobody@example.com', 'cancel')).json()).toMatchObject({ error: 'unknown-user' });
    const bad = await steer(bob, 'reschedule', { effectiveAt: 'next friday' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid-date' });
    expect((await steer(bob, 'cancel', { reason: 'x', extra: true })).statusCode).toBe(400);
    expect(await runsAfterSettling(harness.client, byUser(bob))).toEqual([]);
  });
});

describe('GET /healthz', () => {
  it('reports Temporal reachable, without a signature', async () => {
    const response = await intake.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', temporal: 'reachable' });
  });
});

describe('the OpenAPI document', () => {
  /** Every route fastify serves, read from its route tree (`printRoutes`). */
  function servedRoutes(app: FastifyInstance): string[] {
    const routes: string[] = [];
    const prefixes: string[] = [];
    for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
      const match = /^((?:[│ ] {3})*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
      if (!match) continue;
      const depth = match[1]!.length / 4;
      prefixes.length = depth;
      const path = `${prefixes.join('')}${match[2]}`;
      prefixes.push(match[2]!);
      for (const method of (match[3] ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean))
        routes.push(`${method} ${path}`);
    }
    return routes.sort();
  }

  it('lists exactly the routes the intake serves, unauthenticated', async () => {
    const response = await intake.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json() as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { security?: unknown[]; requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    expect(document.openapi).toMatch(/^3\./);
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();

    expect(documented).toEqual(servedRoutes(intake));
    expect(documented).toEqual(
      [
        'POST /v1/offboardings',
        'GET /v1/offboardings/:user',
        ...['cancel', 'rehire', 'wipe-now', 'expedite', 'reschedule'].map(
          (action) => `POST /v1/offboardings/:user/${action}`,
        ),
        'GET /okta/event-hook',
        'POST /okta/event-hook',
        'GET /healthz',
        'GET /openapi.json',
      ].sort(),
    );
    expect(document.paths['/v1/offboardings']!.post!.security).toEqual([{ offboardSignature: [] }]);
    for (const [path, method, scope] of [
      ['/v1/offboardings', 'post', 'start'],
      ['/v1/offboardings/{user}', 'get', 'read'],
      ...['cancel', 'rehire', 'wipe-now', 'expedite', 'reschedule'].map((action) => [
        `/v1/offboardings/{user}/${action}`,
        'post',
        action,
      ]),
    ] as const) {
      const operation = document.paths[path]![method] as { description?: string; responses: Record<string, unknown> };
      expect(operation.description, path).toContain(`\`${scope}\``);
      expect(operation.responses, path).toHaveProperty('403');
    }
    expect(document.paths['/v1/offboardings']!.post!.requestBody!.content['application/json']!.schema).toMatchObject({
      additionalProperties: false,
      required: ['user', 'eventId'],
      properties: { user: {}, eventId: {}, effectiveAt: {}, reason: {}, deviceWipeDelay: {}, source: {} },
    });
  });
});
