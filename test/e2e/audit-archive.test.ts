// The audit archive end to end (docs/operations.md, "The audit archive"): the real worker layout writes each
// milestone of a run to the embedded PostgreSQL, `offboard audit` reads it back as an operator would, and a
// rehire restores from it once Temporal has deleted the run. Assertions on the archive's rows, the report, the
// emulator's request log and Okta's final state.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { TOKEN } from '@okta-offboarding/okta-emulator/testing';
import { AuditTrail } from '../../archive/trail';
import { EXIT, runCli } from '../../client/cli/program';
import type { LeaverLine, TrailEntry } from '../../archive/trail';
import type { Milestone, OffboardingReport, RehireReport } from '../../workflows/definitions';
import { rehireWorkflowId, wipeDevicesNowSignal } from '../../workflows/definitions';
import { oktaUser, TEST_POLICY, useHarness, type OffboardingHarness } from '../support/offboarding';
import { standardOrg } from '../support/orgs';

const REASON = 'Resigned: joins Initech, last day agreed with the manager';
const WIPE_REASON = 'laptop handed back to the IT desk';

/** Stalls the workers' write of one milestone after it committed, until the test lets go: a worker dying there. */
class StallingTrail extends AuditTrail {
  stallOn?: Milestone['name'];
  written?: () => void;
  /** Every write of the stalled milestone: what the archive answered (inserted or already there). */
  readonly attempts: boolean[] = [];

  override async record(milestone: Milestone): Promise<{ inserted: boolean }> {
    const result = await super.record(milestone);
    if (milestone.name !== this.stallOn) return result;
    this.attempts.push(result.inserted);
    if (this.attempts.length === 1) {
      this.written?.();
      // Held until the worker shuts down under it (the activity is then cancelled) or far longer than the test.
      await Promise.race([Context.current().cancelled, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    }
    return result;
  }
}

let harness: OffboardingHarness;
let stalling: StallingTrail;
let env: NodeJS.ProcessEnv;
let alice: string;
let bob: string;

useHarness(
  {
    policy: TEST_POLICY,
    wrapArchive: (trail) => (stalling ??= new StallingTrail(trail.db, trail.sealer)),
  },
  (started) => {
    harness = started;
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      OFFBOARD_TASK_QUEUE: harness.taskQueue,
      OKTA_ORG_URL: harness.okta.url,
      OKTA_API_TOKEN: TOKEN,
      OFFBOARD_OPERATOR: 'auditor',
      ...harness.codecEnv,
      ...harness.archiveEnv,
    };
  },
);
beforeEach(async () => {
  await harness.seed(standardOrg());
  alice = await harness.userId('alice@example.com');
  bob = await harness.userId('bob@example.com');
});

afterAll(async () => {
  // The write latency per milestone, measured by the workers' archive in this file (PGlite): for docs/operations.md.
  const sorted = [...(stalling?.writeMs ?? [])].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(2);
  console.log(`archive writes on PGlite: ${sorted.length}, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`);
});

async function offboard(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), json: () => JSON.parse(out.join('\n')) as unknown };
}

const rowsOf = (workflowId: string) =>
  harness.archive.db.query<{ seq: number; milestone: string; at: Date; key: string }>(
    'SELECT seq, milestone, at, key FROM archive_events WHERE workflow_id = $1 ORDER BY seq',
    [workflowId],
  );

/** The end of the lock as the report has it: its last lock-phase step's end. */
const lockEnd = (report: OffboardingReport): string =>
  report.steps
    .filter((step) => step.phase === 'locking')
    .map((step) => step.finishedAt!)
    .sort()
    .at(-1)!;

const since = () => new Date(Date.now() - 3_600_000).toISOString();

