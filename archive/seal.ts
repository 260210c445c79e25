// The archive's sealed column: JSON encrypted with the codec keys that encrypt Temporal's history (codec/,
// OFFBOARD_CODEC_KEYS_FILE), AES-256-GCM under the current key, opened with any key the file still lists. The
// row's key is bound to the ciphertext as GCM additional data, with the key id, so a sealed value copied into
// another row, or relabelled with another key id, fails its tag check instead of reading as that row's.
// Without keys the value is plain JSON in the same column (the key id NULL), as the history is plain without them.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CodecKeys } from '../codec';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  sealed: Buffer;
  /** The key that sealed it; null: plain JSON. */
  keyId: string | null;
}

export interface Sealer {
  /** How values are sealed, for start-up logs: the current key's id, or plaintext. */
  readonly description: string;
  readonly encrypted: boolean;
  seal(value: unknown, rowKey: string): Sealed;
  open(stored: Sealed, rowKey: string): unknown;
}

const additionalData = (keyId: string, rowKey: string): Buffer => Buffer.from(`offboard-archive\n${keyId}\n${rowKey}`);

export function createSealer(keys: CodecKeys | undefined): Sealer {
  return {
    description: keys
      ? `AES-256-GCM with codec key ${keys.current}`
      : 'plaintext (OFFBOARD_CODEC_KEYS_FILE is not set)',
    encrypted: keys !== undefined,
    seal(value, rowKey) {
      const plain = Buffer.from(JSON.stringify(value), 'utf8');
      if (!keys) return { sealed: plain, keyId: null };
      const key = keys.keys.get(keys.current)!;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(additionalData(keys.current, rowKey));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { sealed, keyId: keys.current };
    },
    open({ sealed, keyId }, rowKey) {
      if (keyId === null) return JSON.parse(Buffer.from(sealed).toString('utf8')) as unknown;
      if (!keys)
        throw new Error(`archive row ${rowKey} is sealed with codec key ${keyId}: set OFFBOARD_CODEC_KEYS_FILE`);
      const key = keys.keys.get(keyId);
      if (!key) {
        throw new Error(
          `archive row ${rowKey} is sealed with codec key ${keyId}, which OFFBOARD_CODEC_KEYS_FILE does not hold (keep old keys after a rotation)`,
        );
      }
      const data = Buffer.from(sealed);
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`archive row ${rowKey}: the sealed value is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(additionalData(keyId, rowKey));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new Error(`archive row ${rowKey}: the sealed value failed authentication (altered, or not this row's)`);
      }
      return JSON.parse(plain.toString('utf8')) as unknown;
    },
  };
}
