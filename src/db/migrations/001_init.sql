-- Pipewright schema, version 1.

CREATE TABLE pipelines (
  id          text PRIMARY KEY,
  object_type text NOT NULL,
  label       text NOT NULL,
  stages      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE records (
  id          text PRIMARY KEY,
  object_type text NOT NULL,
  pipeline_id text NOT NULL REFERENCES pipelines (id),
  stage_id    text NOT NULL,
  properties  jsonb NOT NULL DEFAULT '{}',
  source      text,
  owner_id    text,
  contacts    jsonb NOT NULL DEFAULT '[]',
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_pipeline_idx ON records (pipeline_id);

CREATE TABLE workflows (
  id          text PRIMARY KEY,
  pipeline_id text NOT NULL REFERENCES pipelines (id),
  name        text NOT NULL,
  enabled     boolean NOT NULL DEFAULT false,
  trigger     jsonb NOT NULL,
  enrollment  jsonb NOT NULL,
  settings    jsonb NOT NULL,
  actions     jsonb NOT NULL DEFAULT '[]',
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflows_pipeline_idx ON workflows (pipeline_id);

CREATE TABLE workflow_revisions (
  workflow_id text NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  version     integer NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  by          text NOT NULL,
  change      jsonb NOT NULL,
  PRIMARY KEY (workflow_id, version)
);

-- Events waiting to be delivered to Temporal. Written in the same transaction as the change they describe.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  event_id     text NOT NULL UNIQUE,
  type         text NOT NULL,
  record_id    text NOT NULL,
  payload      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE delivered_at IS NULL;

-- The audit log; a record's timeline is its rows in order. dedupe_key makes retried writers idempotent.
CREATE TABLE timeline (
  id            bigserial PRIMARY KEY,
  record_id     text NOT NULL,
  at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind          text NOT NULL,
  workflow_id   text,
  enrollment_id text,
  action_id     text,
  event_id      text,
  detail        text NOT NULL DEFAULT '',
  dedupe_key    text UNIQUE
);
CREATE INDEX timeline_record_idx ON timeline (record_id, id);

CREATE TABLE enrollments (
  id                text PRIMARY KEY,
  workflow_id       text NOT NULL,
  record_id         text NOT NULL,
  event_id          text NOT NULL,
  status            text NOT NULL,
  current_action_id text,
  wake_at           timestamptz,
  started_at        timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz
);
CREATE INDEX enrollments_workflow_idx ON enrollments (workflow_id, record_id);

-- Once-only ledger: one row per (enrollment, action) effect, keyed by `<enrollmentId>:<actionId>`.
CREATE TABLE action_runs (
  key        text PRIMARY KEY,
  result     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tasks (
  id            text PRIMARY KEY,
  key           text NOT NULL UNIQUE,
  record_id     text NOT NULL,
  workflow_id   text,
  enrollment_id text,
  action_id     text,
  title         text NOT NULL,
  body          text NOT NULL DEFAULT '',
  due_at        timestamptz,
  assignee      text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_record_idx ON tasks (record_id);

-- The send ledger: a row is written before the message goes to SMTP; sent_at is set once SMTP accepted it.
CREATE TABLE emails (
  id            text PRIMARY KEY,
  key           text NOT NULL UNIQUE,
  message_id    text NOT NULL,
  record_id     text,
  workflow_id   text,
  action_id     text,
  kind          text NOT NULL,
  from_address  text NOT NULL,
  to_address    text NOT NULL,
  subject       text NOT NULL,
  body          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  sent_at       timestamptz,
  send_attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX emails_record_idx ON emails (record_id);

CREATE TABLE api_tokens (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  role       text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
