import type { Migration } from '.';

/**
 * The drift watch (docs/operations.md, "The drift watch"). The watched set is not a table of its own: it is read
 * from the trail (`archive_events`, 001-trail), so it cannot drift from what the runs recorded, and it is bounded by
 * the watch window in every query. What the watch adds is append-only, like the trail: every row is written once,
 * under a unique key that makes a retried write a no-op, and UPDATE and DELETE do nothing. Append-only rows rather
 * than a state table for the cursor and the re-verifications too: the newest row is the state, the older ones are
 * the evidence of what the watch looked at and when (one poll row per interval, one verification row per person
 * re-verified), and no two writers ever contend for one row.
 */
export const DRIFT: Migration = {
  name: '002-drift',
  sql: `
-- The watch reads a person's trail by id and milestone.
CREATE INDEX IF NOT EXISTS archive_events_user_milestone_at ON archive_events (user_id, milestone, at);

-- What each watch run read from the System Log: the newest read_until is the next poll's cursor.
CREATE TABLE drift_polls (
  seq bigserial PRIMARY KEY,
  key text UNIQUE NOT NULL,
  read_from timestamptz NOT NULL,
  read_until timestamptz NOT NULL,
  pages integer NOT NULL,
  events_read integer NOT NULL,
  matched integer NOT NULL,
  watched integer NOT NULL,
  reverified integer NOT NULL,
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_polls_read_until ON drift_polls (read_until);

-- One row per person re-verified (by the watch, or by a revoke run after its changes).
CREATE TABLE drift_verifications (
  seq bigserial PRIMARY KEY,
  key text UNIQUE NOT NULL,
  user_id text NOT NULL,
  verified_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('clean', 'residue', 'deleted')),
  residue integer NOT NULL,
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_verifications_user ON drift_verifications (user_id, verified_at);

-- Access that came back, one row per person and Okta event (or re-verification). Okta ids and event types only.
CREATE TABLE drift_events (
  seq bigserial PRIMARY KEY,
  key text UNIQUE NOT NULL,
  user_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('status', 'group', 'app', 'sign-in', 'residue')),
  action text NOT NULL CHECK (action IN ('alert', 'revoke', 'explained-by-rehire')),
  at timestamptz NOT NULL,
  source text NOT NULL CHECK (source IN ('system-log', 're-verification')),
  event_type text,
  event_uuid text,
  item_id text,
  client_ip text,
  app_id text,
  detail text NOT NULL,
  completed_at timestamptz NOT NULL,
  revoke_workflow_id text,
  workflow_id text NOT NULL,
  run_id text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_events_at ON drift_events (at);
CREATE INDEX drift_events_user ON drift_events (user_id, at);

-- Append-only. A rule, not ON CONFLICT: PostgreSQL refuses ON CONFLICT on a table with an UPDATE rule, so writes
-- insert what is missing (WHERE NOT EXISTS) and the unique key settles a race.
CREATE RULE drift_polls_no_update AS ON UPDATE TO drift_polls DO INSTEAD NOTHING;
CREATE RULE drift_polls_no_delete AS ON DELETE TO drift_polls DO INSTEAD NOTHING;
CREATE RULE drift_verifications_no_update AS ON UPDATE TO drift_verifications DO INSTEAD NOTHING;
CREATE RULE drift_verifications_no_delete AS ON DELETE TO drift_verifications DO INSTEAD NOTHING;
CREATE RULE drift_events_no_update AS ON UPDATE TO drift_events DO INSTEAD NOTHING;
CREATE RULE drift_events_no_delete AS ON DELETE TO drift_events DO INSTEAD NOTHING;

-- Everyone whose last offboarding completed and who was not rehired since, with their last verification: the
-- completion (the run verified) or the newest re-verification. Queries bound it by the watch window. A person a
-- re-verification found deleted leaves it: Okta never reuses an id.
CREATE VIEW drift_watched AS
SELECT c.user_id, c.completed_at, c.workflow_id,
       GREATEST(c.completed_at, v.verified_at) AS last_verified_at
FROM (
  SELECT DISTINCT ON (user_id) user_id, at AS completed_at, workflow_id
  FROM archive_events
  WHERE kind = 'offboard' AND milestone = 'completed'
  ORDER BY user_id, at DESC
) c
LEFT JOIN (
  SELECT user_id, max(verified_at) AS verified_at FROM drift_verifications GROUP BY user_id
) v ON v.user_id = c.user_id
WHERE NOT EXISTS (
  SELECT 1 FROM archive_events r WHERE r.user_id = c.user_id AND r.milestone = 'rehired' AND r.at > c.completed_at
)
AND NOT EXISTS (
  SELECT 1 FROM drift_verifications d WHERE d.user_id = c.user_id AND d.outcome = 'deleted' AND d.verified_at > c.completed_at
);
`,
};
