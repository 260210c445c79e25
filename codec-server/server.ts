// The codec server: Temporal's remote codec protocol (docs.temporal.io "Codec Server setup", API contract
// specifications), so the Temporal UI and `temporal --codec-endpoint` show decrypted payloads to operators.
//
//   POST /encode, POST /decode  {"payloads":[{"metadata":{"encoding":"<base64>"},"data":"<base64>"}]}, same shape back
//   GET  /healthz
//
// Payloads are proto3 JSON: every bytes field (data and each metadata value) is base64. The UI sends X-Namespace and,
// when its server passes the access token, Authorization; browsers preflight both, so CORS admits exactly the
// configured origins. Nothing here logs a payload: the request log has the method, path, status and namespace only.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AesGcmCodec, type CodecKeys } from '../codec';

export interface CodecServerOptions {
  keys: CodecKeys;
  /** Origins CORS admits (the Temporal UI's); a request from any other origin is refused. */
  allowedOrigins: readonly string[];
  /** Required as `Authorization: Bearer <token>`; undefined serves everyone who reaches it (the insecure mode). */
  token?: string;
  logger?: boolean | { level: string };
  /** Largest request body; the UI sends a whole history page of payloads at once. Default 16 MiB. */
  bodyLimit?: number;
}

const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** Headers an SSO proxy (oauth2-proxy, an ingress auth request) forwards with the person it admitted: logged, never trusted. */
const IDENTITY_HEADERS = ['x-forwarded-email', 'x-forwarded-user', 'x-auth-request-email', 'x-auth-request-user'];

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, { message: 'not base64' });
const payloadsBody = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).optional(),
        // proto3 JSON leaves out empty bytes fields, so an empty payload has no `data`.
        data: base64.optional(),
      }),
    )
    .max(10_000),
});
type WirePayloads = z.infer<typeof payloadsBody>;

function fromWire(body: WirePayloads): Payload[] {
  return body.payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  }));
}

function toWire(payloads: Payload[]): WirePayloads {
  return {
    payloads: payloads.map((payload) => ({
      metadata: Object.fromEntries(
        Object.entries(payload.metadata ?? {}).map(([key, value]) => [
          key,
          Buffer.from(value ?? []).toString('base64'),
        ]),
      ),
      data: Buffer.from(payload.data ?? []).toString('base64'),
    })),
  };
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Constant time over SHA-256 digests, so neither the token's length nor a matching prefix shows in the timing. */
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
}

function setCors(reply: FastifyReply, origin: string): void {
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
  reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
  // The UI's "include cross-origin credentials" (TEMPORAL_CODEC_INCLUDE_CREDENTIALS) sends the SSO proxy's cookie.
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Access-Control-Max-Age', '600');
}

export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const codec = new AesGcmCodec(options.keys);
  const origins = new Set(options.allowedOrigins);
  const expected = options.token === undefined ? undefined : digest(options.token);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    // Fastify's request log prints method, url and host: no body, no Authorization header.
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Vary', 'Origin');
    reply.header('Cache-Control', 'no-store');
    const origin = request.headers.origin;
    if (origin !== undefined) {
      // A browser page of another origin gets no CORS grant and no answer: the UI's origin only.
      if (!origins.has(origin)) {
        request.log.warn({ origin }, 'codec request from an origin not in OFFBOARD_CODEC_CORS_ORIGINS refused');
        return reply.code(403).send({ error: `origin ${origin} is not allowed` });
      }
      setCors(reply, origin);
    }
    // Preflights carry no Authorization (the Fetch standard's CORS-preflight request); the POST that follows does.
    if (request.method === 'OPTIONS') {
      if (origin === undefined) return reply.code(400).send({ error: 'a CORS preflight needs an Origin' });
      return reply.code(204).send();
    }
    if (request.url === '/healthz') return;
    const identity = IDENTITY_HEADERS.find((name) => request.headers[name] !== undefined);
    request.log.info(
      {
        namespace: request.headers['x-namespace'],
        ...(identity ? { forwardedIdentity: request.headers[identity] } : {}),
      },
      'codec request',
    );
    if (expected && !tokenMatches(request.headers.authorization, expected)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="offboarding-codec"')
        .send({ error: 'a valid Authorization: Bearer <OFFBOARD_CODEC_SERVER_TOKEN> is required' });
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  const route = (name: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = payloadsBody.safeParse(request.body);
    if (!parsed.success)
      return reply.code(400).send({ error: 'expected {"payloads":[{"metadata":{...},"data":"<base64>"}]}' });
    try {
      const payloads = fromWire(parsed.data);
      return toWire(await (name === 'encode' ? codec.encode(payloads) : codec.decode(payloads)));
    } catch (error) {
      // The codec's messages name a key id or an authentication failure, never key material or payload content.
      request.log.warn({ err: { message: (error as Error).message } }, `${name} failed`);
      return reply.code(400).send({ error: (error as Error).message });
    }
  };
  app.post('/encode', route('encode'));
  app.post('/decode', route('decode'));
  return app;
}
