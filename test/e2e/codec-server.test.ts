// The codec server over HTTP with the real codec: the remote codec protocol's round trip, the bearer token, CORS
// for the UI's origin only, and the pinned `temporal` CLI showing a run's input decrypted with --codec-endpoint and
// --codec-auth, and as ciphertext without them; its token checked at start-up like every secret.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec, ENCRYPTED_ENCODING, generateKeyLine, parseCodecKeys } from '../../codec';
import { codecServerConfigFromEnv, parseOrigins } from '../../codec-server/config';
import { buildCodecServer } from '../../codec-server/server';
import { freePort } from '../../tools/supervisor/processes';
import { suiteServerAddress, uniqueTaskQueue } from '../support/temporal';

const run = promisify(execFile);
const UI_ORIGIN = 'http://localhost:8233';
const TOKEN = 'codec-test-token-0123456789abcdefghijklmnop';
// Two keys: the server decodes payloads of the older one after a rotation, and encodes with the newer.
const keys = parseCodecKeys(`${generateKeyLine('k1')}\n${generateKeyLine('k2')}\n`);
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const text = (base64: string | undefined): string => Buffer.from(base64 ?? '', 'base64').toString('utf8');

interface WirePayload {
  metadata: Record<string, string>;
  data: string;
}

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = await buildCodecServer({ keys, allowedOrigins: [UI_ORIGIN], token: TOKEN });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const report = {
  metadata: { encoding: b64('json/plain') },
  data: b64('{"outcome":"completed","group":"Engineering"}'),
};

