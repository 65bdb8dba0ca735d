-- A stable insertion order for every list the API pages through (`?limit=&cursor=`).
ALTER TABLE pipelines ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE workflows ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE tasks ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE emails ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE enrollments ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE email_templates ADD COLUMN seq bigserial UNIQUE;
ALTER TABLE api_tokens ADD COLUMN seq bigserial UNIQUE;
