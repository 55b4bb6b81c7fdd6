-- 0017-identity: one-time password-reset links, a second factor (TOTP,
-- with recovery codes), when a session last showed it, and when an API
-- token was last used.

-- A reset link's token is kept only as its BLAKE2b hash; used_at ends it.
CREATE TABLE password_resets (
	id INTEGER PRIMARY KEY,
	token_hash BLOB NOT NULL UNIQUE,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER
);
CREATE INDEX password_resets_person ON password_resets(person_id);

-- A person's TOTP secret, sealed under a key derived from the sealing
-- key; confirmed_at is NULL until a first code proves the enrolment;
-- last_step is the newest time step used, so no code is used twice.
CREATE TABLE person_totp (
	person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
	secret_sealed BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	confirmed_at INTEGER,
	last_step INTEGER NOT NULL DEFAULT 0
);

-- Ten recovery codes per enrolment, hashed, each usable once.
CREATE TABLE recovery_codes (
	id INTEGER PRIMARY KEY,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	code_hash BLOB NOT NULL UNIQUE,
	used_at INTEGER
);
CREATE INDEX recovery_codes_person ON recovery_codes(person_id);

-- When the session's second factor was last shown (unix seconds); NULL
-- while a session waits for one.
ALTER TABLE sessions ADD COLUMN second_factor_at INTEGER;

ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
