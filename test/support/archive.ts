// The tests' audit archive: the embedded PostgreSQL (PGlite) per harness, in a folder of its own so that the CLI,
// run in-process as `offboard audit ...`, reaches it through OFFBOARD_ARCHIVE_DIR as an operator's would. Each
// folder starts as a copy of a template initialised once per machine and PGlite version: initdb takes seconds,
// the copy milliseconds.
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { parseCodecKeys } from '../../codec';
import { openArchive, type ArchiveDb } from '../../archive/db';
import { createSealer } from '../../archive/seal';
import { AuditTrail } from '../../archive/trail';

/** The pinned PGlite (package.json): a template made by another version is not reused. */
const PGLITE_VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  }
).dependencies['@electric-sql/pglite'];
const TEMPLATE = join(tmpdir(), `offboarding-test-archive-template-pglite-${PGLITE_VERSION}`);

/** An initialised, empty PGlite folder to copy; made once, by whichever test process needs it first. */
async function template(): Promise<string> {
  if (existsSync(join(TEMPLATE, 'PG_VERSION'))) return TEMPLATE;
  const building = mkdtempSync(`${TEMPLATE}-building-`);
  const pg = await PGlite.create(building);
  await pg.close();
  try {
    renameSync(building, TEMPLATE);
  } catch {
    // Another test process made it meanwhile.
    rmSync(building, { recursive: true, force: true });
  }
  return TEMPLATE;
}

export class TestArchive {
  private constructor(
    readonly dir: string,
    readonly db: ArchiveDb,
  ) {}

  /** A new, migrated archive in a folder of its own. */
  static async open(): Promise<TestArchive> {
    const dir = mkdtempSync(join(tmpdir(), 'offboarding-test-archive-'));
    cpSync(await template(), dir, { recursive: true });
    return new TestArchive(dir, await openArchive({ dir }));
  }

  /** The trail as a worker with these codec keys writes it (`null`: no keys file, plaintext). */
  trail(keyLines: string[] | null): AuditTrail {
    return new AuditTrail(this.db, createSealer(keyLines ? parseCodecKeys(keyLines.join('\n')) : undefined));
  }

  /** What points the CLI (or a worker config) at this archive. */
  get env(): NodeJS.ProcessEnv {
    return { OFFBOARD_ARCHIVE_DIR: this.dir };
  }

  async close(): Promise<void> {
    await this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
