// The audit trail in the archive: each milestone a run reaches becomes one row (archive/migrations/001-trail.ts),
// its plain columns for filtering and its free text and snapshot sealed (archive/seal.ts). Written by the
// `archiveMilestone` activity, read by `offboard audit`, and by rehire once Temporal no longer holds the run.
import type {
  AppliedMessage,
  Milestone,
  OffboardingReport,
  OffboardingSnapshot,
  RehireReport,
  StepRecord,
} from '../workflows/definitions';
import { PHASES, TERMINAL_PHASES } from '../workflows/definitions';
import type { ArchiveDb } from './db';
import type { Sealer } from './seal';

type OffboardReport = Extract<Milestone, { kind: 'offboard' }>['report'];
type RehireMilestoneReport = Extract<Milestone, { kind: 'rehire' }>['report'];

/** What never sits in a plain column: the request's reason, the messages' reasons, notes, the error's message, the snapshot. */
interface SealedPart {
  reason?: string;
  /** By the index of the message in `report.messages`; null where a message had none. */
  messageReasons?: Array<string | null>;
  notes: string[];
  errorMessage?: string;
  snapshot?: OffboardingSnapshot;
}

/** The `report` column: the report's parts that hold no personal data. */
interface PlainPart {
  steps: StepRecord[];
  residue?: OffboardingReport['residue'];
  messages?: Array<Omit<AppliedMessage, 'reason'>>;
  accessTokens?: OffboardingReport['accessTokens'];
  error?: { step?: string; type: string };
  deviceWipeAt?: string;
  /** A rehire: the offboarding run it restored from. */
  fromWorkflowId?: string;
}

/** One row as the database returns it. */
interface Row {
  seq: number | string;
  key: string;
  kind: Milestone['kind'];
  milestone: Milestone['name'];
  at: Date;
  user_id: string;
  workflow_id: string;
  run_id: string;
  written_at: Date;
  source: string | null;
  requested_by: string | null;
  correlation_id: string | null;
  requested_at: Date | null;
  effective_at: Date | null;
  locked_out_at: Date | null;
  snapshot_at: Date | null;
  finished_at: Date | null;
  outcome: string | null;
  verified: boolean;
  residue_count: number;
  approver: string | null;
  report: PlainPart;
  sealed: Uint8Array;
  sealed_key_id: string | null;
}

/** One milestone of a person's trail, decrypted. */
export interface TrailEntry {
  seq: number;
  key: string;
  kind: Milestone['kind'];
  milestone: Milestone['name'];
  at: string;
  writtenAt: string;
  userId: string;
  workflowId: string;
  runId: string;
  /** The codec key that sealed its free text and snapshot; null: stored in plaintext. */
  sealedKeyId: string | null;
  lockedOutAt?: string;
  verified: boolean;
  residueCount: number;
  approver?: string;
  /** The report as it stood at the milestone: an offboarding's, or a rehire's with who asked for it. */
  report: (Partial<OffboardingReport> & { steps: StepRecord[] }) | RehireMilestoneReport;
}

/** One offboarding run of a period, as `offboard audit export` lists it: its latest milestone's figures. */
export interface LeaverLine {
  userId: string;
  workflowId: string;
  runId: string;
  source?: string;
  requestedBy?: string;
  /** When the request reached the system (the run's start): HR's time for HR requests. */
  requestedAt?: string;
  effectiveAt?: string;
  lockedOutAt?: string;
  /** From the request, or the effective date when it was later, to the end of the lock. */
  timeToLockoutMs?: number;
  /** When the run ended, whatever its outcome. */
  finishedAt?: string;
  /** The run's outcome, or the last milestone it reached while it is open. */
  state: string;
  verified: boolean;
  residueCount: number;
  approver?: string;
}

/** The last archived offboarding of a person with a snapshot: what rehire restores from after retention. */
export interface ArchivedOffboarding {
  workflowId: string;
  runId: string;
  archivedAt: string;
  snapshot: OffboardingSnapshot;
  steps: StepRecord[];
}

