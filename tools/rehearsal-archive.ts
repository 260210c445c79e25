// The rehearsal's audit archive (tools/rehearsal.ts): a database of its own in the rehearsal's PostgreSQL, its URL
// in a file as compose hands it over (OFFBOARD_ARCHIVE_DATABASE_URL_FILE), migrated by the setup step; after the
// runs, the check that it holds a `completed` row for every run, and the write latency per milestone as the
// archive itself recorded it (written_at, the database's clock, minus the milestone's time in the workflow).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { offboardWorkflowId } from '../workflows/definitions';
import type { Postgres } from './postgres';

const url = (postgres: Postgres, database: string): string =>
  `postgres://${encodeURIComponent(postgres.user)}:${encodeURIComponent(postgres.password)}@${postgres.host}:${postgres.port}/${database}`;

/** A new database for this rehearsal's archive, owned by the rehearsal's role; answers the file holding its URL. */
export async function createArchiveDatabase(
  postgres: Postgres,
  workDir: string,
): Promise<{ urlFile: string; database: string }> {
  const database = `offboard_archive_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: url(postgres, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const urlFile = join(workDir, 'offboard-archive-database-url');
  writeFileSync(urlFile, url(postgres, database), { mode: 0o600 });
  return { urlFile, database };
}

export interface ArchiveCheck {
  database: string;
  rows: number;
  /** Runs with a `completed` row. */
  completed: number;
  /** Leavers whose run has no `completed` row. */
  missing: string[];
  /** Keys written more than once (the UNIQUE key makes it impossible; counted to show it). */
  duplicates: number;
  /** Milliseconds from a milestone's time in the workflow to its row's commit, per milestone and overall. */
  latencyMs: Record<string, { count: number; p50: number; p95: number }>;
}

export async function checkArchive(postgres: Postgres, database: string, leavers: string[]): Promise<ArchiveCheck> {
  const db = new Client({ connectionString: url(postgres, database) });
  await db.connect();
  try {
    const completed = await db.query<{ workflow_id: string }>(
      "SELECT DISTINCT workflow_id FROM archive_events WHERE kind = 'offboard' AND milestone = 'completed'",
    );
    const done = new Set(completed.rows.map((row) => row.workflow_id));
    const counts = await db.query<{ rows: string; keys: string }>(
      'SELECT count(*) AS rows, count(DISTINCT key) AS keys FROM archive_events',
    );
    const latency = await db.query<{ milestone: string; count: string; p50: number; p95: number }>(
      `SELECT coalesce(milestone, 'all') AS milestone, count(*) AS count,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM written_at - at) * 1000) AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM written_at - at) * 1000) AS p95
       FROM archive_events GROUP BY ROLLUP (milestone)`,
    );
    const round = (ms: number) => Math.round(Number(ms) * 10) / 10;
    return {
      database,
      rows: Number(counts.rows[0]?.rows ?? 0),
      completed: leavers.filter((userId) => done.has(offboardWorkflowId(userId))).length,
      missing: leavers.filter((userId) => !done.has(offboardWorkflowId(userId))),
      duplicates: Number(counts.rows[0]?.rows ?? 0) - Number(counts.rows[0]?.keys ?? 0),
      latencyMs: Object.fromEntries(
        latency.rows.map((row) => [
          row.milestone,
          { count: Number(row.count), p50: round(row.p50), p95: round(row.p95) },
        ]),
      ),
    };
  } finally {
    await db.end();
  }
}