describe('codec server', () => {
  it('encodes to ciphertext and decodes it back, as the codec does', async () => {
    const encoded = await post('/encode', { payloads: [report] }, auth);
    expect(encoded.status).toBe(200);
    const { payloads } = (await encoded.json()) as { payloads: WirePayload[] };
    expect(payloads).toHaveLength(1);
    expect(text(payloads[0]!.metadata.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(payloads[0]!.metadata['encryption-key-id'])).toBe('k2');
    expect(text(payloads[0]!.data)).not.toContain('Engineering');

    // The worker's codec reads what the server wrote...
    const [viaCodec] = await new AesGcmCodec(keys).decode([
      {
        metadata: Object.fromEntries(
          Object.entries(payloads[0]!.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        ),
        data: Buffer.from(payloads[0]!.data, 'base64'),
      },
    ]);
    expect(Buffer.from(viaCodec!.data!).toString()).toBe('{"outcome":"completed","group":"Engineering"}');

    // ...and the server reads what it wrote, and passes plain payloads through.
    const decoded = await post('/decode', { payloads: [payloads[0], report] }, auth);
    expect(decoded.status).toBe(200);
    const back = (await decoded.json()) as { payloads: WirePayload[] };
    expect(back.payloads.map((payload) => text(payload.data))).toEqual([
      '{"outcome":"completed","group":"Engineering"}',
      '{"outcome":"completed","group":"Engineering"}',
    ]);
    expect(text(back.payloads[0]!.metadata.encoding)).toBe('json/plain');
  });

  it('decodes a payload of the older key after a rotation, and refuses an altered one', async () => {
    const older = parseCodecKeys(`${[...keys.keys].map(([id, key]) => `${id}=${key.toString('base64')}`)[0]}\n`);
    const [encrypted] = await new AesGcmCodec(older).encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"old"') },
    ]);
    const wire = {
      metadata: Object.fromEntries(
        Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
      ),
      data: Buffer.from(encrypted!.data!).toString('base64'),
    };
    const decoded = await post('/decode', { payloads: [wire] }, auth);
    expect(((await decoded.json()) as { payloads: WirePayload[] }).payloads.map((p) => text(p.data))).toEqual([
      '"old"',
    ]);

    const bytes = Buffer.from(encrypted!.data!);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    const altered = await post('/decode', { payloads: [{ ...wire, data: bytes.toString('base64') }] }, auth);
    expect(altered.status).toBe(400);
    expect(await altered.text()).toMatch(/failed authentication/);
  });

  it('answers 401 without the token or with a wrong one, and says nothing of the payloads', async () => {
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: 'Bearer short' },
      { authorization: TOKEN },
      { authorization: `Basic ${b64(`user:${TOKEN}`)}` },
    ];
    for (const headers of wrong) {
      for (const path of ['/encode', '/decode']) {
        const response = await post(path, { payloads: [report] }, headers);
        expect(response.status, `${path} with ${JSON.stringify(headers)}`).toBe(401);
        const body = await response.text();
        expect(body).not.toContain(report.data);
        expect(body).not.toContain('Engineering');
      }
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('grants CORS to the UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    const allowedHeaders = (allowed.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'content-type', 'x-namespace']) expect(allowedHeaders).toContain(header);

    const refused = await preflight('http://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    // A page of another origin is refused even with the token; the UI's origin is served and granted.
    const other = await post('/decode', { payloads: [report] }, { ...auth, origin: 'http://evil.example' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const fromUi = await post('/decode', { payloads: [report] }, { ...auth, origin: UI_ORIGIN });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);

    // A UI that sends no token (the dev server's UI, or one without codec.passAccessToken) is answered 401, with the
    // CORS grant so the page can read that answer, and shows the payloads as they are: encrypted.
    const noToken = await post('/decode', { payloads: [report] }, { origin: UI_ORIGIN });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(await noToken.text()).not.toContain('Engineering');
  });

  it('lets the temporal CLI show a run decrypted with --codec-endpoint and --codec-auth, ciphertext without', async () => {
    const { ensureTemporalCli } = await import('../../scripts/temporal-cli.mjs');
    const cliPath = await ensureTemporalCli();
    const address = await suiteServerAddress();
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, dataConverter: { payloadCodecs: [new AesGcmCodec(keys)] } });
    const workflowId = `codec-server-${Date.now().toString(36)}`;
    // No worker polls this queue: the run only has to exist for its input to be in the history.
    const handle = await client.workflow.start('offboardUser', {
      taskQueue: uniqueTaskQueue('codec-server'),
      workflowId,
      args: [{ userId: '00uCodecServerTest', reason: 'Codec server test', source: 'cli', requestedBy: 'codec-test' }],
    });
    try {
      const show = (...extra: string[]) =>
        run(
          cliPath,
          [
            'workflow',
            'show',
            '--workflow-id',
            workflowId,
            '--address',
            address,
            '--output',
            'json',
            '--disable-config-file',
            '--disable-config-env',
            ...extra,
          ],
          { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
        );
      // `--output json` prints the history as proto3 JSON: the start event's input is a payload, base64 and all.
      const input = (stdout: string): { encoding: string; data: string } => {
        const history = JSON.parse(stdout) as {
          events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: WirePayload[] } } }>;
        };
        const payload = history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!;
        return { encoding: text(payload.metadata.encoding), data: text(payload.data) };
      };
      const decoded = input((await show('--codec-endpoint', url, '--codec-auth', `Bearer ${TOKEN}`)).stdout);
      expect(decoded.encoding).toBe('json/plain');
      expect(JSON.parse(decoded.data)).toMatchObject({ userId: '00uCodecServerTest', reason: 'Codec server test' });

      const plain = input((await show()).stdout);
      expect(plain.encoding).toBe(ENCRYPTED_ENCODING);
      expect(plain.data).not.toContain('00uCodecServerTest');

      // With a wrong token the codec server answers 401: the CLI retries until its deadline and prints no input.
      const refused = await show(
        '--codec-endpoint',
        url,
        '--codec-auth',
        'Bearer wrong-token',
        '--command-timeout',
        '4s',
      ).then(
        (result) => ({ ok: true, output: result.stdout }),
        (error: { stdout?: string; stderr?: string }) => ({
          ok: false,
          output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
        }),
      );
      expect(refused.ok).toBe(false);
      expect(refused.output).not.toContain(b64('{"userId":"00uCodecServerTest"').slice(0, 20));
    } finally {
      await handle.terminate('codec server test done').catch(() => undefined);
      await connection.close();
    }
  });

  it('starts only with a token (here from OFFBOARD_CODEC_SERVER_TOKEN_FILE) unless OFFBOARD_CODEC_SERVER_INSECURE=1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-server-test-'));
    const keysFile = join(dir, 'codec-keys');
    const tokenFile = join(dir, 'codec-token');
    writeFileSync(keysFile, `${generateKeyLine('k1')}\n`);
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const start = (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'codec-server/main.ts'], {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH, OFFBOARD_CODEC_KEYS_FILE: keysFile, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, exited, output: () => output };
    };

    const refused = start({});
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/Set OFFBOARD_CODEC_SERVER_TOKEN or OFFBOARD_CODEC_SERVER_TOKEN_FILE/);

    // A placeholder left in the secret file stops the start-up, and the error does not print it.
    const placeholderFile = join(dir, 'codec-token-placeholder');
    writeFileSync(placeholderFile, 'change-me-to-a-long-random-string\n');
    const placeholder = start({ OFFBOARD_CODEC_SERVER_TOKEN_FILE: placeholderFile });
    expect(await placeholder.exited).toBe(1);
    expect(placeholder.output()).toMatch(/OFFBOARD_CODEC_SERVER_TOKEN holds a placeholder/);
    expect(placeholder.output()).not.toContain('change-me-to-a-long-random-string');

    const port = await freePort();
    const served = start({ OFFBOARD_CODEC_SERVER_TOKEN_FILE: tokenFile, OFFBOARD_CODEC_SERVER_PORT: String(port) });
    try {
      const deadline = Date.now() + 60_000;
      while (!/Codec server listening/.test(served.output()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      const base = `http://127.0.0.1:${port}`;
      const body = JSON.stringify({ payloads: [report] });
      const headers = { 'content-type': 'application/json' };
      expect((await fetch(`${base}/encode`, { method: 'POST', headers, body })).status).toBe(401);
      const encoded = await fetch(`${base}/encode`, { method: 'POST', headers: { ...headers, ...auth }, body });
      expect(encoded.status).toBe(200);
      // The log has the request, never the payload it carried.
      expect(served.output()).not.toContain(report.data);
      expect(served.output()).not.toContain(TOKEN);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  });

  it('reads its settings strictly: origins only, a long token, not both a token and its file', () => {
    expect(parseOrigins('http://localhost:8233, https://temporal.example.com/')).toEqual([
      'http://localhost:8233',
      'https://temporal.example.com',
    ]);
    for (const bad of ['*', 'localhost:8233', 'http://localhost:8233/namespaces', 'file:///tmp'])
      expect(() => parseOrigins(bad), bad).toThrow(/OFFBOARD_CODEC_CORS_ORIGINS/);
    const dir = mkdtempSync(join(tmpdir(), 'codec-server-config-'));
    const keysFile = join(dir, 'keys');
    writeFileSync(keysFile, `${generateKeyLine('k1')}\n`);
    const base = { OFFBOARD_CODEC_KEYS_FILE: keysFile };
    expect(() => codecServerConfigFromEnv({})).toThrow(/OFFBOARD_CODEC_KEYS_FILE/);
    expect(() => codecServerConfigFromEnv({ ...base, OFFBOARD_CODEC_SERVER_TOKEN: 'short' })).toThrow(
      /OFFBOARD_CODEC_SERVER_TOKEN is shorter than 32 bytes/,
    );
    writeFileSync(join(dir, 'token'), TOKEN);
    expect(() =>
      codecServerConfigFromEnv({
        ...base,
        OFFBOARD_CODEC_SERVER_TOKEN: TOKEN,
        OFFBOARD_CODEC_SERVER_TOKEN_FILE: join(dir, 'token'),
      }),
    ).toThrow(/not both/);
    const insecure = codecServerConfigFromEnv({ ...base, OFFBOARD_CODEC_SERVER_INSECURE: '1' });
    expect(insecure.token).toBeUndefined();
    expect(insecure.host).toBe('127.0.0.1');
    expect(insecure.port).toBe(8888);
    expect(codecServerConfigFromEnv({ ...base, OFFBOARD_CODEC_SERVER_TOKEN_FILE: join(dir, 'token') }).token).toBe(
      TOKEN,
    );
  });

  it('checks its token as every secret is checked: no placeholder, 32 bytes or more, base64 whole, never printed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'codec-server-token-'));
    const keysFile = join(dir, 'keys');
    writeFileSync(keysFile, `${generateKeyLine('k1')}\n`);
    const tokenFile = (content: string): string => {
      const path = join(dir, `token-${Math.random().toString(36).slice(2)}`);
      writeFileSync(path, content, { mode: 0o600 });
      return path;
    };
    const config = (env: Record<string, string>) =>
      codecServerConfigFromEnv({ OFFBOARD_CODEC_KEYS_FILE: keysFile, ...env });
    const refusal = (env: Record<string, string>): string => {
      try {
        config(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('start-up accepted the token');
    };

    // Placeholders (the check comes before the length's), from the variable and from the file.
    for (const value of [
      'change-me-to-a-long-random-string',
      'change-me-please-0123456789abcdefghij',
      'x'.repeat(48),
      '<generate: openssl rand -base64 32>',
      'okta-hook-shared-secret-42',
    ]) {
      const envs: Array<Record<string, string>> = [
        { OFFBOARD_CODEC_SERVER_TOKEN: value },
        { OFFBOARD_CODEC_SERVER_TOKEN_FILE: tokenFile(`${value}\n`) },
      ];
      for (const env of envs) {
        const message = refusal(env);
        expect(message, value).toContain('OFFBOARD_CODEC_SERVER_TOKEN holds a placeholder');
        expect(message, value).not.toContain(value);
      }
    }

    // Shorter than 32 bytes: refused, the value not printed; 32 bytes exactly is enough.
    const short = 'Zq8vR2mXw4Lp7Tn1Ks9Bd3Hf6Jc0Ya5';
    expect(Buffer.byteLength(short)).toBe(31);
    const shortEnvs: Array<Record<string, string>> = [
      { OFFBOARD_CODEC_SERVER_TOKEN: short },
      { OFFBOARD_CODEC_SERVER_TOKEN_FILE: tokenFile(`${short}\n`) },
    ];
    for (const env of shortEnvs) {
      const message = refusal(env);
      expect(message).toContain('OFFBOARD_CODEC_SERVER_TOKEN is shorter than 32 bytes');
      expect(message).not.toContain(short);
    }
    expect(config({ OFFBOARD_CODEC_SERVER_TOKEN: `${short}W` }).token).toBe(`${short}W`);

    // What `openssl rand -base64 32` prints (44 characters, ending in `=`) is kept whole, from either place.
    const base64 = randomBytes(32).toString('base64');
    expect(base64).toMatch(/=$/);
    expect(config({ OFFBOARD_CODEC_SERVER_TOKEN: base64 }).token).toBe(base64);
    expect(config({ OFFBOARD_CODEC_SERVER_TOKEN_FILE: tokenFile(`${base64}\n`) }).token).toBe(base64);
    rmSync(dir, { recursive: true, force: true });
  });
});
