// The intake's request signature (docs/cli-and-intake.md, "The signature"):
// `Offboard-Signature: t=<unix>,v2=<hex>[,v2=<hex>]`, HMAC-SHA256 with any configured secret over the
// canonical encoding of (t, METHOD, path, query, content type, body): each part as a netstring
// (`<byte length>:<bytes>,`, D. J. Bernstein's format), so no byte can move from one part to the next and
// keep the signature. `v1` (`<t>.<METHOD>.<path with query>.<raw body>`, where the query's end and the
// body's start could trade bytes across the `.`) is refused unless OFFBOARD_ACCEPT_V1_SIGNATURES=1.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HmacSecret } from '../config';

export const SIGNATURE_HEADER = 'offboard-signature';
export const SIGNATURE_WINDOW_S = 300;

/** What a signature covers, as the request arrived: the URL undecoded, the body's exact bytes. */
export interface SignedParts {
  method: string;
  /** The request target: path and, after `?`, the query. */
  pathWithQuery: string;
  /** The Content-Type header as sent; empty when there is none. */
  contentType: string;
  rawBody: string;
}

const netstring = (value: string): string => `${Buffer.byteLength(value, 'utf8')}:${value},`;

/** The bytes a `v2` signature covers. */
export function canonicalV2(t: number, parts: SignedParts): string {
  const at = parts.pathWithQuery.indexOf('?');
  const path = at < 0 ? parts.pathWithQuery : parts.pathWithQuery.slice(0, at);
  const query = at < 0 ? '' : parts.pathWithQuery.slice(at + 1);
  return [String(t), parts.method.toUpperCase(), path, query, parts.contentType, parts.rawBody].map(netstring).join('');
}

export function signV2(secret: string, t: number, parts: SignedParts): string {
  return createHmac('sha256', secret).update(canonicalV2(t, parts)).digest('hex');
}

/** The old, ambiguous `v1`; accepted only for a migration window. */
export function signV1(secret: string, t: number, parts: SignedParts): string {
  return createHmac('sha256', secret)
    .update(`${t}.${parts.method.toUpperCase()}.${parts.pathWithQuery}.${parts.rawBody}`)
    .digest('hex');
}

/** @deprecated `v1`, refused unless OFFBOARD_ACCEPT_V1_SIGNATURES=1: sign with `signV2`. */
export function signPayload(secret: string, t: number, method: string, pathWithQuery: string, rawBody: string): string {
  return signV1(secret, t, { method, pathWithQuery, contentType: '', rawBody });
}

export type Verification =
  | { ok: true; signer: string; t: number; signature: string }
  | { ok: false; status: 401; error: 'missing-signature' | 'bad-signature' | 'stale-signature'; message: string };

/**
 * Checks the header against every secret (two during a rotation), in constant time per comparison.
 * Accepted when `t` is within the window of `nowS` and any `v2` (or, with `acceptV1`, any `v1`)
 * matches any secret.
 */
export function verifySignature(
  header: string | undefined,
  secrets: HmacSecret[],
  request: SignedParts,
  nowS: number,
  acceptV1 = false,
): Verification {
  if (!header)
    return { ok: false, status: 401, error: 'missing-signature', message: 'The Offboard-Signature header is required' };
  let t: number | undefined;
  const candidates: Array<{ version: 'v1' | 'v2'; mac: Buffer }> = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    if ((key === 'v2' || (key === 'v1' && acceptV1)) && /^[0-9a-f]{64}$/i.test(value))
      candidates.push({ version: key, mac: Buffer.from(value, 'hex') });
  }
  if (t === undefined || candidates.length === 0) {
    return {
      ok: false,
      status: 401,
      error: 'bad-signature',
      message: acceptV1
        ? 'Offboard-Signature must be t=<unix seconds>,v2=<hex HMAC-SHA256> (or v1 during the migration)'
        : 'Offboard-Signature must be t=<unix seconds>,v2=<hex HMAC-SHA256>; v1 is no longer accepted',
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
    const expected = {
      v2: Buffer.from(signV2(secret, t, request), 'hex'),
      v1: acceptV1 ? Buffer.from(signV1(secret, t, request), 'hex') : undefined,
    };
    for (const { version, mac } of candidates) {
      const against = expected[version];
      if (against && timingSafeEqual(mac, against))
        return { ok: true, signer: name, t, signature: mac.toString('hex') };
    }
  }
  return { ok: false, status: 401, error: 'bad-signature', message: 'The signature matches no configured secret' };
}

/** The id under which Temporal remembers an accepted steering signature (workflows/signature-seen.ts). */
export function signatureWorkflowId(signature: string): string {
  return `offboard-signature-${createHash('sha256').update(signature.toLowerCase()).digest('hex')}`;
}

/**
 * Constant time for the event hook's shared secret, its length included: both sides are hashed
 * first, so the comparison always runs over 32 bytes and an early exit cannot tell a caller how long
 * the secret is (Node's `crypto.timingSafeEqual` throws on inputs of different lengths).
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given ?? ''), digest(expected)) && given !== undefined;
}
