-- 0018-single-sign-on.sql: organisations' OpenID Connect providers.
--
-- An organisation may name one identity provider. Its client secret is kept
-- sealed with a key derived from the sealing key (never in clear here);
-- create_domains lists the e-mail domains for which signing in may create a
-- requester; passwords 0 turns local passwords off for its people.
CREATE TABLE org_sso (
	org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
	issuer TEXT NOT NULL CHECK (length(issuer) BETWEEN 8 AND 512),
	client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 256),
	client_secret_sealed BLOB,
	create_domains TEXT NOT NULL DEFAULT ''
	    CHECK (length(create_domains) <= 1024),
	passwords INTEGER NOT NULL DEFAULT 1 CHECK (passwords IN (0, 1))
);

-- The provider's subject a person signed in as, kept at first use.
ALTER TABLE people ADD COLUMN sso_issuer TEXT;
ALTER TABLE people ADD COLUMN sso_subject TEXT;
CREATE UNIQUE INDEX people_sso ON people(sso_issuer, sso_subject)
    WHERE sso_subject IS NOT NULL;

-- Sign-ins under way: the state (hashed), its nonce and PKCE verifier, each
-- used once and for ten minutes at most.
CREATE TABLE sso_states (
	state_hash BLOB PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES organisations(id),
	nonce TEXT NOT NULL,
	verifier TEXT NOT NULL,
	next TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
