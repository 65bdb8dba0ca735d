-- GET /api/workflows/:id/issues: a workflow's failures, skips and refusals grouped by (action, kind, reason).
-- The statement that writes timeline lines also adds one row per such line to workflow_issue_lines: a plain insert,
-- so writers never wait on a shared counter row (a per-group upsert would hold that row's lock until the writer's
-- transaction commits, and the relay's transactions span Temporal calls). Reading a workflow's issues first folds
-- its pending rows into workflow_issues, under a per-workflow advisory lock, so a read costs its groups and the
-- lines written since the last read, not the workflow's whole timeline.
CREATE TABLE workflow_issue_lines (
  workflow_id text NOT NULL,
  action_id   text,
  kind        text NOT NULL,
  reason      text NOT NULL,
  record_id   text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX workflow_issue_lines_workflow_idx ON workflow_issue_lines (workflow_id);

CREATE TABLE workflow_issues (
  workflow_id       text NOT NULL,
  action_id         text,
  kind              text NOT NULL,
  reason            text NOT NULL,
  count             bigint NOT NULL,
  first_at          timestamptz NOT NULL,
  last_at           timestamptz NOT NULL,
  -- Up to 5 distinct records, the most recent first.
  sample_record_ids text[] NOT NULL
);
-- A not_enrolled group has no action; coalesce makes it one group (UNIQUE NULLS NOT DISTINCT needs PostgreSQL 15).
CREATE UNIQUE INDEX workflow_issues_group_idx ON workflow_issues (workflow_id, coalesce(action_id, ''), kind, reason);
CREATE INDEX workflow_issues_recent_idx ON workflow_issues (workflow_id, last_at DESC);

-- Lines written before this migration are grouped by their detail as written (cut to the reason's 400 characters);
-- the reasons of later lines have URL paths and email addresses taken out (src/domain/issues.ts).
INSERT INTO workflow_issue_lines (workflow_id, action_id, kind, reason, record_id, at)
  SELECT workflow_id, action_id, kind, CASE WHEN length(detail) > 400 THEN left(detail, 399) || '…' ELSE detail END,
    record_id, at
  FROM timeline
  WHERE kind IN ('action_failed', 'action_skipped', 'not_enrolled') AND workflow_id IS NOT NULL;

-- pipewright_enrollments_overdue counts waiting enrollments whose wake-up time has passed.
CREATE INDEX enrollments_waiting_wake_idx ON enrollments (wake_at) WHERE status = 'waiting';
