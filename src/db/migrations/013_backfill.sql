-- Enrolling the records already in a workflow's trigger stage (`enable { enrollExisting: true }`). One backfill per
-- request; each shard of the workflow's automation workflow works its part (`backfill_shards`), a page of records at a
-- time, and keeps its counts and its place there, so that a page redone after a crash is not counted twice.
CREATE TABLE backfills (
  id          text PRIMARY KEY,
  workflow_id text NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  pipeline_id text NOT NULL,
  stage_id    text NOT NULL,
  shards      integer NOT NULL,
  -- Records in the stage when it was asked for.
  total       integer NOT NULL,
  -- Records that entered the stage or were enrolled at or after this moment are left to their own entry's event.
  asked_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Set when the workflow is turned off before the backfill is done: the shards stop where they are.
  stopped_at  timestamptz
);
CREATE INDEX backfills_workflow_idx ON backfills (workflow_id, asked_at);

CREATE TABLE backfill_shards (
  backfill_id text NOT NULL REFERENCES backfills (id) ON DELETE CASCADE,
  shard       integer NOT NULL,
  enrolled    integer NOT NULL DEFAULT 0,
  skipped     integer NOT NULL DEFAULT 0,
  -- The page last counted went from page_from (exclusive; NULL: the first record) to page_to (inclusive).
  page_from   text,
  page_to     text,
  done        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (backfill_id, shard)
);

-- Pages of one stage's records in id order.
CREATE INDEX records_stage_idx ON records (pipeline_id, stage_id, id);