const iso = (value: Date | null): string | undefined => (value ? value.toISOString() : undefined);

/** Phases after the lock: a step in one of them means the lock was over. */
const AFTER_LOCK = new Set(PHASES.slice(PHASES.indexOf('snapshot'), PHASES.indexOf('verifying') + 1));

/** The end of the lock phase, once the run passed it: its last step's end. */
function lockedOutAt(milestone: Milestone): string | undefined {
  const steps = milestone.report.steps;
  const passed = milestone.name === 'locked-out' || steps.some((step) => AFTER_LOCK.has(step.phase));
  if (!passed) return undefined;
  const ends = steps.filter((step) => step.phase === 'locking' && step.finishedAt).map((step) => step.finishedAt!);
  return ends.sort().at(-1) ?? (milestone.name === 'locked-out' ? milestone.at : undefined);
}

/** The milestones that end a run: the milestone's name is the run's outcome, its time the run's end. */
const ENDS: ReadonlySet<string> = new Set(TERMINAL_PHASES);

/** The column values of an offboarding milestone. */
function offboardColumns(milestone: Milestone & { kind: 'offboard' }) {
  const report: OffboardReport = milestone.report;
  const ends = ENDS.has(milestone.name);
  const outcome = report.outcome ?? (ends ? (milestone.name as OffboardingReport['outcome']) : undefined);
  const approvals = report.messages.filter((message) => message.name === 'approve');
  const verified =
    outcome === 'completed' &&
    report.residue.length === 0 &&
    report.steps.some((step) => step.step === 'verifyOffboarded' && step.outcome === 'done');
  const plain: PlainPart = {
    steps: report.steps,
    residue: report.residue,
    messages: report.messages.map(({ reason: _reason, ...message }: AppliedMessage & { reason?: string }) => message),
    ...(report.accessTokens ? { accessTokens: report.accessTokens } : {}),
    ...(report.error ? { error: { step: report.error.step, type: report.error.type } } : {}),
    ...(report.deviceWipeAt ? { deviceWipeAt: report.deviceWipeAt } : {}),
  };
  const sealed: SealedPart = {
    reason: report.reason,
    messageReasons: report.messages.map((message) => ('reason' in message ? (message.reason ?? null) : null)),
    notes: report.notes,
    ...(report.error ? { errorMessage: report.error.message } : {}),
    ...(report.snapshot ? { snapshot: report.snapshot } : {}),
  };
  return {
    userId: report.userId,
    source: report.source,
    requestedBy: report.requestedBy,
    correlationId: report.correlationId,
    requestedAt: report.startedAt,
    effectiveAt: report.effectiveAt,
    lockedOutAt: lockedOutAt(milestone),
    snapshotAt: report.snapshot?.takenAt,
    finishedAt: report.finishedAt ?? (ends ? milestone.at : undefined),
    outcome,
    verified,
    residueCount: report.residue.length,
    approver: approvals.at(-1)?.requestedBy,
    plain,
    sealed,
  };
}

function rehireColumns(milestone: Milestone & { kind: 'rehire' }) {
  const report = milestone.report;
  return {
    userId: report.userId,
    source: undefined,
    requestedBy: report.requestedBy,
    correlationId: undefined,
    requestedAt: report.startedAt,
    effectiveAt: undefined,
    lockedOutAt: undefined,
    snapshotAt: undefined,
    finishedAt: report.finishedAt,
    outcome: 'rehired',
    verified: false,
    residueCount: 0,
    approver: undefined,
    plain: { steps: report.steps, ...(report.fromWorkflowId ? { fromWorkflowId: report.fromWorkflowId } : {}) },
    sealed: { notes: report.notes } satisfies SealedPart,
  };
}

