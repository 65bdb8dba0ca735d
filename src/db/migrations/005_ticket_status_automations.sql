-- Ticket-status automations and "every email counts".

-- A ticket pipeline's templated status automations are workflows of that pipeline marked `templated`: one per
-- ticket_email trigger, edited only through the pipeline's ticket-status-automation setting.
ALTER TABLE workflows ADD COLUMN templated boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX workflows_templated_idx ON workflows (pipeline_id, (trigger->>'on')) WHERE templated;

-- A ticket_email trigger enrolls on every qualifying email unless `reenroll: false` was asked for. A workflow created
-- before this default cannot tell an explicit false from the old default, so every one whose revisions never set
-- `reenroll` takes the new default, recorded as a revision of its own.
WITH changed AS (
  UPDATE workflows w
  SET enrollment = jsonb_set(w.enrollment, '{reenroll}', 'true'), version = w.version + 1, updated_at = now()
  WHERE w.trigger->>'type' = 'ticket_email'
    AND NOT coalesce((w.enrollment->>'reenroll')::boolean, false)
    AND NOT EXISTS (
      SELECT 1 FROM workflow_revisions r WHERE r.workflow_id = w.id AND r.change->'enrollment' ? 'reenroll'
    )
  RETURNING w.id, w.version
)
INSERT INTO workflow_revisions (workflow_id, version, by, change)
SELECT id, version, 'migration 005',
  '{"type": "updated", "enrollment": {"reenroll": true}, "reason": "ticket_email triggers enroll on every qualifying email unless reenroll is set to false"}'
FROM changed;

-- Ticket emails in arrival order, and the newest email whose automation set each ticket's status: an automation of
-- an older email never overrides the status a newer one set.
ALTER TABLE email_events ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE records ADD COLUMN status_email_seq bigint;
