// Bad input never crashes or hangs the emulator: Okta-shaped 4xx answers, and it keeps serving.
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureOrg, IDS } from './fixtures';
import { raw, startTestEmulator, type TestEmulator } from '../src/testing/harness';
import { validateResponse } from '../src/testing/openapi';

let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(async () => t.emulator.close());
beforeEach(async () => t.admin.seed(fixtureOrg()));
afterEach(async () => {
  expect((await raw(t.url, 'GET', `/api/v1/users/${IDS.alice}`)).status).toBe(200);
  expect(t.takeViolations()).toEqual([]);
});

const code = (r: { json: unknown }) => (r.json as { errorCode?: string } | undefined)?.errorCode;

describe('bad input', () => {
  it('answers 400 E0000003 to malformed JSON and to a non-object body', async () => {
    expect(code(await raw(t.url, 'POST', '/api/v1/users', '{"profile":'))).toBe('E0000003');
    expect(code(await raw(t.url, 'POST', '/api/v1/users', '[1,2]'))).toBe('E0000003');
  });

  it('answers 400 E0000003 to a body over 1 MiB', async () => {
    const res = await raw(
      t.url,
      'POST',
      '/api/v1/users',
      JSON.stringify({ profile: { login: 'x'.repeat(2_000_000) } }),
    );
    expect([res.status, code(res)]).toEqual([400, 'E0000003']);
  });

  it('ignores unknown fields and answers 400 E0000001 for missing or huge logins', async () => {
    const ok = await raw(
      t.url,
      'POST',
      '/api/v1/users?activate=false',
      JSON.stringify({
        profile: { login: 'u@example.com', email: 'u@example.com', firstName: 'U', lastName: 'U' },
        nonsense: { deep: [1] },
      }),
    );
    expect(ok.status).toBe(200);
    expect(code(await raw(t.url, 'POST', '/api/v1/users', JSON.stringify({ profile: {} })))).toBe('E0000001');
    expect(
      code(await raw(t.url, 'POST', '/api/v1/users', JSON.stringify({ profile: { login: 'y'.repeat(5000) } }))),
    ).toBe('E0000001');
  });

  it('answers 404 E0000007 to unknown routes and ids, 405 E0000022 to wrong methods', async () => {
    expect(code(await raw(t.url, 'GET', '/api/v1/nothing/here'))).toBe('E0000007');
    expect(code(await raw(t.url, 'GET', `/api/v1/users/${'z'.repeat(10_000)}`))).toBe('E0000007');
    expect(code(await raw(t.url, 'GET', '/api/v1/users/%E0%A4%A'))).toBe('E0000007');
    const wrong = await raw(t.url, 'PATCH', `/api/v1/users/${IDS.alice}/lifecycle/suspend`);
    expect([wrong.status, code(wrong)]).toEqual([405, 'E0000022']);
    expect((await raw(t.url, 'GET', '/not-api')).status).toBe(404);
  });

  it('answers 400 E0000031 to huge expressions and falls back to defaults for nonsensical limits', async () => {
    expect(code(await raw(t.url, 'GET', `/api/v1/users?search=${encodeURIComponent('('.repeat(5000))}`))).toBe(
      'E0000031',
    );
    expect(
      code(
        await raw(
          t.url,
          'GET',
          `/api/v1/users?filter=${encodeURIComponent('(((((((((((((((((((((((((((((((((((((status eq "ACTIVE")))))))))))))))))))))))))))))))))))')}`,
        ),
      ),
    ).toBe('E0000031');
    for (const limit of ['-5', 'abc', '99999999999999999999', '100000'])
      expect((await raw(t.url, 'GET', `/api/v1/users?limit=${limit}`)).status).toBe(200);
  });

  it('collapses // in paths', async () => {
    expect((await raw(t.url, 'GET', `//api/v1//users/${IDS.alice}`)).status).toBe(200);
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(t.emulator.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', () => socket.destroy());
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
  });
});

describe('the OpenAPI check itself', () => {
  it('flags a body that does not match the schema and a status the operation does not declare', () => {
    expect(
      validateResponse({
        method: 'GET',
        path: `/api/v1/users/${IDS.alice}`,
        query: '',
        status: 200,
        body: { id: 5, status: 'NOPE' },
        injected: false,
      }),
    ).not.toEqual([]);
    expect(
      validateResponse({
        method: 'DELETE',
        path: `/api/v1/users/${IDS.alice}`,
        query: '',
        status: 200,
        body: undefined,
        injected: false,
      }),
    ).not.toEqual([]);
    // The allow-listed StandardRole/CustomRole ambiguity tolerates a role both match, not one that matches neither.
    const role = {
      id: 'ra1alice0000000000000',
      type: 'SUPER_ADMIN',
      label: 'Super Administrator',
      status: 'ACTIVE',
      assignmentType: 'USER',
    };
    expect(
      validateResponse({
        method: 'GET',
        path: `/api/v1/users/${IDS.alice}/roles`,
        query: '',
        status: 200,
        body: [role],
        injected: false,
      }),
    ).toEqual([]);
    expect(
      validateResponse({
        method: 'GET',
        path: `/api/v1/users/${IDS.alice}/roles`,
        query: '',
        status: 200,
        body: [{ ...role, type: 'NOPE' }],
        injected: false,
      }),
    ).not.toEqual([]);
  });
});
