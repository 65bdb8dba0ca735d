-- Email templates (two built-in transactional ones) and indexes for the enrollment rules.

CREATE TABLE email_templates (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  subject       text NOT NULL,
  body          text NOT NULL,
  transactional boolean NOT NULL DEFAULT false,
  builtin       boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

INSERT INTO email_templates (id, name, subject, body, transactional, builtin) VALUES
  ('ticket_received', 'Ticket received',
   'We received your request ({{record.id}})',
   E'Hello,\n\nThank you for contacting us. We have received your request and opened ticket {{record.id}}.\nOur team will get back to you as soon as possible.\n',
   true, true),
  ('ticket_closed', 'Ticket closed',
   'Your request {{record.id}} has been resolved',
   E'Hello,\n\nWe have closed ticket {{record.id}}. If anything is still open, just reply to this email and the ticket will be reopened.\n',
   true, true);

CREATE INDEX enrollments_active_record_idx ON enrollments (record_id) WHERE status IN ('running', 'waiting');
CREATE INDEX enrollments_active_workflow_idx ON enrollments (workflow_id) WHERE status IN ('running', 'waiting');
