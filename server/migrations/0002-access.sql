-- 0002-access: billing details, agreements, sessions, API tokens, the audit chain.
ALTER TABLE organisations ADD COLUMN billing_address TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN vat_number TEXT;
ALTER TABLE organisations ADD COLUMN po_required INTEGER NOT NULL DEFAULT 0
    CHECK (po_required IN (0, 1));
ALTER TABLE organisations ADD COLUMN invoice_email TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN payment_terms_days INTEGER NOT NULL
    DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365);
-- Ed25519 key for signing invoices: the public half, and the secret half
-- sealed under the key from the configuration.
ALTER TABLE organisations ADD COLUMN sign_public_key BLOB;
ALTER TABLE organisations ADD COLUMN sign_secret_sealed BLOB;

-- Terms between a provider and a consumer; both NULL is the
-- consortium-wide default.
CREATE TABLE agreements (
	id INTEGER PRIMARY KEY,
	provider_id INTEGER REFERENCES organisations(id),
	consumer_id INTEGER REFERENCES organisations(id),
	ruleset TEXT NOT NULL CHECK (length(ruleset) BETWEEN 1 AND 64
	    AND ruleset NOT GLOB '*[^a-z0-9_-]*'),
	payment_terms_days INTEGER NOT NULL DEFAULT 30
	    CHECK (payment_terms_days BETWEEN 0 AND 365),
	monthly_cap_pence INTEGER CHECK (monthly_cap_pence IS NULL
	    OR monthly_cap_pence >= 0),
	vat_category TEXT NOT NULL DEFAULT 'S' CHECK (vat_category IN ('S', 'O')),
	valid_from TEXT NOT NULL CHECK (date(valid_from) = valid_from),
	valid_to TEXT CHECK (valid_to IS NULL OR (date(valid_to) = valid_to
	    AND valid_to >= valid_from)),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	CHECK ((provider_id IS NULL) = (consumer_id IS NULL))
);
CREATE INDEX agreements_parties ON agreements(consumer_id, provider_id, valid_from);

-- Browser sessions: only the BLAKE2b hash of the token is kept.
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	token_hash BLOB NOT NULL UNIQUE,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions(person_id);

-- Bearer tokens for API clients, shown once, stored hashed.
CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	token_hash BLOB NOT NULL UNIQUE,
	person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	label TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	revoked_at TEXT
);

-- Append-only, hash-chained record of every change.
CREATE TABLE audit_events (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor_id INTEGER,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id TEXT NOT NULL DEFAULT '',
	org_id INTEGER,
	summary TEXT NOT NULL DEFAULT '{}',
	prev_hash BLOB NOT NULL,
	hash BLOB NOT NULL
);
CREATE INDEX audit_entity ON audit_events(entity, entity_id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit events are append-only');
END;
