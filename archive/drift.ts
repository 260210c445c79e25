// The drift watch's reads and writes in the archive (schema: migrations/002-drift.ts). Writes are append-only and
// idempotent: each row has a unique key, a write inserts what is missing, and a retried write changes nothing.
import type { ArchiveDb } from './db';

type Query = Pick<ArchiveDb, 'query'>;

export interface WatchedUser {
  userId: string;
  /** When the person's last offboarding completed (the run verified it). */
  completedAt: string;
  /** The completion, or the newest re-verification. */
  lastVerifiedAt: string;
}

export interface DriftPollRow {
  key: string;
  readFrom: string;
  readUntil: string;
  pages: number;
  eventsRead: number;
  matched: number;
  watched: number;
  reverified: number;
  workflowId: string;
  runId: string;
}

export interface VerificationRow {
  key: string;
  userId: string;
  verifiedAt: string;
  outcome: 'clean' | 'residue' | 'deleted';
  residue: number;
  workflowId: string;
  runId: string;
}

export interface DriftEventRow {
  key: string;
  userId: string;
  kind: 'status' | 'group' | 'app' | 'sign-in' | 'residue';
  action: 'alert' | 'revoke' | 'explained-by-rehire';
  at: string;
  source: 'system-log' | 're-verification';
  eventType?: string;
  eventUuid?: string;
  itemId?: string;
  clientIp?: string;
  appId?: string;
  detail: string;
  completedAt: string;
  revokeWorkflowId?: string;
  workflowId: string;
  runId: string;
}

const iso = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
const UNIQUE_VIOLATION = '23505';

/**
 * Inserts the rows whose key is missing. Two writers of one key (never expected: the schedule runs one watch at a
 * time) meet the unique key: the insert is tried once more and then finds the row.
 */
async function insertMissing(db: Query, sql: string, params: unknown[]): Promise<void> {
  try {
    await db.query(sql, params);
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await db.query(sql, params);
  }
}

const toWatched = (row: { user_id: string; completed_at: unknown; last_verified_at: unknown }): WatchedUser => ({
  userId: row.user_id,
  completedAt: iso(row.completed_at),
  lastVerifiedAt: iso(row.last_verified_at),
});

export class DriftArchive {
  constructor(private readonly db: Query) {}

  /** How many people the watch holds now. */
  async watchedCount(completedAfter: string): Promise<number> {
    const [row] = await this.db.query<{ count: unknown }>(
      'SELECT count(*) AS count FROM drift_watched WHERE completed_at > $1',
      [completedAfter],
    );
    return Number(row?.count ?? 0);
  }

  /** The watched people among these Okta ids (the ids one System Log page names). */
  async watchedAmong(userIds: string[], completedAfter: string): Promise<WatchedUser[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.query<{ user_id: string; completed_at: unknown; last_verified_at: unknown }>(
      `SELECT user_id, completed_at, last_verified_at FROM drift_watched
       WHERE user_id = ANY($1::text[]) AND completed_at > $2`,
      [[...new Set(userIds)], completedAfter],
    );
    return rows.map(toWatched);
  }

  /** The people whose last verification is older than `verifiedBefore`, the longest unverified first. */
  async dueForReverification(completedAfter: string, verifiedBefore: string, limit: number): Promise<WatchedUser[]> {
    if (limit <= 0) return [];
    const rows = await this.db.query<{ user_id: string; completed_at: unknown; last_verified_at: unknown }>(
      `SELECT user_id, completed_at, last_verified_at FROM drift_watched
       WHERE completed_at > $1 AND last_verified_at < $2
       ORDER BY last_verified_at, user_id LIMIT $3`,
      [completedAfter, verifiedBefore, limit],
    );
    return rows.map(toWatched);
  }

  /** The end of the last window a poll read, if any poll has completed. */
  async cursor(): Promise<string | undefined> {
    const [row] = await this.db.query<{ until: unknown }>('SELECT max(read_until) AS until FROM drift_polls');
    return row?.until ? iso(row.until) : undefined;
  }

  async recordPoll(poll: DriftPollRow): Promise<void> {
    await insertMissing(
      this.db,
      `INSERT INTO drift_polls (key, read_from, read_until, pages, events_read, matched, watched, reverified, workflow_id, run_id)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
       WHERE NOT EXISTS (SELECT 1 FROM drift_polls WHERE key = $1)`,
      [
        poll.key,
        poll.readFrom,
        poll.readUntil,
        poll.pages,
        poll.eventsRead,
        poll.matched,
        poll.watched,
        poll.reverified,
        poll.workflowId,
        poll.runId,
      ],
    );
  }

