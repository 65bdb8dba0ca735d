-- /metrics counts action outcome lines by (kind, workflow, action): an index-only scan instead of a walk of the
-- whole timeline on every reading.
CREATE INDEX timeline_outcome_idx ON timeline (kind, workflow_id, action_id);
