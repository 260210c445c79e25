// The audit archive alone, on the embedded PostgreSQL (PGlite): the milestone activity written twice keeps one row,
// rows refuse UPDATE, DELETE and TRUNCATE from the archive's role, the sealed column holds no plaintext and opens
// with any listed codec key, the configuration, the lock that keeps a second worker off an embedded folder, and
// the CLI's reading copy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiveActivities } from '../../activities/archive';
import { archiveConfigFromEnv, defaultArchiveDir } from '../../archive/config';
import { openTrailForReading, openTrailForWorker } from '../../archive/open';
import { createSealer } from '../../archive/seal';
import { formatDuration, leaversCsv } from '../../client/cli/audit';
import type { Milestone, OffboardingSnapshot } from '../../workflows/definitions';
import { runActivity } from '../support/activities';
import { TestArchive } from '../support/archive';
import { codecKeysOf, testKeyLine } from '../support/codec';

const REASON = 'Resigned: moving to Initech after the reorg';
const APPROVAL_REASON = 'checked with HR on the phone';
const PROFILE_EMAIL = 'margaret.hamilton@example.com';

const snapshot: OffboardingSnapshot = {
  takenAt: '2026-11-02T09:00:03.000Z',
  user: { id: '00uarchive1', status: 'ACTIVE' },
  groups: [{ id: '00gEng', name: 'Engineering', type: 'OKTA_GROUP', ruleIds: [] }],
  apps: [{ id: '0oaSlack', label: 'Slack', scope: 'USER', profile: { email: PROFILE_EMAIL } }],
  factors: [],
  devices: [],
  oauthClientIds: [],
};

/** A finished offboarding's `completed` milestone, as workflows/milestones.ts builds it. */
function completed(runId: string, userId = '00uarchive1'): Milestone {
  const workflowId = `offboard-${userId}`;
  return {
    kind: 'offboard',
    name: 'completed',
    at: '2026-11-02T09:00:20.000Z',
    key: `${workflowId}/${runId}/completed/1`,
    workflowId,
    runId,
    report: {
      workflowId,
      userId,
      source: 'hr',
      requestedBy: 'workday',
      correlationId: 'WD-1',
      reason: REASON,
      startedAt: '2026-11-02T09:00:00.000Z',
      finishedAt: '2026-11-02T09:00:20.000Z',
      outcome: 'completed',
      steps: [
        {
          step: 'suspendUser',
          phase: 'locking',
          outcome: 'done',
          startedAt: '2026-11-02T09:00:01.000Z',
          finishedAt: '2026-11-02T09:00:01.500Z',
          count: 1,
          items: [{ id: userId, kind: 'user', outcome: 'done' }],
        },
        {
          step: 'revokeSessions',
          phase: 'locking',
          outcome: 'done',
          startedAt: '2026-11-02T09:00:01.500Z',
          finishedAt: '2026-11-02T09:00:02.250Z',
          count: 1,
          items: [],
        },
        {
          step: 'verifyOffboarded',
          phase: 'verifying',
          outcome: 'done',
          startedAt: '2026-11-02T09:00:19.000Z',
          finishedAt: '2026-11-02T09:00:19.500Z',
          count: 0,
          items: [],
        },
      ],
      snapshot,
      residue: [],
      messages: [
        {
          name: 'approve',
          requestedBy: 'cli:bob',
          reason: APPROVAL_REASON,
          at: '2026-11-02T09:00:00.500Z',
          phase: 'awaiting-approval',
        },
      ],
      notes: ['Sessions, OAuth tokens and MFA factors are not restorable.'],
    },
  };
}

let archive: TestArchive;
beforeAll(async () => {
  archive = await TestArchive.open();
});
afterAll(async () => {
  await archive?.close();
});

