-- 0011-token-expiry.sql: an API token ends on a day set when it is made.
-- Tokens made before this had no end: they get ninety days from now, the
-- default for new ones, so no client stops at once.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now',
    '+90 days') WHERE revoked_at IS NULL;
