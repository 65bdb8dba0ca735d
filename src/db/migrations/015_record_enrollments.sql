-- A record's enrollments in every workflow (GET /api/records/:id/enrollments), in the order they were made.
CREATE INDEX enrollments_record_seq_idx ON enrollments (record_id, seq);