const INSERT = `INSERT INTO archive_events (key, kind, milestone, at, user_id, workflow_id, run_id, source, requested_by,
  correlation_id, requested_at, effective_at, locked_out_at, snapshot_at, finished_at, outcome, verified, residue_count,
  approver, report, sealed, sealed_key_id)
VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz, $13::timestamptz,
  $14::timestamptz, $15::timestamptz, $16, $17, $18, $19, $20::jsonb, $21, $22)
ON CONFLICT (key) DO NOTHING
RETURNING seq`;

export class AuditTrail {
  /** Milliseconds of each write in this process (the last 10,000), for the latency figures. */
  readonly writeMs: number[] = [];

  constructor(
    readonly db: ArchiveDb,
    readonly sealer: Sealer,
  ) {}

  get description(): string {
    return `${this.db.description}, free text and snapshots ${this.sealer.description}`;
  }

  /** Writes the milestone's row once: a retry, or a replay after a worker died, finds it and adds nothing. */
  async record(milestone: Milestone): Promise<{ inserted: boolean }> {
    const began = performance.now();
    const columns = milestone.kind === 'offboard' ? offboardColumns(milestone) : rehireColumns(milestone);
    const { sealed, keyId } = this.sealer.seal(columns.sealed, milestone.key);
    const rows = await this.db.query(INSERT, [
      milestone.key,
      milestone.kind,
      milestone.name,
      milestone.at,
      columns.userId,
      milestone.workflowId,
      milestone.runId,
      columns.source ?? null,
      columns.requestedBy ?? null,
      columns.correlationId ?? null,
      columns.requestedAt ?? null,
      columns.effectiveAt ?? null,
      columns.lockedOutAt ?? null,
      columns.snapshotAt ?? null,
      columns.finishedAt ?? null,
      columns.outcome ?? null,
      columns.verified,
      columns.residueCount,
      columns.approver ?? null,
      JSON.stringify(columns.plain),
      sealed,
      keyId,
    ]);
    this.writeMs.push(performance.now() - began);
    if (this.writeMs.length > 10_000) this.writeMs.shift();
    return { inserted: rows.length > 0 };
  }

  /** A person's whole trail, oldest first, decrypted. */
  async trail(userId: string): Promise<TrailEntry[]> {
    const rows = await this.db.query<Row>('SELECT * FROM archive_events WHERE user_id = $1 ORDER BY at, seq', [userId]);
    return rows.map((row) => this.entry(row));
  }

