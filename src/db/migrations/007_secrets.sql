-- Secrets for webhook urls and headers ({{secrets.<name>}}). A value is stored sealed with AES-256-GCM under a key
-- kept outside the database (SECRETS_KEY, or DATA_DIR/secrets-key), so a dump of the database does not show it:
-- `iv` is the nonce, `tag` the authentication tag, and the secret's name the authenticated data, so a sealed value
-- cannot be moved to another name. `key_id` says which key sealed it.
CREATE TABLE secrets (
  name       text PRIMARY KEY,
  key_id     text NOT NULL,
  iv         bytea NOT NULL,
  ciphertext bytea NOT NULL,
  tag        bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
