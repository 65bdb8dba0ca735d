-- A backfill page looks up the stage entries of its records in the outbox (those the workflow's own event handles are
-- left to it): by record, among stage entries only.
CREATE INDEX outbox_stage_entered_record_idx ON outbox (record_id) WHERE type = 'stage_entered';
