// The intake's request signature (docs/architecture.md section 7): `Offboard-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`,
// HMAC-SHA256 over `<t>.<METHOD>.<path with query>.<raw body>` with any configured secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HmacSecret } from '../config';

export const SIGNATURE_HEADER = 'offboard-signature';
export const SIGNATURE_WINDOW_S = 300;

export function signPayload(secret: string, t: number, method: string, pathWithQuery: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${t}.${method.toUpperCase()}.${pathWithQuery}.${rawBody}`).digest('hex');
}

export type Verification =
  | { ok: true; signer: string; t: number; signature: string }
  | { ok: false; status: 401; error: 'missing-signature' | 'bad-signature' | 'stale-signature'; message: string };

/**
 * Checks the header against every secret (two during a rotation), in constant time per comparison.
 * Accepted when `t` is within the window of `nowS` and any `v1` matches any secret.
 */
export function verifySignature(
  header: string | undefined,
  secrets: HmacSecret[],
  request: { method: string; pathWithQuery: string; rawBody: string },
  nowS: number,
): Verification {
  if (!header)
    return { ok: false, status: 401, error: 'missing-signature', message: 'The Offboard-Signature header is required' };
  let t: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || candidates.length === 0) {
    return {
      ok: false,
      status: 401,
      error: 'bad-signature',
      message: 'Offboard-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>',
    };
  }
  if (Math.abs(nowS - t) > SIGNATURE_WINDOW_S) {
    return {
      ok: false,
      status: 401,
      error: 'stale-signature',
      message: `The signature timestamp is more than ${SIGNATURE_WINDOW_S} s from now`,
    };
  }
  for (const { name, secret } of secrets) {
    const expected = Buffer.from(signPayload(secret, t, request.method, request.pathWithQuery, request.rawBody), 'hex');
    for (const candidate of candidates) {
      if (timingSafeEqual(candidate, expected))
        return { ok: true, signer: name, t, signature: candidate.toString('hex') };
    }
  }
  return { ok: false, status: 401, error: 'bad-signature', message: 'The signature matches no configured secret' };
}

/**
 * Signatures already used on a steering route, kept until they leave the window. In memory: each
 * replica behind a load balancer keeps its own, which still refuses a replay sent to the same
 * replica; a replay reaching another replica at worst repeats an idempotent message.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** Records the signature; false when it was already used and has not expired. */
  remember(signature: string, t: number, nowS: number): boolean {
    for (const [key, expiresAt] of this.seen) if (expiresAt < nowS) this.seen.delete(key);
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, t + SIGNATURE_WINDOW_S);
    return true;
  }
}
