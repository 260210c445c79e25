// Opening the audit archive. PGlite runs PostgreSQL inside one process and does not guard its folder against a
// second one, so: a worker holds its embedded folder under a lock file (a second worker on it is refused, and
// told to use PostgreSQL), and a reader (the CLI) opens a copy of it, never the folder a worker may be writing.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ArchiveConfig } from './config';
import { openArchive, type ArchiveDb } from './db';
import { createSealer } from './seal';
import { AuditTrail } from './trail';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<dir>.lock` holds the pid of the worker that has the folder open; one left by a dead process is taken over. */
function lockFolder(dir: string): () => void {
  const path = `${dir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new Error(
        `The embedded audit archive ${dir} is open in process ${holder}: PGlite serves one process, so several ` +
          'workers need OFFBOARD_ARCHIVE_DATABASE_URL (PostgreSQL), or each its own OFFBOARD_ARCHIVE_DIR',
      );
    }
    rmSync(path, { force: true });
  }
}

/** The same database, with something more done once it is closed. */
const closing = (db: ArchiveDb, after: () => void): ArchiveDb => ({
  ...db,
  description: db.description,
  close: async () => {
    try {
      await db.close();
    } finally {
      after();
    }
  },
});

/** The worker's archive, opened once per process and migrated; the caller closes it on shutdown. */
export async function openTrailForWorker(config: ArchiveConfig): Promise<AuditTrail> {
  const sealer = createSealer(config.keys);
  if ('url' in config.source || 'memory' in config.source)
    return new AuditTrail(await openArchive(config.source), sealer);
  const { dir } = config.source;
  const unlock = lockFolder(dir);
  try {
    mkdirSync(dir, { recursive: true });
    return new AuditTrail(closing(await openArchive({ dir }), unlock), sealer);
  } catch (error) {
    unlock();
    throw error;
  }
}

/**
 * The archive for reading (`offboard audit`, the CLI's rehire): PostgreSQL as it is; an embedded folder as a copy
 * of it, removed on close. Undefined when the embedded folder does not exist: no worker has written to it.
 */
export async function openTrailForReading(config: ArchiveConfig): Promise<AuditTrail | undefined> {
  const sealer = createSealer(config.keys);
  if (!('dir' in config.source)) return new AuditTrail(await openArchive(config.source), sealer);
  const { dir } = config.source;
  if (!existsSync(join(dir, 'PG_VERSION'))) return undefined;
  const copy = mkdtempSync(join(tmpdir(), 'offboard-archive-read-'));
  const removeCopy = () => rmSync(copy, { recursive: true, force: true });
  try {
    cpSync(dir, copy, { recursive: true });
    return new AuditTrail(closing(await openArchive({ dir: copy }), removeCopy), sealer);
  } catch (error) {
    removeCopy();
    throw error;
  }
}

/**
 * The setup step's part (worker/setup-temporal.ts): PostgreSQL's schema migrated before any worker starts, retried
 * until the database answers or the deadline passes. An embedded archive is migrated by its one worker instead.
 */
export async function setUpArchive(
  config: ArchiveConfig,
  deadline: number,
  log: (line: string) => void,
): Promise<void> {
  if (!('url' in config.source)) {
    log(
      'audit archive: embedded (PGlite), migrated by the worker at its start; set OFFBOARD_ARCHIVE_DATABASE_URL for PostgreSQL\n',
    );
    return;
  }
  for (;;) {
    try {
      const db = await openArchive(config.source);
      const applied = await db.query<{ name: string }>('SELECT name FROM archive_migrations ORDER BY name');
      await db.close();
      log(`audit archive ${db.description}: schema at ${applied.map((row) => row.name).join(', ')}\n`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`audit archive: ${(error as Error).message}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
