// Secrets handled like secrets, and a signature that says exactly what it covers: start-up refuses
// placeholders and short secrets without printing them, reads every secret from a `*_FILE` too, keeps a
// base64 secret whole; the hook secret compares in constant time whatever its length; `v2` signs an
// unambiguous encoding (the query/body shift that `v1` allowed fails); only JSON bodies are accepted;
// a steering signature is refused again by another intake on the same Temporal and after a restart;
// the intake serves HTTPS given a certificate and key.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { intakeConfigFromEnv, parseHmacSecrets } from '../../client/config';
import { INTAKE_SCOPES } from '../../client/intake/scopes';
import { sameSecret } from '../../client/intake/signature';
import { OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';
import { suiteServerAddress } from '../support/temporal';
import {
  byUser,
  call,
  HOOK_SECRET,
  HR_SECRET,
  runsAfterSettling,
  signature,
  signatureV1,
  testIntake,
} from '../support/starters';

/** What `openssl rand -base64 32` prints: 44 characters ending in `=`. */
const BASE64_SECRET = execFileSync('openssl', ['rand', '-base64', '32'], { encoding: 'utf8' }).trim();

const dir = mkdtempSync(join(tmpdir(), 'intake-secrets-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};

const env = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  OKTA_ORG_URL: 'http://127.0.0.1:8090',
  OKTA_API_TOKEN: 'emulator-token',
  OFFBOARD_HMAC_SECRETS: `workday=${HR_SECRET}`,
  ...extra,
});

/** The start-up error, which must name the setting and never print the secret. */
function refusal(extra: Record<string, string | undefined>): string {
  try {
    intakeConfigFromEnv(env(extra));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('start-up accepted the configuration');
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start-up refuses secrets nobody generated, without printing them', () => {
  it.each([
    ['the shipped example', 'change-me-to-a-long-random-string'],
    ['change-me with a suffix', 'change-me-please-0123456789abcdefghij'],
    ['changeme', 'changeme'],
    ['secret', 'secret'],
    ['password', 'Password'],
    ['one character repeated', 'x'.repeat(48)],
    ['a template left in place', '<generate: openssl rand -base64 32>'],
    ['an example from the docs', 'workday-secret-0123456789'],
  ])('an HMAC secret that is %s', (_name, value) => {
    const message = refusal({ OFFBOARD_HMAC_SECRETS: `workday=${value}` });
    expect(message).toContain('OFFBOARD_HMAC_SECRETS');
    expect(message).toContain('placeholder');
    // The words `secret` and `password` are the message's own.
    if (value.length > 8) expect(message).not.toContain(value);
  });

  it('an HMAC secret or a hook secret shorter than 32 bytes', () => {
    const short = 'k7Qp2Zr9Lx4Wm8Vb3Nc6Jd1Hf5Tg0Sy'; // 31 bytes
    const hmac = refusal({ OFFBOARD_HMAC_SECRETS: `workday=${short}` });
    expect(hmac).toMatch(/OFFBOARD_HMAC_SECRETS \(the secret of workday\) is shorter than 32 bytes/);
    expect(hmac).not.toContain(short);
    const hook = refusal({ OKTA_EVENT_HOOK_SECRET: short });
    expect(hook).toMatch(/OKTA_EVENT_HOOK_SECRET is shorter than 32 bytes/);
    expect(hook).not.toContain(short);
    expect(refusal({ OKTA_EVENT_HOOK_SECRET: 'change-me' })).toMatch(/OKTA_EVENT_HOOK_SECRET holds a placeholder/);
    // Bytes as given: 32 of them pass, whatever alphabet.
    expect(intakeConfigFromEnv(env({ OFFBOARD_HMAC_SECRETS: `workday=${short}x` })).hmacSecrets).toHaveLength(1);
  });

  it('an entry whose name is not a name is refused by position, not by its text', () => {
    const message = refusal({ OFFBOARD_HMAC_SECRETS: `workday=${HR_SECRET},a+b/c=${BASE64_SECRET}` });
    expect(message).toBe(
      'OFFBOARD_HMAC_SECRETS: the name of entry 2 may hold only letters, digits and . _ : @ - (name=secret)',
    );
  });

  it('an Okta token that is a placeholder', () => {
    const message = refusal({ OKTA_API_TOKEN: 'change-me' });
    expect(message).toContain('OKTA_API_TOKEN holds a placeholder');
  });
});

describe('base64 secrets keep their `=`', () => {
  it('parses a named and a bare base64 secret whole', () => {
    expect(BASE64_SECRET).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(parseHmacSecrets(`workday=${BASE64_SECRET}`)).toEqual([{ name: 'workday', secret: BASE64_SECRET }]);
    const bare = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5PT0='; // base64 without + or /: a name-like prefix
    expect(parseHmacSecrets(bare)).toEqual([{ name: 'hr', secret: bare }]);
    expect(parseHmacSecrets(`workday=${bare},workday=${BASE64_SECRET}`)).toEqual([
      { name: 'workday', secret: bare },
      { name: 'workday', secret: BASE64_SECRET },
    ]);
    expect(intakeConfigFromEnv(env({ OKTA_EVENT_HOOK_SECRET: BASE64_SECRET })).eventHookSecret).toBe(BASE64_SECRET);
  });
});

describe('every secret has a *_FILE variant', () => {
  it('reads HMAC secrets, the hook secret and the intake’s Okta token from files, without one trailing newline', () => {
    const config = intakeConfigFromEnv(
      env({
        OFFBOARD_HMAC_SECRETS: undefined,
        OFFBOARD_HMAC_SECRETS_FILE: file('hmac', `workday=${BASE64_SECRET}\nsecurity=${HR_SECRET}\n`),
        OKTA_EVENT_HOOK_SECRET_FILE: file('hook', `${HOOK_SECRET}\n`),
        OKTA_INTAKE_API_TOKEN_FILE: file('intake-token', 'intake-emulator-token\n'),
      }),
    );
    expect(config.hmacSecrets).toEqual([
      { name: 'workday', secret: BASE64_SECRET },
      { name: 'security', secret: HR_SECRET },
    ]);
    expect(config.eventHookSecret).toBe(HOOK_SECRET);
    expect(config.oktaCredential).toBe('intake');
    expect(config.okta.auth).toEqual({ kind: 'api-token', token: 'intake-emulator-token' });
  });

  it('reads the Okta API token and a service app’s private key from files', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const token = intakeConfigFromEnv(
      env({ OKTA_API_TOKEN: undefined, OKTA_API_TOKEN_FILE: file('token', 'worker-token\n') }),
    );
    expect(token.okta.auth).toEqual({ kind: 'api-token', token: 'worker-token' });
    const app = intakeConfigFromEnv(
      env({
        OKTA_INTAKE_CLIENT_ID: '0oaintake',
        OKTA_INTAKE_PRIVATE_KEY_FILE: file('key.pem', `${pem}\n`),
      }),
    );
    expect(app.okta.auth).toMatchObject({ kind: 'service-app', privateKey: pem, scopes: ['okta.users.read'] });
  });

  it('refuses both a setting and its _FILE, and names an unreadable file without its content', () => {
    expect(refusal({ OFFBOARD_HMAC_SECRETS_FILE: file('both', `workday=${HR_SECRET}`) })).toBe(
      'Set OFFBOARD_HMAC_SECRETS or OFFBOARD_HMAC_SECRETS_FILE, not both',
    );
    expect(
      refusal({ OKTA_EVENT_HOOK_SECRET: HOOK_SECRET, OKTA_EVENT_HOOK_SECRET_FILE: file('hook2', HOOK_SECRET) }),
    ).toBe('Set OKTA_EVENT_HOOK_SECRET or OKTA_EVENT_HOOK_SECRET_FILE, not both');
    expect(refusal({ OKTA_API_TOKEN_FILE: file('token2', 'x') })).toBe(
      'Set OKTA_API_TOKEN or OKTA_API_TOKEN_FILE, not both',
    );
    expect(refusal({ OFFBOARD_HMAC_SECRETS: undefined, OFFBOARD_HMAC_SECRETS_FILE: join(dir, 'missing') })).toBe(
      `OFFBOARD_HMAC_SECRETS_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    );
    const short = file('short', 'workday=too-short\n');
    const message = refusal({ OFFBOARD_HMAC_SECRETS: undefined, OFFBOARD_HMAC_SECRETS_FILE: short });
    expect(message).toContain('shorter than 32 bytes');
    expect(message).not.toContain('too-short');
  });
});

describe('transport', () => {
  it('refuses an http:// Okta org except on the loopback', () => {
    expect(refusal({ OKTA_ORG_URL: 'http://acme.okta.com' })).toMatch(/^OKTA_ORG_URL must be https:\/\//);
    expect(refusal({ OKTA_ORG_URL: 'http://okta-emulator:8080' })).toMatch(/^OKTA_ORG_URL must be https:\/\//);
    for (const url of ['http://127.0.0.1:8090', 'http://localhost:8090', 'http://[::1]:8090'])
      expect(intakeConfigFromEnv(env({ OKTA_ORG_URL: url })).okta.orgUrl).toBe(url);
    const realToken = '00abcdefghijklmnopqrstuvwxyz0123456789ABCD';
    expect(
      intakeConfigFromEnv(env({ OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: realToken })).okta.orgUrl,
    ).toBe('https://acme.okta.com');
    // A real org's token is at least 32 bytes; the emulator's short test tokens pass on its plain-HTTP hosts only.
    expect(refusal({ OKTA_ORG_URL: 'https://acme.okta.com' })).toMatch(/^OKTA_API_TOKEN is shorter than 32 bytes/);
    // The compose trial's emulator, on a private network, is declared.
    const compose = env({ OKTA_ORG_URL: 'http://okta-emulator:8080', OKTA_ORG_HTTP_HOSTS: 'okta-emulator' });
    expect(intakeConfigFromEnv(compose).okta.orgUrl).toBe('http://okta-emulator:8080');
  });

  it('listens on the loopback without TLS, and anywhere else only with a certificate or an explicit proxy', () => {
    expect(intakeConfigFromEnv(env()).host).toBe('127.0.0.1');
    expect(refusal({ OFFBOARD_INTAKE_HOST: '0.0.0.0' })).toMatch(
      /OFFBOARD_INTAKE_HOST=0\.0\.0\.0 without TLS .* OFFBOARD_INTAKE_TLS_CERT_FILE/,
    );
    expect(intakeConfigFromEnv(env({ OFFBOARD_INTAKE_HOST: '0.0.0.0', OFFBOARD_INTAKE_PLAIN_HTTP: '1' })).host).toBe(
      '0.0.0.0',
    );
    expect(refusal({ OFFBOARD_INTAKE_TLS_CERT_FILE: file('only-cert.pem', 'x') })).toBe(
      'Set both OFFBOARD_INTAKE_TLS_CERT_FILE and OFFBOARD_INTAKE_TLS_KEY_FILE, or neither',
    );
  });
});

describe('the event hook secret', () => {
  it('compares digests: equal only for the same secret, false (never a throw) for other lengths', () => {
    expect(sameSecret(HOOK_SECRET, HOOK_SECRET)).toBe(true);
    expect(sameSecret(HOOK_SECRET.slice(0, -1), HOOK_SECRET)).toBe(false);
    expect(sameSecret(`${HOOK_SECRET}x`, HOOK_SECRET)).toBe(false);
    expect(sameSecret('', HOOK_SECRET)).toBe(false);
    expect(sameSecret(undefined, HOOK_SECRET)).toBe(false);
    expect(sameSecret(`${HOOK_SECRET.slice(0, -1)}X`, HOOK_SECRET)).toBe(false);
  });
});

describe('on a running intake', () => {
  let harness: OffboardingHarness;
  let intake: FastifyInstance;
  let v1Intake: FastifyInstance;
  let alice: string;
  /** Has no run: a verified steering call answers 404 no-run. */
  let bob: string;

  beforeAll(async () => {
    harness = await OffboardingHarness.start();
    intake = await testIntake(harness, { hmacScopes: { workday: INTAKE_SCOPES } });
    v1Intake = await testIntake(harness, { hmacScopes: { workday: INTAKE_SCOPES }, acceptV1Signatures: true });
  });
  afterAll(async () => {
    await intake?.close();
    await v1Intake?.close();
    await harness?.close();
  });
  beforeEach(async () => {
    await harness.seed(standardOrg());
    alice = await harness.userId('alice@example.com');
    bob = await harness.userId('bob@example.com');
  });

  it('refuses v1 by default and accepts it only during the migration window', async () => {
    const body = JSON.stringify({ reason: 'x' });
    const url = `/v1/offboardings/${bob}/cancel`;
    const v1 = () => signatureV1(HR_SECRET, 'POST', url, body);
    const refused = await call(intake, { method: 'POST', url, rawBody: body, header: v1() });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({
      error: 'bad-signature',
      message: 'Offboard-Signature must be t=<unix seconds>,v2=<hex HMAC-SHA256>; v1 is no longer accepted',
    });
    // Verified, then the route answers: bob has no run.
    const accepted = await call(v1Intake, { method: 'POST', url, rawBody: body, header: v1() });
    expect(accepted.json()).toMatchObject({ error: 'no-run' });
  });

  it('signs an unambiguous encoding: bytes moved from the query into the body no longer verify', async () => {
    // Signed: query `tag=a`, body `.{}`. Sent: query `tag=a.`, body `{}`. v1 strings are equal:
    // `<t>.POST.<path>?tag=a..{}`; the netstrings of v2 are not.
    const path = `/v1/offboardings/${bob}/cancel`;
    const t = Math.floor(Date.now() / 1000);
    const shifted = { method: 'POST' as const, url: `${path}?tag=a.`, rawBody: '{}' };

    const v1Shift = await call(v1Intake, {
      ...shifted,
      header: signatureV1(HR_SECRET, 'POST', `${path}?tag=a`, '.{}', t),
    });
    expect(v1Shift.json()).toMatchObject({ error: 'no-run' }); // v1: the forgery verified

    const v2Shift = await call(intake, { ...shifted, header: signature(HR_SECRET, 'POST', `${path}?tag=a`, '.{}', t) });
    expect(v2Shift.statusCode).toBe(401);
    expect(v2Shift.json()).toMatchObject({ error: 'bad-signature' });
    // The same v2 signature verifies on the request it was made for (then its body is not JSON).
    const original = await call(intake, {
      method: 'POST',
      url: `${path}?tag=a`,
      rawBody: '.{}',
      header: signature(HR_SECRET, 'POST', `${path}?tag=a`, '.{}', t),
    });
    expect(original.json()).toMatchObject({ error: 'malformed-json' });
    // The content type is signed too.
    const retyped = await call(intake, {
      ...shifted,
      url: path,
      contentType: 'application/json; charset=utf-8',
      header: signature(HR_SECRET, 'POST', path, '{}', t, 'application/json'),
    });
    expect(retyped.json()).toMatchObject({ error: 'bad-signature' });
  });

  it('refuses a body that is not JSON with 415, signed over it or over nothing, and starts nothing', async () => {
    const text = JSON.stringify({ user: alice, eventId: 'text-1' });
    for (const header of [
      signature(HR_SECRET, 'POST', '/v1/offboardings', text, undefined, 'text/plain'),
      // The old forgery: a signature over an empty body, the text then replaced by `{}`.
      signature(HR_SECRET, 'POST', '/v1/offboardings', ''),
    ]) {
      const response = await call(intake, {
        method: 'POST',
        url: '/v1/offboardings',
        rawBody: text,
        contentType: 'text/plain',
        header,
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toEqual({ error: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: expect.any(String) });
    }
    const cancel = await call(intake, {
      method: 'POST',
      url: `/v1/offboardings/${alice}/cancel`,
      rawBody: 'reason=x',
      contentType: 'text/plain',
    });
    expect(cancel.statusCode).toBe(415);
    expect(await runsAfterSettling(harness.client, byUser(alice))).toEqual([]);
  });

  it('refuses a replayed steering signature on a second intake and on one started after the first closed', async () => {
    const url = `/v1/offboardings/${bob}`;
    const header = signature(HR_SECRET, 'GET', url, '');
    expect((await call(intake, { method: 'GET', url, header })).json()).toMatchObject({ error: 'no-run' });

    // Another replica: its own connection to the same Temporal, nothing shared in memory.
    const connection = await Connection.connect({ address: await suiteServerAddress() });
    const replica = await testIntake(
      harness,
      {},
      new Client({ connection, namespace: harness.client.options.namespace }),
    );
    try {
      const replayed = await call(replica, { method: 'GET', url, header });
      expect(replayed.statusCode).toBe(409);
      expect(replayed.json()).toMatchObject({ error: 'replayed-signature' });
    } finally {
      await replica.close();
    }
    // A restart: the first intake closed, a new one built.
    await intake.close();
    intake = await testIntake(harness, { hmacScopes: { workday: INTAKE_SCOPES } });
    const afterRestart = await call(intake, { method: 'GET', url, header });
    expect(afterRestart.statusCode).toBe(409);
    await connection.close();
    // A fresh signature of the same request still works.
    const fresh = await call(intake, { method: 'GET', url, t: Math.floor(Date.now() / 1000) + 1 });
    expect(fresh.json()).toMatchObject({ error: 'no-run' });
  });

  it('serves HTTPS when given a certificate and key', async () => {
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.pem');
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    const config = intakeConfigFromEnv(env({ OFFBOARD_INTAKE_TLS_CERT_FILE: cert, OFFBOARD_INTAKE_TLS_KEY_FILE: key }));
    expect(config.host).toBe('0.0.0.0');
    const secure = await testIntake(harness, { tls: config.tls });
    try {
      await secure.listen({ port: 0, host: '127.0.0.1' });
      const port = (secure.server.address() as AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        const request = httpsRequest(
          { host: '127.0.0.1', port, path: '/healthz', ca: config.tls!.cert, servername: 'localhost' },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
            response.on('end', () => resolve(text));
          },
        );
        request.on('error', reject);
        request.end();
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok', temporal: 'reachable' });
      // Plain HTTP to the same port gets no answer from the intake.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      await secure.close();
    }
  });
});
