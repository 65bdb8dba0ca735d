-- Unenrolling by hand: an unenroll job may end one record's running or waiting enrollments in its workflow instead
-- of all of them (NULL: every record's). Its page is read through enrollments_workflow_idx (workflow_id, record_id).
ALTER TABLE unenroll_jobs ADD COLUMN record_id text;