describe('an offboarding’s trail', () => {
  it('is one row per milestone, in order, and `audit export` gives the leaver the report’s and Okta’s times', async () => {
    const { handle, workflowId, runId } = await harness.start({
      userId: alice,
      source: 'hr',
      requestedBy: 'workday',
      reason: REASON,
      deviceWipeDelay: '1s',
    });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');

    const rows = await rowsOf(workflowId);
    expect(rows.map((row) => row.milestone)).toEqual(['started', 'locked-out', 'wipe-scheduled', 'completed']);
    expect(rows.map((row) => row.key)).toEqual(rows.map((row) => `${workflowId}/${runId}/${row.milestone}/1`));
    const times = rows.map((row) => row.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const exported = await offboard('audit', 'export', '--since', since(), '--format', 'json');
    expect(exported.code).toBe(EXIT.ok);
    const line = (exported.json() as LeaverLine[]).find((candidate) => candidate.workflowId === workflowId);
    expect(line).toMatchObject({
      userId: alice,
      runId,
      source: 'hr',
      requestedBy: 'workday',
      requestedAt: report.startedAt,
      lockedOutAt: lockEnd(report),
      finishedAt: rows.at(-1)?.at.toISOString(),
      state: 'completed',
      verified: true,
      residueCount: 0,
    });
    expect(line?.timeToLockoutMs).toBe(Date.parse(lockEnd(report)) - Date.parse(report.startedAt));
    expect(Date.parse(line!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(report.finishedAt));

    // Okta's side of the same times: every lock call between the request and the lockout, the last one just before it.
    const lockCalls = (await harness.mutations(alice)).filter((entry) =>
      /\/lifecycle\/suspend$|\/sessions$|\/grants$|\/tokens$/.test(entry.path),
    );
    expect(lockCalls.length).toBeGreaterThan(0);
    for (const call of lockCalls) {
      expect(Date.parse(call.at)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
      expect(Date.parse(call.at)).toBeLessThanOrEqual(Date.parse(line!.lockedOutAt!));
    }

    const csv = await offboard('audit', 'export', '--since', since(), '--format', 'csv');
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^user_id,workflow_id,run_id,source,requested_by,requested_at,/);
    expect(csv.stdout).toContain(`${alice},${workflowId},${runId},hr,workday,${report.startedAt},`);
    const table = await offboard('audit', 'export', '--since', since());
    expect(table.stdout).toMatch(new RegExp(`${alice}.*hr.*completed.*yes`));
    const later = await offboard('audit', 'export', '--since', since(), '--until', report.startedAt, '--json');
    expect((later.json() as LeaverLine[]).map((leaver) => leaver.workflowId)).not.toContain(workflowId);
  });

  it('keeps its free text and snapshot out of plain columns, refuses changes, and decrypts with the keys file', async () => {
    const { handle, workflowId } = await harness.start({ userId: alice, reason: REASON, deviceWipeDelay: '1h' });
    await harness.waitForStatus(handle, (status) => status.phase === 'awaiting-device-wipe');
    await handle.signal(wipeDevicesNowSignal, { requestedBy: 'it-desk', reason: WIPE_REASON });
    const report = await handle.result();
    expect(report.messages.map((message) => message.name)).toEqual(['wipeDevicesNow']);
    const raw = await harness.archive.db.query<Record<string, unknown>>(
      'SELECT * FROM archive_events WHERE workflow_id = $1',
      [workflowId],
    );
    const stored = raw
      .map((row) =>
        Object.values(row)
          .map((value) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : JSON.stringify(value)))
          .join('\n'),
      )
      .join('\n');
    // The snapshot's own fields, the request's and the message's reasons, the notes: none in plain text.
    for (const text of [REASON, WIPE_REASON, 'otherActiveUserIds', 'factorType', 'ruleIds', ...report.notes])
      expect(stored).not.toContain(text);
    expect(raw.every((row) => row.sealed_key_id === 'test-1')).toBe(true);

    for (const statement of [
      `UPDATE archive_events SET verified = false WHERE workflow_id = '${workflowId}'`,
      `DELETE FROM archive_events WHERE workflow_id = '${workflowId}'`,
    ])
      await expect(harness.archive.db.query(statement)).rejects.toThrow(/permission denied/);
    expect(await harness.archive.db.query('SELECT * FROM archive_events WHERE workflow_id = $1', [workflowId])).toEqual(
      raw,
    );

    const shown = await offboard('audit', 'show', alice, '--json');
    const entries = (shown.json() as { entries: TrailEntry[] }).entries.filter((e) => e.workflowId === workflowId);
    expect(entries.at(-1)?.report).toMatchObject({
      reason: REASON,
      snapshot: report.snapshot,
      notes: report.notes,
      messages: [{ name: 'wipeDevicesNow', requestedBy: 'it-desk', reason: WIPE_REASON }],
    });
    const { OFFBOARD_CODEC_KEYS_FILE: _keys, ...withoutKeys } = env;
    const refused = await runCli(['audit', 'show', alice], { env: withoutKeys, out: () => {}, err: () => {} });
    expect(refused).toBe(EXIT.failed);
  });

  it('keeps one row per milestone when its write is retried after a worker died mid-write', async () => {
    stalling.stallOn = 'locked-out';
    const written = new Promise<void>((resolve) => (stalling.written = resolve));
    const { handle, workflowId } = await harness.start({ userId: alice, deviceWipeDelay: '1s' });
    await written;
    await harness.stopWorkers();
    await harness.startWorkers();
    expect((await handle.result()).outcome).toBe('completed');
    stalling.stallOn = undefined;

    expect(stalling.attempts).toEqual([true, false]);
    const rows = await rowsOf(workflowId);
    expect(rows.map((row) => row.milestone)).toEqual(['started', 'locked-out', 'wipe-scheduled', 'completed']);
  });
});

describe('after Temporal deleted the run', () => {
  it('`audit show` still has the trail, and `offboard rehire` restores from the archive', async () => {
    const before = await oktaUser(harness, bob);
    const { handle, workflowId, runId } = await harness.start({ userId: bob, reason: REASON, deviceWipeDelay: '1s' });
    const report = await handle.result();
    expect(report.outcome).toBe('completed');
    expect(await oktaUser(harness, bob)).toMatchObject({ status: 'DEPROVISIONED', oktaGroupNames: [], directApps: [] });

    await harness.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId, runId },
    });
    for (let deadline = Date.now() + 90_000; ;) {
      const gone = await handle.describe().then(
        () => false,
        (error: unknown) => error instanceof WorkflowNotFoundError,
      );
      if (gone) break;
      if (Date.now() > deadline) throw new Error(`${workflowId} was not deleted`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await offboard('status', bob)).code).toBe(EXIT.noRun);

    const shown = await offboard('audit', 'show', 'bob@example.com');
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.stdout).toContain(`Offboarding ${workflowId} (run ${runId})`);
    expect(shown.stdout).toContain(`reason: ${REASON}`);
    expect(shown.stdout).toMatch(/verified: yes; residue: none/);
    for (const group of report.snapshot!.groups) expect(shown.stdout).toContain(`group ${group.id} ${group.name}`);

    const rehired = await offboard('rehire', bob, '--json');
    expect(rehired.code).toBe(EXIT.ok);
    expect(rehired.json()).toMatchObject({ workflowId: rehireWorkflowId(bob), via: 'rehireUser' });
    const rehire: RehireReport = await harness.client.workflow.getHandle(rehireWorkflowId(bob)).result();
    expect(rehire.fromWorkflowId).toBe(workflowId);
    expect(rehire.notes[0]).toMatch(new RegExp(`^Restored from the audit archive: run ${runId} of ${workflowId}`));

    const after = await oktaUser(harness, bob);
    expect(['ACTIVE', 'PROVISIONED']).toContain(after.status);
    expect(after.oktaGroupNames).toEqual(before.oktaGroupNames);
    expect(after.directApps).toEqual(before.directApps);
    const trail = await harness.archive.trail(bob);
    expect(trail.at(-1)).toMatchObject({ kind: 'rehire', milestone: 'rehired', workflowId: rehireWorkflowId(bob) });
  });

  it('`offboard rehire` of a person neither Temporal nor the archive knows still exits 4, starting nothing', async () => {
    const root = await harness.userId('root@example.com');
    const result = await offboard('rehire', root);
    expect(result.code).toBe(EXIT.noRun);
    await expect(harness.client.workflow.getHandle(rehireWorkflowId(root)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });
});
