-- 0004-marketplace: leave, requests, offers, engagements, the outbox.
ALTER TABLE people ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE expert_leave (
	id INTEGER PRIMARY KEY,
	expert_id INTEGER NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
	starts TEXT NOT NULL CHECK (date(starts) = starts),
	ends TEXT NOT NULL CHECK (date(ends) = ends AND ends >= starts),
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX expert_leave_expert ON expert_leave(expert_id, starts);

-- A consumer's ask for expert time.
CREATE TABLE requests (
	id INTEGER PRIMARY KEY,
	consumer_id INTEGER NOT NULL REFERENCES organisations(id),
	requester_id INTEGER NOT NULL REFERENCES people(id),
	area TEXT NOT NULL CHECK (length(area) > 0),
	speciality TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	description TEXT NOT NULL DEFAULT '',
	urgency TEXT NOT NULL CHECK (urgency IN ('routine', 'soon', 'urgent')),
	wanted_start TEXT NOT NULL CHECK (date(wanted_start) = wanted_start),
	wanted_end TEXT NOT NULL CHECK (date(wanted_end) = wanted_end
	    AND wanted_end >= wanted_start),
	estimated_minutes INTEGER NOT NULL CHECK (estimated_minutes > 0),
	budget_pence INTEGER CHECK (budget_pence IS NULL OR budget_pence >= 0),
	cost_centre TEXT NOT NULL DEFAULT '',
	po_reference TEXT NOT NULL DEFAULT '',
	preferred_expert_id INTEGER REFERENCES experts(id),
	state TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('draft',
	    'submitted', 'offered', 'engaged', 'completed', 'closed', 'withdrawn',
	    'declined', 'cancelled')),
	estimate_pence INTEGER,
	estimate_ruleset TEXT,
	idem_key TEXT UNIQUE,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	submitted_at TEXT,
	first_offer_at TEXT,
	engaged_at TEXT,
	updated_at TEXT
);
CREATE INDEX requests_consumer ON requests(consumer_id, id);
CREATE INDEX requests_state ON requests(state, created_at);

-- The broker proposes an expert for a request.
CREATE TABLE offers (
	id INTEGER PRIMARY KEY,
	request_id INTEGER NOT NULL REFERENCES requests(id),
	expert_id INTEGER NOT NULL REFERENCES experts(id),
	provider_id INTEGER NOT NULL REFERENCES organisations(id),
	offered_by INTEGER REFERENCES people(id),
	basis TEXT NOT NULL CHECK (basis IN ('hourly', 'daily', 'fixed', 'capped')),
	budget_pence INTEGER CHECK (budget_pence IS NULL OR budget_pence >= 0),
	rank_note TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted',
	    'declined', 'withdrawn', 'lapsed')),
	decline_reason TEXT,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	decided_at TEXT,
	UNIQUE (request_id, expert_id)
);
CREATE INDEX offers_expert ON offers(expert_id, state);

-- An accepted offer: the unit time is logged and billed against.
CREATE TABLE engagements (
	id INTEGER PRIMARY KEY,
	request_id INTEGER NOT NULL UNIQUE REFERENCES requests(id),
	offer_id INTEGER NOT NULL UNIQUE REFERENCES offers(id),
	expert_id INTEGER NOT NULL REFERENCES experts(id),
	provider_id INTEGER NOT NULL REFERENCES organisations(id),
	consumer_id INTEGER NOT NULL REFERENCES organisations(id),
	agreement_id INTEGER REFERENCES agreements(id),
	basis TEXT NOT NULL CHECK (basis IN ('hourly', 'daily', 'fixed', 'capped')),
	budget_pence INTEGER CHECK (budget_pence IS NULL OR budget_pence >= 0),
	starts TEXT NOT NULL CHECK (date(starts) = starts),
	ends TEXT NOT NULL CHECK (date(ends) = ends AND ends >= starts),
	committed_minutes INTEGER NOT NULL CHECK (committed_minutes >= 0),
	state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active',
	    'completed', 'closed', 'cancelled')),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	completed_at TEXT
);
-- Covering, for free capacity: an expert's engagements overlapping a window.
CREATE INDEX engagements_expert ON engagements(expert_id, ends, starts,
    committed_minutes, state);
CREATE INDEX engagements_consumer ON engagements(consumer_id);
-- Covering, for the fair spread of recent work across providers.
CREATE INDEX engagements_recent ON engagements(created_at, provider_id,
    committed_minutes);

-- Messages to people, delivered by a worker through a sendmail command.
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	to_person INTEGER REFERENCES people(id),
	to_address TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent',
	    'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	sent_at TEXT
);
CREATE INDEX outbox_state ON outbox(state, id);
CREATE INDEX outbox_person ON outbox(to_person, id);
