// No personal data in the logs: a full HR-started offboarding of a person with a distinctive login,
// email and name, started by login through the intake and steered by login (wipe-now, status), with the
// intake's Fastify logger at INFO and the worker's logger at DEBUG, every line captured. None of them
// may name the person: the request log shows route patterns, never the user path parameter, and no body.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INTAKE_SCOPES } from '../../client/intake/scopes';
import type { OffboardingReport } from '../../workflows/definitions';

// Before the harness installs the Temporal runtime's logger (test/support/offboarding.ts, a DefaultLogger
// writing to stderr): DEBUG, and stderr captured.
const captured = vi.hoisted(() => {
  process.env.OFFBOARD_TEST_LOG_LEVEL = 'DEBUG';
  const worker: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    worker.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stderr.write;
  return { worker, intake: [] as string[], restore: () => (process.stderr.write = original) };
});

import { OffboardingHarness } from '../support/offboarding';
import { employee, standardOrg } from '../support/orgs';
import { byUser, call, testIntake, waitForRuns } from '../support/starters';

const LOGIN = 'zebulon.quixotic@example.com';
const EMAIL = 'zq.private-mail@example.net';
const FIRST = 'Zebulon';
const LAST = 'Quixoticus';

let harness: OffboardingHarness;
let intake: FastifyInstance;
let closed = false;

beforeAll(async () => {
  harness = await OffboardingHarness.start();
  intake = await testIntake(harness, { hmacScopes: { workday: INTAKE_SCOPES } }, undefined, {
    level: 'info',
    stream: { write: (line: string) => void captured.intake.push(line) },
  });
  const org = standardOrg();
  org.users.push(employee(LOGIN, { profile: { firstName: FIRST, lastName: LAST, email: EMAIL } }));
  org.devices = [
    ...(org.devices ?? []),
    { displayName: 'Laptop Z1', platform: 'MACOS', status: 'ACTIVE', users: [LOGIN] },
  ];
  await harness.seed(org);
});
afterAll(async () => {
  captured.restore();
  if (closed) return;
  await intake?.close();
  await harness?.close();
});

describe('the logs of a full offboarding', () => {
  it('never name the person: login, email, first or last name', async () => {
    const userId = await harness.userId(LOGIN);
    const started = await call(intake, {
      method: 'POST',
      url: '/v1/offboardings',
      body: { user: LOGIN, eventId: 'wd-term-90125', source: 'Workday' },
    });
    expect(started.statusCode).toBe(202);
    await waitForRuns(harness.client, byUser(userId));
    const login = encodeURIComponent(LOGIN);
    const status = await call(intake, { method: 'GET', url: `/v1/offboardings/${login}` });
    expect(status.statusCode).toBe(200);
    // The run waits 72 h before decommissioning devices: HR ends the wait, by login.
    const handle = harness.client.workflow.getHandle(`offboard-${userId}`);
    const wiped = await call(intake, { method: 'POST', url: `/v1/offboardings/${login}/wipe-now`, body: {} });
    expect(wiped.statusCode).toBe(200);
    const report = (await handle.result()) as OffboardingReport;
    expect(report.outcome).toBe('completed');
    expect((await harness.admin.state()).users.find((user) => user.id === userId)?.status).toBe('DEPROVISIONED');
    // The default reason names the event and the signer, not the person.
    expect(report.reason).toBe('Termination event wd-term-90125 from workday (Workday)');
    const after = await call(intake, { method: 'GET', url: `/v1/offboardings/${login}` });
    expect(after.statusCode).toBe(200);
    // Closed here, so that every line the workers would still write is in the capture.
    await intake.close();
    await harness.close();
    closed = true;

    const intakeLines = captured.intake;
    const workerLines = captured.worker.join('').split('\n').filter(Boolean);
    // The capture works: the intake logged each request, the worker its activities at DEBUG.
    expect(intakeLines.filter((line) => line.includes('"url":"/v1/offboardings/:user/wipe-now"')).length).toBe(1);
    expect(workerLines.some((line) => /activity/i.test(line))).toBe(true);
    const personal = [LOGIN, login, EMAIL, FIRST, LAST].map((value) => value.toLowerCase());
    const leaks = [...intakeLines, ...workerLines].filter((line) =>
      personal.some((value) => line.toLowerCase().includes(value)),
    );
    expect(leaks).toEqual([]);
  });
});
