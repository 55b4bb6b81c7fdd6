-- 0003-fees: every fee rule-set version ever loaded, by hash, and quotes.
-- A version is kept with the helper modules it was loaded with, so past
-- invoices can be re-priced and verified with exactly the same code.
CREATE TABLE fee_rulesets (
	hash TEXT PRIMARY KEY CHECK (length(hash) = 64
	    AND hash NOT GLOB '*[^0-9a-f]*'),
	name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
	source TEXT NOT NULL,
	first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX fee_rulesets_name ON fee_rulesets(name, first_seen);

CREATE TABLE fee_ruleset_modules (
	ruleset_hash TEXT NOT NULL REFERENCES fee_rulesets(hash),
	name TEXT NOT NULL,
	source TEXT NOT NULL,
	PRIMARY KEY (ruleset_hash, name)
) WITHOUT ROWID;

-- A fee estimate as given: what was priced, by which version, for how much.
CREATE TABLE fee_quotes (
	id INTEGER PRIMARY KEY,
	agreement_id INTEGER REFERENCES agreements(id),
	ruleset_hash TEXT NOT NULL REFERENCES fee_rulesets(hash),
	entry_date TEXT NOT NULL CHECK (date(entry_date) = entry_date),
	minutes INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
	activity TEXT NOT NULL,
	out_of_hours INTEGER NOT NULL CHECK (out_of_hours IN (0, 1)),
	grade TEXT NOT NULL,
	basis TEXT NOT NULL,
	total_pence INTEGER NOT NULL CHECK (total_pence >= 0),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
