// Where the audit archive lives, read once at start-up by the worker, the setup step and the CLI:
// OFFBOARD_ARCHIVE_DATABASE_URL (or OFFBOARD_ARCHIVE_DATABASE_URL_FILE, a mounted secret: the URL holds the
// password) for PostgreSQL, else the embedded PGlite in OFFBOARD_ARCHIVE_DIR; and the codec keys that seal its
// free text and snapshots (OFFBOARD_CODEC_KEYS_FILE, the history's keys).
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCodecKeys, type CodecKeys } from '../codec';
import { secretFromEnv } from '../okta/config';
import type { ArchiveSource } from './db';

export interface ArchiveConfig {
  source: ArchiveSource;
  /** Undefined: the sealed column holds plain JSON (and the worker says so at start-up). */
  keys?: CodecKeys;
}

/** The embedded archive's folder when OFFBOARD_ARCHIVE_DIR is unset: beside the project's other data of this user. */
export function defaultArchiveDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'okta-offboarding', 'archive');
}

export function archiveConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ArchiveConfig {
  const url = secretFromEnv(env, 'OFFBOARD_ARCHIVE_DATABASE_URL');
  const dir = env.OFFBOARD_ARCHIVE_DIR || undefined;
  if (url && dir) throw new Error('Set OFFBOARD_ARCHIVE_DATABASE_URL (PostgreSQL) or OFFBOARD_ARCHIVE_DIR, not both');
  if (url) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // The URL holds a password: the message never repeats it.
      throw new Error(
        'OFFBOARD_ARCHIVE_DATABASE_URL must be a URL such as postgres://user:password@host:5432/database',
      );
    }
    if (!/^postgres(ql)?:$/.test(protocol))
      throw new Error('OFFBOARD_ARCHIVE_DATABASE_URL must start with postgres:// or postgresql://');
  }
  return {
    source: url ? { url } : { dir: resolve(dir ?? defaultArchiveDir(env)) },
    keys: loadCodecKeys(env),
  };
}
