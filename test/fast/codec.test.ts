// The AES-256-GCM payload codec and its keys file, alone: what a bad file says (never a key), what an unknown key
// id or an altered payload does, and that payloads written before encryption pass through untouched.
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AesGcmCodec,
  dataConverterFor,
  ENCRYPTED_ENCODING,
  FAILURE_CONVERTER_PATH,
  generateKeyLine,
  KEY_ID_METADATA,
  loadCodecKeys,
  parseCodecKeys,
} from '../../codec';
import { writeCodecKeysFile } from '../support/codec';

const key = (bytes = 32) => randomBytes(bytes).toString('base64');
const reportPayload = defaultPayloadConverter.toPayload({ reason: 'Resigned', groups: ['Engineering'] });
const text = (bytes?: Uint8Array | null) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** Parses `text` expecting an error, and checks that the message names no key material of `secrets`. */
function refusal(file: string, ...secrets: string[]): string {
  let message = '';
  try {
    parseCodecKeys(file);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).not.toBe('');
  for (const secret of secrets) {
    expect(message).not.toContain(secret);
    expect(message).not.toContain(Buffer.from(secret, 'base64').toString('hex'));
  }
  return message;
}

describe('the keys file', () => {
  it('takes one <id>=<base64> per line, skips comments and blank lines, and makes the last key current', () => {
    const [a, b] = [key(), key()];
    const keys = parseCodecKeys(`# rotated 2025-01\n\nold-2024=${a}\n  new.2025 = ${b}  \n`);
    expect(keys.current).toBe('new.2025');
    expect([...keys.keys.keys()]).toEqual(['old-2024', 'new.2025']);
    expect(keys.keys.get('old-2024')?.toString('base64')).toBe(a);
  });

  it('refuses a short key, a duplicate id, repeated key material, a bad id, a line without = and an empty file, never printing a key', () => {
    const short = key(16);
    expect(refusal(`k1=${short}`, short)).toMatch(/line 1: key k1 must be the base64 of 32 random bytes/);
    const [a, b] = [key(), key()];
    expect(refusal(`k1=${a}\nk1=${b}`, a, b)).toMatch(/line 2: key id k1 appears twice/);
    expect(refusal(`k1=${a}\nk2=${a}`, a)).toMatch(/line 2: key k2 repeats the material of an earlier key/);
    expect(refusal(`bad id!=${a}`, a)).toMatch(/line 1: the key id must match/);
    expect(refusal(`k1=${a}!`, a)).toMatch(/line 1: key k1 must be the base64/);
    const unpadded = key(30);
    expect(refusal(unpadded, unpadded)).toMatch(/line 1: expected <id>=<base64 key>/);
    expect(refusal('# nothing yet\n')).toMatch(/holds no key/);
  });

  it('is read from OFFBOARD_CODEC_KEYS_FILE, and is off when the variable is unset', () => {
    expect(loadCodecKeys({})).toBeUndefined();
    expect(dataConverterFor(undefined)).toBeUndefined();
    const keys = loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: writeCodecKeysFile([generateKeyLine('k1')]) });
    expect(keys?.current).toBe('k1');
    expect(dataConverterFor(keys)).toMatchObject({ failureConverterPath: FAILURE_CONVERTER_PATH });
    const secret = key(8);
    const bad = writeCodecKeysFile([`k1=${secret}`]);
    expect(() => loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: bad })).toThrow(`OFFBOARD_CODEC_KEYS_FILE ${bad}: `);
    expect(() => loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: bad })).not.toThrow(secret);
    expect(() => loadCodecKeys({ OFFBOARD_CODEC_KEYS_FILE: '/nonexistent/keys' })).toThrow(/cannot read/);
  });

  it('gets new lines from generateKeyLine, which refuses an id the file would refuse', () => {
    const line = generateKeyLine('k-2025.1');
    expect(parseCodecKeys(line).current).toBe('k-2025.1');
    expect(() => generateKeyLine('a'.repeat(33))).toThrow(/the key id must match/);
  });
});

describe('AesGcmCodec', () => {
  const k1 = generateKeyLine('k1');
  const k2 = generateKeyLine('k2');

  it('encrypts the whole payload under the current key id, with a fresh IV each time, and decodes it back', async () => {
    const codec = new AesGcmCodec(parseCodecKeys(`${k1}\n${k2}`));
    const [once, twice] = await codec.encode([reportPayload, reportPayload]);
    expect(text(once?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(once?.metadata?.[KEY_ID_METADATA])).toBe('k2');
    expect(Buffer.from(once!.data!).toString('utf8')).not.toContain('Resigned');
    expect(Buffer.from(once!.data!).equals(Buffer.from(twice!.data!))).toBe(false);
    const [decoded] = await codec.decode([once!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ reason: 'Resigned', groups: ['Engineering'] });
    expect(text(decoded?.metadata?.encoding)).toBe('json/plain');
  });

  it('decodes payloads of an older key after a rotation, and refuses a key id it does not hold', async () => {
    const [old] = await new AesGcmCodec(parseCodecKeys(k1)).encode([reportPayload]);
    const rotated = new AesGcmCodec(parseCodecKeys(`${k1}\n${k2}`));
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toMatchObject({
      reason: 'Resigned',
    });
    await expect(new AesGcmCodec(parseCodecKeys(k2)).decode([old!])).rejects.toThrow(
      'encrypted payload uses codec key k1, which OFFBOARD_CODEC_KEYS_FILE does not hold',
    );
  });

  it('leaves a plaintext payload (a history from before encryption) as it is', async () => {
    const codec = new AesGcmCodec(parseCodecKeys(k1));
    const binary: Payload = { metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.from([1, 2, 3]) };
    expect(await codec.decode([reportPayload, binary])).toEqual([reportPayload, binary]);
  });

  it('detects an altered ciphertext, a truncated one and a payload relabelled with another key id (GCM tag)', async () => {
    const keys = parseCodecKeys(`${k1}\n${k2}`);
    const codec = new AesGcmCodec(keys);
    const [encrypted] = await codec.encode([reportPayload]);
    const flipped = Buffer.from(encrypted!.data!);
    flipped[20] = flipped[20]! ^ 0x01;
    await expect(codec.decode([{ ...encrypted, data: flipped }])).rejects.toThrow(/failed authentication/);
    await expect(codec.decode([{ ...encrypted, data: flipped.subarray(0, 20) }])).rejects.toThrow(/truncated/);
    const relabelled = { ...encrypted, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/key k1\) failed authentication/);
  });
});
