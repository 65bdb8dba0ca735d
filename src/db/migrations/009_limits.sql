-- /metrics counts action outcome lines by (kind, workflow, action): an index-only scan instead of a walk of the
-- whole timeline on every reading.
CREATE INDEX timeline_outcome_idx ON timeline (kind, workflow_id, action_id);

-- "Unenroll everyone" of a disable: a job the relay works through a page of enrollments at a time, keeping its
-- place, so that a workflow with many enrollments neither holds up the outbox nor starts over after a crash. It
-- reaches the enrollments that started before it was asked for (`started_before`), not those of a later enable.
CREATE TABLE unenroll_jobs (
  id             text PRIMARY KEY,
  workflow_id    text NOT NULL,
  reason         text NOT NULL,
  started_before timestamptz NOT NULL,
  after_id       text,
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  done_at        timestamptz
);
CREATE INDEX unenroll_jobs_pending_idx ON unenroll_jobs (created_at) WHERE done_at IS NULL;

INSERT INTO unenroll_jobs (id, workflow_id, reason, started_before)
  SELECT event_id, payload->>'workflowId', payload->>'reason', created_at FROM outbox
  WHERE type = 'unenroll_workflow' AND delivered_at IS NULL;
DELETE FROM outbox WHERE type = 'unenroll_workflow';

-- The jobs page through a workflow's active enrollments in id order.
DROP INDEX enrollments_active_workflow_idx;
CREATE INDEX enrollments_active_workflow_idx ON enrollments (workflow_id, id) WHERE status IN ('running', 'waiting');
