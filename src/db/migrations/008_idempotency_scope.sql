-- An Idempotency-Key belongs to the token that sent it, not to the route: two integrations may pick the same key and
-- each gets its own answer. Each stored answer keeps a SHA-256 of the request it answered (method, route, body), so
-- the same key with another request is refused, and is kept for 24 hours (src/db/idempotency.ts). Answers stored
-- per route before this cannot be given an owner and are dropped; nothing has been released with them.
DROP TABLE idempotent_responses;
CREATE TABLE idempotent_responses (
  token_id     text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       integer NOT NULL,
  body         jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_id, key)
);
-- Expired answers are purged a few at a time, oldest first, by the requests that store new ones.
CREATE INDEX idempotent_responses_created_at_idx ON idempotent_responses (created_at);