  /** The offboarding runs requested within [since, until), oldest request first, each as its latest milestone says. */
  async leavers(since: string, until?: string): Promise<LeaverLine[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM (
         SELECT DISTINCT ON (workflow_id, run_id) * FROM archive_events
         WHERE kind = 'offboard' AND requested_at >= $1::timestamptz
           AND ($2::timestamptz IS NULL OR requested_at < $2::timestamptz)
         ORDER BY workflow_id, run_id, seq DESC
       ) latest ORDER BY requested_at, seq`,
      [since, until ?? null],
    );
    return rows.map((row) => {
      const due = Math.max(row.requested_at?.getTime() ?? 0, row.effective_at?.getTime() ?? 0);
      return {
        userId: row.user_id,
        workflowId: row.workflow_id,
        runId: row.run_id,
        source: row.source ?? undefined,
        requestedBy: row.requested_by ?? undefined,
        requestedAt: iso(row.requested_at),
        effectiveAt: iso(row.effective_at),
        lockedOutAt: iso(row.locked_out_at),
        timeToLockoutMs: row.locked_out_at && due ? row.locked_out_at.getTime() - due : undefined,
        finishedAt: iso(row.finished_at),
        state: row.outcome ?? row.milestone,
        verified: row.verified,
        residueCount: row.residue_count,
        approver: row.approver ?? undefined,
      };
    });
  }

  /** Whether a rehire has something to restore from here: an archived offboarding of the person with a snapshot. */
  async hasOffboardingWithSnapshot(userId: string): Promise<boolean> {
    const rows = await this.db.query(
      "SELECT 1 FROM archive_events WHERE kind = 'offboard' AND user_id = $1 AND snapshot_at IS NOT NULL LIMIT 1",
      [userId],
    );
    return rows.length > 0;
  }

  /** The person's last archived offboarding with a snapshot, as its latest milestone recorded it. */
  async lastOffboardingWithSnapshot(userId: string): Promise<ArchivedOffboarding | undefined> {
    const [row] = await this.db.query<Row>(
      `SELECT * FROM archive_events WHERE kind = 'offboard' AND user_id = $1 AND snapshot_at IS NOT NULL
       ORDER BY seq DESC LIMIT 1`,
      [userId],
    );
    if (!row) return undefined;
    const entry = this.entry(row);
    const report = entry.report as Partial<OffboardingReport> & { steps: StepRecord[] };
    if (!report.snapshot) return undefined;
    return {
      workflowId: row.workflow_id,
      runId: row.run_id,
      archivedAt: row.written_at.toISOString(),
      snapshot: report.snapshot,
      steps: report.steps,
    };
  }

  /**
   * Whether the role the archive connects as may still change or remove rows: a superuser, or an owner that granted
   * itself the rights the trail's migration took away. The trail is append-only only against roles that may not.
   */
  async rowsChangeable(): Promise<boolean> {
    const [row] = await this.db.query<{ changeable: boolean }>(
      `SELECT has_table_privilege('archive_events', 'UPDATE') OR has_table_privilege('archive_events', 'DELETE')
         OR has_table_privilege('archive_events', 'TRUNCATE') AS changeable`,
    );
    return row?.changeable ?? true;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** A row back as the milestone's report, the sealed part opened. */
  private entry(row: Row): TrailEntry {
    const opened = this.sealer.open(
      { sealed: Buffer.from(row.sealed), keyId: row.sealed_key_id },
      row.key,
    ) as SealedPart;
    const plain = row.report;
    const report: TrailEntry['report'] =
      row.kind === 'rehire'
        ? ({
            workflowId: row.workflow_id,
            userId: row.user_id,
            fromWorkflowId: plain.fromWorkflowId,
            startedAt: iso(row.requested_at) ?? '',
            finishedAt: iso(row.finished_at) ?? '',
            steps: plain.steps,
            notes: opened.notes,
            requestedBy: row.requested_by ?? '',
          } satisfies RehireReport & { requestedBy: string })
        : {
            workflowId: row.workflow_id,
            userId: row.user_id,
            ...(row.outcome ? { outcome: row.outcome as OffboardingReport['outcome'] } : {}),
            source: (row.source ?? undefined) as OffboardingReport['source'] | undefined,
            requestedBy: row.requested_by ?? undefined,
            correlationId: row.correlation_id ?? undefined,
            reason: opened.reason,
            startedAt: iso(row.requested_at),
            finishedAt: iso(row.finished_at),
            effectiveAt: iso(row.effective_at),
            deviceWipeAt: plain.deviceWipeAt,
            steps: plain.steps,
            snapshot: opened.snapshot,
            residue: plain.residue ?? [],
            messages: (plain.messages ?? []).map((message, index) => {
              const reason = opened.messageReasons?.[index];
              return (reason ? { ...message, reason } : message) as AppliedMessage;
            }),
            notes: opened.notes,
            accessTokens: plain.accessTokens,
            ...(plain.error ? { error: { ...plain.error, message: opened.errorMessage ?? '' } } : {}),
          };
    return {
      seq: Number(row.seq),
      key: row.key,
      kind: row.kind,
      milestone: row.milestone,
      at: row.at.toISOString(),
      writtenAt: row.written_at.toISOString(),
      userId: row.user_id,
      workflowId: row.workflow_id,
      runId: row.run_id,
      sealedKeyId: row.sealed_key_id,
      lockedOutAt: iso(row.locked_out_at),
      verified: row.verified,
      residueCount: row.residue_count,
      approver: row.approver ?? undefined,
      report,
    };
  }
}