describe('the archiveMilestone activity', () => {
  it('written twice with the same milestone (a retry, a replay) keeps one row', async () => {
    const { archiveMilestone } = createArchiveActivities(archive.trail(null));
    const milestone = completed('run-twice');
    await runActivity(archiveMilestone, milestone);
    await runActivity(archiveMilestone, milestone);
    const rows = await archive.db.query<{ milestone: string }>(
      'SELECT milestone FROM archive_events WHERE run_id = $1',
      ['run-twice'],
    );
    expect(rows).toEqual([{ milestone: 'completed' }]);
  });

  it('records the lockout, the verification, the residue count and the approver in plain columns', async () => {
    const trail = archive.trail(null);
    await trail.record(completed('run-columns'));
    const [row] = await archive.db.query<Record<string, unknown>>(
      'SELECT locked_out_at, verified, residue_count, approver, requested_at, outcome FROM archive_events WHERE run_id = $1',
      ['run-columns'],
    );
    expect(row).toEqual({
      locked_out_at: new Date('2026-11-02T09:00:02.250Z'),
      verified: true,
      residue_count: 0,
      approver: 'cli:bob',
      requested_at: new Date('2026-11-02T09:00:00.000Z'),
      outcome: 'completed',
    });
    const [line] = (await trail.leavers('2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z')).filter(
      (leaver) => leaver.runId === 'run-columns',
    );
    expect(line).toMatchObject({ timeToLockoutMs: 2_250, state: 'completed', verified: true, approver: 'cli:bob' });
  });

  it('fails, retryably, on a worker without an archive', async () => {
    const { archiveMilestone } = createArchiveActivities(undefined);
    await expect(runActivity(archiveMilestone, completed('run-none'))).rejects.toMatchObject({
      type: 'NoAuditArchive',
      nonRetryable: false,
    });
  });
});

describe('append-only rows', () => {
  it('refuses UPDATE, DELETE and TRUNCATE from the archive’s role and leaves the row as written', async () => {
    await archive.trail(null).record(completed('run-append-only'));
    const before = await archive.db.query('SELECT * FROM archive_events WHERE run_id = $1', ['run-append-only']);
    for (const statement of [
      "UPDATE archive_events SET outcome = 'cancelled' WHERE run_id = 'run-append-only'",
      "DELETE FROM archive_events WHERE run_id = 'run-append-only'",
      'TRUNCATE archive_events',
    ]) {
      await expect(archive.db.query(statement), statement).rejects.toThrow(
        /permission denied for table archive_events/,
      );
    }
    expect(await archive.db.query('SELECT * FROM archive_events WHERE run_id = $1', ['run-append-only'])).toEqual(
      before,
    );
    expect(await archive.trail(null).rowsChangeable()).toBe(false);
  });
});