  async recordVerifications(rows: VerificationRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <K extends keyof VerificationRow>(name: K) => rows.map((row) => row[name]);
    await insertMissing(
      this.db,
      `INSERT INTO drift_verifications (key, user_id, verified_at, outcome, residue, workflow_id, run_id)
       SELECT n.* FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::int[], $6::text[], $7::text[])
         AS n(key, user_id, verified_at, outcome, residue, workflow_id, run_id)
       WHERE NOT EXISTS (SELECT 1 FROM drift_verifications d WHERE d.key = n.key)`,
      [
        column('key'),
        column('userId'),
        column('verifiedAt'),
        column('outcome'),
        column('residue'),
        column('workflowId'),
        column('runId'),
      ],
    );
  }

  /** Keys of these events already recorded, by any run. */
  async recordedKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.db.query<{ key: string }>('SELECT key FROM drift_events WHERE key = ANY($1::text[])', [
      keys,
    ]);
    return new Set(rows.map((row) => row.key));
  }

  /**
   * Records the events; answers the keys this run recorded (now, or in an earlier attempt of the same activity whose
   * answer was lost), which are the ones this run acts on. A key another run recorded first is not this run's.
   */
  async recordEvents(rows: DriftEventRow[], runId: string): Promise<string[]> {
    if (rows.length === 0) return [];
    const column = <K extends keyof DriftEventRow>(name: K) => rows.map((row) => row[name] ?? null);
    await insertMissing(
      this.db,
      `INSERT INTO drift_events (key, user_id, kind, action, at, source, event_type, event_uuid, item_id, client_ip,
                                 app_id, detail, completed_at, revoke_workflow_id, workflow_id, run_id)
       SELECT n.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
                              $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
                              $14::text[], $15::text[], $16::text[])
         AS n(key, user_id, kind, action, at, source, event_type, event_uuid, item_id, client_ip, app_id, detail,
              completed_at, revoke_workflow_id, workflow_id, run_id)
       WHERE NOT EXISTS (SELECT 1 FROM drift_events d WHERE d.key = n.key)`,
      [
        column('key'),
        column('userId'),
        column('kind'),
        column('action'),
        column('at'),
        column('source'),
        column('eventType'),
        column('eventUuid'),
        column('itemId'),
        column('clientIp'),
        column('appId'),
        column('detail'),
        column('completedAt'),
        column('revokeWorkflowId'),
        column('workflowId'),
        column('runId'),
      ],
    );
    const mine = await this.db.query<{ key: string }>(
      'SELECT key FROM drift_events WHERE key = ANY($1::text[]) AND run_id = $2',
      [rows.map((row) => row.key), runId],
    );
    return mine.map((row) => row.key);
  }

  /** Whether the trail holds a rehire of this person after this time. */
  async rehiredAfter(userId: string, after: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ at: unknown; workflow_id: string }>(
      `SELECT at, workflow_id FROM archive_events WHERE user_id = $1 AND milestone = 'rehired' AND at > $2
       ORDER BY at LIMIT 1`,
      [userId, after],
    );
    return row ? `${row.workflow_id} rehired the person at ${iso(row.at)}` : undefined;
  }

  /** Drift events recorded at or after `since`, oldest first (the CLI's `offboard drift`). */
  async listEvents(since: string, limit = 10_000): Promise<DriftEventRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT key, user_id, kind, action, at, source, event_type, event_uuid, item_id, client_ip, app_id, detail,
              completed_at, revoke_workflow_id, workflow_id, run_id
       FROM drift_events WHERE at >= $1 ORDER BY at, seq LIMIT $2`,
      [since, limit],
    );
    return rows.map((row) => {
      const text = (name: string) => (row[name] === null || row[name] === undefined ? undefined : String(row[name]));
      return {
        key: String(row.key),
        userId: String(row.user_id),
        kind: row.kind as DriftEventRow['kind'],
        action: row.action as DriftEventRow['action'],
        at: iso(row.at),
        source: row.source as DriftEventRow['source'],
        eventType: text('event_type'),
        eventUuid: text('event_uuid'),
        itemId: text('item_id'),
        clientIp: text('client_ip'),
        appId: text('app_id'),
        detail: String(row.detail),
        completedAt: iso(row.completed_at),
        revokeWorkflowId: text('revoke_workflow_id'),
        workflowId: String(row.workflow_id),
        runId: String(row.run_id),
      };
    });
  }
}
