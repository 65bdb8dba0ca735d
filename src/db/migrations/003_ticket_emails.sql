-- Ticket email events (the threads a ticket knows, every email event with its classification) and the answers
-- to requests sent with an Idempotency-Key.

CREATE TABLE ticket_threads (
  ticket_id text NOT NULL REFERENCES records (id),
  thread_id text NOT NULL,
  kind      text NOT NULL,
  added_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ticket_id, thread_id)
);

CREATE TABLE email_events (
  event_id        text PRIMARY KEY,
  ticket_id       text NOT NULL,
  payload         jsonb NOT NULL,
  classification  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_events_ticket_idx ON email_events (ticket_id);

ALTER TABLE records ADD COLUMN reopened_at timestamptz;

-- The first answer to a request with an Idempotency-Key, per route; a repeat gets it again.
CREATE TABLE idempotent_responses (
  scope      text NOT NULL,
  key        text NOT NULL,
  status     integer NOT NULL,
  body       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
