// The tests' payload encryption: a key made for the test process (every harness runs encrypted by default), a keys
// file for the processes and configs that read OFFBOARD_CODEC_KEYS_FILE, and the history walks that read what the
// server stores, raw or decoded.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { generateKeyLine, parseCodecKeys, type CodecKeys } from '../../codec';

/** Keys from `<id>=<key>` lines, the last one current, as the keys file holds them. */
export const codecKeysOf = (...lines: string[]): CodecKeys => parseCodecKeys(lines.join('\n'));

/** A random key under `id`, as a keys-file line. */
export const testKeyLine = (id: string): string => generateKeyLine(id);

/** The key every harness of this test process encrypts with, unless a test picks its own. */
export const TEST_CODEC_KEY_LINES = [testKeyLine('test-1')];

let keysDir: string | undefined;
/** Writes the lines to a new keys file (mode 0600, as operators are told to keep it) and returns its path. */
export function writeCodecKeysFile(lines: string[]): string {
  keysDir ??= mkdtempSync(join(tmpdir(), 'offboard-codec-'));
  const path = join(keysDir, `keys-${Math.random().toString(36).slice(2, 10)}`);
  writeFileSync(path, `# test keys\n${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

const isPayload = (value: object): value is Payload =>
  'data' in value &&
  'metadata' in value &&
  typeof value.metadata === 'object' &&
  value.metadata !== null &&
  (value.data === null || value.data === undefined || value.data instanceof Uint8Array);

/**
 * Every Payload in a proto message tree (history events, memos, user metadata, failures' encoded attributes), but
 * those under the fields named in `skip` (`searchAttributes`: Temporal indexes them, so no codec sees them).
 */
export function payloadsIn(node: unknown, skip: string[] = [], found: Payload[] = []): Payload[] {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return found;
  if (isPayload(node)) found.push(node);
  for (const [key, child] of Object.entries(node)) if (!skip.includes(key)) payloadsIn(child, skip, found);
  return found;
}

/** Replaces, in place, every Payload of the tree with its decoded form; payloads decode as they nest (failures). */
export async function decodeInPlace(node: unknown, codecs: PayloadCodec[]): Promise<void> {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const record = node as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (child !== null && typeof child === 'object' && !(child instanceof Uint8Array) && isPayload(child)) {
      let payload: Payload = child;
      for (const codec of [...codecs].reverse()) payload = (await codec.decode([payload]))[0] ?? payload;
      record[key] = payload;
    } else {
      await decodeInPlace(child, codecs);
    }
  }
}

/**
 * Everything a reader of the stored history sees, as text: every string field, and every byte field (payload
 * data and metadata) as UTF-8, so a JSON payload's values show as they are stored.
 */
export function storedText(node: unknown, parts: string[] = []): string {
  if (typeof node === 'string') parts.push(node);
  else if (node instanceof Uint8Array) parts.push(Buffer.from(node).toString('utf8'));
  else if (node !== null && typeof node === 'object') for (const child of Object.values(node)) storedText(child, parts);
  return parts.join('\n');
}