describe('the sealed column', () => {
  const rawRow = async (runId: string) => {
    const [row] = await archive.db.query<{ sealed: Uint8Array; sealed_key_id: string | null; report: unknown }>(
      'SELECT sealed, sealed_key_id, report FROM archive_events WHERE run_id = $1',
      [runId],
    );
    return { ...row!, text: `${Buffer.from(row!.sealed).toString('utf8')}\n${JSON.stringify(row!.report)}` };
  };

  it('holds no reason, approval reason, note or snapshot in plaintext, and opens with the keys', async () => {
    const lines = [testKeyLine('k1')];
    await archive.trail(lines).record(completed('run-sealed'));
    const raw = await rawRow('run-sealed');
    expect(raw.sealed_key_id).toBe('k1');
    for (const secret of [REASON, APPROVAL_REASON, PROFILE_EMAIL, 'Engineering', 'not restorable'])
      expect(raw.text).not.toContain(secret);
    const [entry] = await archive
      .trail(lines)
      .trail('00uarchive1')
      .then((all) => all.filter((e) => e.runId === 'run-sealed'));
    expect(entry?.report).toMatchObject({
      reason: REASON,
      snapshot,
      messages: [{ name: 'approve', requestedBy: 'cli:bob', reason: APPROVAL_REASON }],
    });
  });

  it('opens rows of an older key after a rotation, and names a key the file no longer holds', async () => {
    const old = testKeyLine('old');
    await archive.trail([old]).record(completed('run-rotated', '00urotated'));
    const rotated = await archive.trail([old, testKeyLine('new')]).trail('00urotated');
    expect(rotated[0]?.report).toMatchObject({ reason: REASON });
    await expect(archive.trail([testKeyLine('other')]).trail('00urotated')).rejects.toThrow(
      /sealed with codec key old, which OFFBOARD_CODEC_KEYS_FILE does not hold/,
    );
  });

  it('stores plain JSON without a keys file, and says so', async () => {
    const trail = archive.trail(null);
    expect(trail.description).toMatch(/plaintext \(OFFBOARD_CODEC_KEYS_FILE is not set\)/);
    await trail.record(completed('run-plain', '00uplain'));
    const raw = await rawRow('run-plain');
    expect(raw.sealed_key_id).toBeNull();
    expect(raw.text).toContain(REASON);
  });

  it('refuses a sealed value moved to another row', () => {
    const sealer = createSealer(codecKeysOf(testKeyLine('k1')));
    const sealed = sealer.seal({ reason: REASON }, 'row/a');
    expect(sealer.open(sealed, 'row/a')).toEqual({ reason: REASON });
    expect(() => sealer.open(sealed, 'row/b')).toThrow(/failed authentication/);
  });
});

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'archive-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the PostgreSQL URL from OFFBOARD_ARCHIVE_DATABASE_URL_FILE; an empty file is unset', () => {
    const url = join(dir, 'url');
    writeFileSync(url, 'postgres://offboard_archive:pw@db:5432/offboard_archive\n');
    expect(archiveConfigFromEnv({ OFFBOARD_ARCHIVE_DATABASE_URL_FILE: url }).source).toEqual({
      url: 'postgres://offboard_archive:pw@db:5432/offboard_archive',
    });
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    expect(archiveConfigFromEnv({ OFFBOARD_ARCHIVE_DATABASE_URL_FILE: empty, XDG_DATA_HOME: dir }).source).toEqual({
      dir: join(dir, 'okta-offboarding', 'archive'),
    });
  });

  it('defaults to the embedded archive under the user’s data folder, and refuses both settings or a bad URL without printing it', () => {
    expect(archiveConfigFromEnv({ XDG_DATA_HOME: '/var/lib/x' }).source).toEqual({
      dir: '/var/lib/x/okta-offboarding/archive',
    });
    expect(defaultArchiveDir({ HOME: '/home/ada' })).toMatch(/okta-offboarding\/archive$/);
    expect(archiveConfigFromEnv({ OFFBOARD_ARCHIVE_DIR: 'rel/archive' }).source).toEqual({
      dir: join(process.cwd(), 'rel/archive'),
    });
    expect(() =>
      archiveConfigFromEnv({ OFFBOARD_ARCHIVE_DATABASE_URL: 'postgres://u:p@h/d', OFFBOARD_ARCHIVE_DIR: dir }),
    ).toThrow(/not both/);
    expect(() => archiveConfigFromEnv({ OFFBOARD_ARCHIVE_DATABASE_URL: 'mysql://u:secret-pw@h/d' })).toThrow(
      /must start with postgres:\/\//,
    );
    expect(() => archiveConfigFromEnv({ OFFBOARD_ARCHIVE_DATABASE_URL: 'not a url secret-pw' })).not.toThrow(
      /secret-pw/,
    );
  });
});

describe('the embedded folder', () => {
  it('is held by one worker: a second is refused, a lock left by a dead process is taken over', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'archive-lock-')), 'archive');
    writeFileSync(`${dir}.lock`, '999999999');
    const first = await openTrailForWorker({ source: { dir } });
    try {
      await expect(openTrailForWorker({ source: { dir } })).rejects.toThrow(
        /open in process \d+: PGlite serves one process, so several workers need OFFBOARD_ARCHIVE_DATABASE_URL/,
      );
      await first.record(completed('run-lock'));
      // The CLI reads a copy, while the worker holds the folder.
      const reader = await openTrailForReading({ source: { dir } });
      expect((await reader?.trail('00uarchive1'))?.map((entry) => entry.runId)).toEqual(['run-lock']);
      await reader?.close();
    } finally {
      await first.close();
    }
    const again = await openTrailForWorker({ source: { dir } });
    await again.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('is not created by a reader: a folder no worker wrote is no archive', async () => {
    expect(await openTrailForReading({ source: { dir: join(tmpdir(), 'no-such-archive-folder') } })).toBeUndefined();
  });
});

describe('the export’s formats', () => {
  it('quotes CSV fields with commas or quotes, and writes durations for people', () => {
    const csv = leaversCsv([
      {
        userId: '00u1',
        workflowId: 'offboard-00u1',
        runId: 'r1',
        requestedBy: 'cli:o"brien, jr',
        state: 'completed',
        verified: true,
        residueCount: 0,
        timeToLockoutMs: 1500,
      },
    ]);
    expect(csv.split('\r\n')[1]).toBe('00u1,offboard-00u1,r1,,"cli:o""brien, jr",,,,1.5,,completed,yes,0,');
    expect([850, 42_100, 185_000, 7_800_000, 273_600_000].map(formatDuration)).toEqual([
      '850ms',
      '42.1s',
      '3m05s',
      '2h10m',
      '3d4h',
    ]);
  });
});
