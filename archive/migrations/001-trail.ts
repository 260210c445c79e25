import type { Migration } from '.';

/**
 * The audit trail: one row per milestone a run reaches (workflows/milestones.ts), written once and never changed.
 * `key` is the milestone's idempotency key (`<workflowId>/<runId>/<name>/<n>`): a retried write finds its row and
 * adds none. The columns hold what an auditor filters on and no personal data; `report` holds the report's plain
 * parts (steps, residue, messages without their reasons); `sealed` holds the rest (the snapshot, the request's
 * reason, the messages' reasons, the notes, the error's message) as JSON sealed with the codec keys
 * (archive/seal.ts), `sealed_key_id` naming the key, NULL when the worker ran without keys (plain JSON then).
 *
 * Append-only: the role that owns the table (the archive's own) gives up UPDATE, DELETE and TRUNCATE on it, so
 * PostgreSQL refuses them to the workers and the CLI. (A rule cannot do it here: PostgreSQL refuses `INSERT ... ON
 * CONFLICT` on a table with UPDATE rules.) Only an owner that grants itself the rights back, or a superuser, can
 * change a row: docs/operations.md, "The audit archive".
 */
export const TRAIL: Migration = {
  name: '001-trail',
  sql: `
CREATE TABLE archive_events (
  seq bigserial PRIMARY KEY,
  key text UNIQUE NOT NULL,
  kind text NOT NULL CHECK (kind IN ('offboard', 'rehire')),
  milestone text NOT NULL,
  at timestamptz NOT NULL,
  user_id text NOT NULL,
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  source text,
  requested_by text,
  correlation_id text,
  requested_at timestamptz,
  effective_at timestamptz,
  locked_out_at timestamptz,
  snapshot_at timestamptz,
  finished_at timestamptz,
  outcome text,
  verified boolean NOT NULL DEFAULT false,
  residue_count integer NOT NULL DEFAULT 0,
  approver text,
  report jsonb NOT NULL,
  sealed bytea NOT NULL,
  sealed_key_id text
);
-- One person's trail (audit show, rehire after retention), and the leavers of a period (audit export).
CREATE INDEX archive_events_user ON archive_events (user_id, seq);
CREATE INDEX archive_events_requested ON archive_events (requested_at);
REVOKE UPDATE, DELETE, TRUNCATE ON archive_events FROM CURRENT_USER, PUBLIC;
`,
};
