-- Ticket email events: the threads a ticket knows and every email event received, with its classification.

CREATE TABLE ticket_threads (
  ticket_id text NOT NULL REFERENCES records (id),
  thread_id text NOT NULL,
  kind      text NOT NULL,
  added_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ticket_id, thread_id)
);

CREATE TABLE email_events (
  event_id        text PRIMARY KEY,
  idempotency_key text UNIQUE,
  ticket_id       text NOT NULL,
  payload         jsonb NOT NULL,
  classification  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_events_ticket_idx ON email_events (ticket_id);

ALTER TABLE records ADD COLUMN reopened_at timestamptz;
