// The audit archive's database: PostgreSQL in production (OFFBOARD_ARCHIVE_DATABASE_URL, the compose
// PostgreSQL's own database and role), or the same engine in-process (PGlite) for the demo and tests, persisted
// in a folder. One schema and one SQL for both; migrations are the numbered modules in archive/migrations, applied
// once each, in order, inside a transaction that holds an advisory lock (several workers may start at once).
import { MIGRATIONS } from './migrations';

export interface ArchiveDb {
  /** One statement, `$1`-style parameters. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Several statements in one transaction: all or nothing. */
  transaction<T>(work: (db: Pick<ArchiveDb, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Where it lives, for logs (never the password). */
  readonly description: string;
}

export type ArchiveSource = { url: string } | { dir: string } | { memory: true };

/** pg_advisory_xact_lock key: "offb" in ASCII. */
const MIGRATION_LOCK = 0x6f666662;

export async function openArchive(source: ArchiveSource): Promise<ArchiveDb> {
  const db = 'url' in source ? await openPostgres(source.url) : await openEmbedded(source);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The migrations not yet applied, in order. */
async function migrate(db: ArchiveDb): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS archive_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM archive_migrations')).map((r) => r.name));
    for (const { name, sql } of MIGRATIONS) {
      if (done.has(name)) continue;
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO archive_migrations (name) VALUES ($1)', [name]);
    }
  });
}

/** Statements end with `;` at the end of a line; comments are `--` lines. Migrations use no `$$` bodies. */
function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);
}

async function openPostgres(url: string): Promise<ArchiveDb> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: url, max: 4 });
  await pool.query('SELECT 1');
  const { hostname: host, port, pathname } = new URL(url);
  return {
    description: `PostgreSQL ${host}${port ? `:${port}` : ''}${pathname}`,
    async query(sql, params) {
      return (await pool.query(sql, params)).rows;
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: async (sql, params) => (await client.query(sql, params)).rows });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openEmbedded(source: { dir: string } | { memory: true }): Promise<ArchiveDb> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = 'dir' in source ? await PGlite.create(source.dir) : await PGlite.create();
  // The archive's own role, not the superuser PGlite starts as: the trail's REVOKEs (append-only) bind it as they
  // bind the production role (archive/migrations/001-trail.ts).
  const role = await pg.query("SELECT 1 FROM pg_roles WHERE rolname = 'offboard_archive'");
  if (role.rows.length === 0)
    await pg.exec('CREATE ROLE offboard_archive; GRANT CREATE ON SCHEMA public TO offboard_archive');
  await pg.exec('SET ROLE offboard_archive');
  // PGlite runs one statement at a time; a queue keeps a transaction's statements together.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  };
  const query = async <Row>(sql: string, params?: unknown[]): Promise<Row[]> => (await pg.query<Row>(sql, params)).rows;
  return {
    description: 'dir' in source ? `embedded PostgreSQL (PGlite) in ${source.dir}` : 'embedded PostgreSQL in memory',
    query: (sql, params) => serial(() => query(sql, params)),
    transaction: (work) =>
      serial(() =>
        pg.transaction((tx) => work({ query: async (sql, params) => (await tx.query(sql, params)).rows as never })),
      ),
    close: () => serial(() => pg.close()),
  };
}
