// Payload encryption for Temporal history: an AES-256-GCM PayloadCodec with key ids, so keys rotate (new
// payloads use the newest key, older ones still decode), and the data converter every client and worker uses.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export interface CodecKeys {
  /** Id of the key new payloads are encrypted with: the last line of the keys file. */
  current: string;
  /** Every key that still decodes: the current one and the ones it replaced. */
  keys: Map<string, Buffer>;
}

/** The `encoding` of an encrypted payload, as in Temporal's encryption samples, so a codec server recognises it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Payload metadata naming the key that encrypted it. */
export const KEY_ID_METADATA = 'encryption-key-id';

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Parses a keys file: one `<id>=<base64 of 32 bytes>` per line, `#` comments, the last key is the current one.
 * Errors name the line and the id, never the key material, so a bad file never leaks a key into a log.
 */
export function parseCodecKeys(text: string): CodecKeys {
  const keys = new Map<string, Buffer>();
  const seen = new Set<string>();
  let current: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const at = `codec keys line ${index + 1}`;
    const equals = line.indexOf('=');
    if (equals < 0) throw new Error(`${at}: expected <id>=<base64 key>`);
    const id = line.slice(0, equals).trim();
    const encoded = line.slice(equals + 1).trim();
    if (!KEY_ID.test(id)) throw new Error(`${at}: the key id must match ${KEY_ID.source}`);
    if (keys.has(id)) throw new Error(`${at}: key id ${id} appears twice`);
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (!key || key.length !== KEY_BYTES) {
      throw new Error(`${at}: key ${id} must be the base64 of ${KEY_BYTES} random bytes (AES-256)`);
    }
    const fingerprint = key.toString('hex');
    if (seen.has(fingerprint)) throw new Error(`${at}: key ${id} repeats the material of an earlier key`);
    seen.add(fingerprint);
    keys.set(id, key);
    current = id;
  });
  if (!current) throw new Error('codec keys: the file holds no key');
  return { current, keys };
}

/** The keys in `OFFBOARD_CODEC_KEYS_FILE`, or undefined when it is unset (payloads then stay plain JSON). */
export function loadCodecKeys(env: NodeJS.ProcessEnv = process.env): CodecKeys | undefined {
  const path = env.OFFBOARD_CODEC_KEYS_FILE;
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`OFFBOARD_CODEC_KEYS_FILE: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseCodecKeys(text);
  } catch (error) {
    throw new Error(`OFFBOARD_CODEC_KEYS_FILE ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A new keys-file line: `<id>=<base64 of 32 random bytes>`. */
export function generateKeyLine(id: string): string {
  if (!KEY_ID.test(id)) throw new Error(`the key id must match ${KEY_ID.source}`);
  return `${id}=${randomBytes(KEY_BYTES).toString('base64')}`;
}

/**
 * Encrypts each whole Payload (its metadata too, so the JSON encoding does not show) with the current key; the
 * key id rides in plain metadata and is bound to the ciphertext as GCM additional data, so relabelling a payload
 * with another key id fails the tag check instead of decrypting under the wrong key.
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly codecKeys: CodecKeys) {
    if (!codecKeys.keys.has(codecKeys.current)) throw new Error(`codec keys: no key ${codecKeys.current}`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { current, keys } = this.codecKeys;
    const key = keys.get(current)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(current));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(current) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Histories written before encryption was on, and payloads other codecs own, pass through as they are.
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      if (!keyId) throw new Error(`encrypted payload without ${KEY_ID_METADATA}`);
      const key = this.codecKeys.keys.get(keyId);
      if (!key) {
        throw new Error(
          `encrypted payload uses codec key ${keyId}, which OFFBOARD_CODEC_KEYS_FILE does not hold (keep old keys after a rotation)`,
        );
      }
      const data = Buffer.from(payload.data ?? []);
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`encrypted payload (key ${keyId}) is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new Error(
          `encrypted payload (key ${keyId}) failed authentication: altered, or not written with this key`,
        );
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Failure messages and stack traces go into the encrypted `encodedAttributes` too (Temporal's
 * DefaultFailureConverter `encodeCommonAttributes`); the converter is loaded by path because the worker bundles it
 * into the workflow sandbox as well.
 */
export const FAILURE_CONVERTER_PATH = join(__dirname, `failure-converter${extname(__filename)}`);
// Imported as well as loaded by path, so the compiler emits it beside this file in dist/.
export { failureConverter } from './failure-converter';

/** The data converter for every Temporal client and worker: undefined (Temporal's default) without keys. */
export function dataConverterFor(keys: CodecKeys | undefined): DataConverter | undefined {
  if (!keys) return undefined;
  return { payloadCodecs: [new AesGcmCodec(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}
