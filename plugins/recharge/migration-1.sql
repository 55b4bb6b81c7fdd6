-- recharge 1: invoices and credit notes, their lines, the entries each
-- line bills, exclusions, the gapless numbers, the inputs of the terms.

-- An invoice (kind 'invoice') or credit note (kind 'credit'), from the
-- provider to the consumer for a month. Drafts are refreshed by each run
-- of their month; once issued a document never changes but for its
-- payment and credit state.
CREATE TABLE recharge_invoices (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit')),
	period TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
	provider_id INTEGER NOT NULL REFERENCES organisations(id),
	consumer_id INTEGER NOT NULL REFERENCES organisations(id),
	agreement_id INTEGER REFERENCES agreements(id),
	ruleset TEXT NOT NULL,
	vat_category TEXT NOT NULL CHECK (vat_category IN ('S', 'O')),
	vat_rate_bp INTEGER NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
	vat_reason TEXT NOT NULL DEFAULT '',
	po_reference TEXT NOT NULL DEFAULT '',
	buyer_reference TEXT NOT NULL DEFAULT '',
	terms_days INTEGER NOT NULL DEFAULT 30,
	state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'issued',
	    'paid', 'credited')),
	number TEXT UNIQUE,
	seq_year INTEGER,
	seq INTEGER,
	issue_date TEXT CHECK (issue_date IS NULL OR date(issue_date) = issue_date),
	due_date TEXT CHECK (due_date IS NULL OR date(due_date) = due_date),
	net_pence INTEGER NOT NULL DEFAULT 0,
	vat_pence INTEGER NOT NULL DEFAULT 0,
	total_pence INTEGER NOT NULL DEFAULT 0,
	credits_id INTEGER REFERENCES recharge_invoices(id),
	reason TEXT NOT NULL DEFAULT '',
	public_key TEXT,
	signature TEXT,
	paid_at TEXT,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	CHECK ((kind = 'credit') = (credits_id IS NOT NULL)),
	CHECK ((state = 'draft') = (number IS NULL)),
	CHECK (vat_category = 'S' OR vat_rate_bp = 0),
	UNIQUE (provider_id, seq_year, seq)
);
CREATE INDEX recharge_invoices_period ON recharge_invoices(period, state);
CREATE INDEX recharge_invoices_provider ON recharge_invoices(provider_id, period);
CREATE INDEX recharge_invoices_consumer ON recharge_invoices(consumer_id, period);

-- An issued document is fixed: only its state (paid, credited) moves.
CREATE TRIGGER recharge_invoices_fixed BEFORE UPDATE ON recharge_invoices
WHEN OLD.state != 'draft' AND NOT (NEW.number IS OLD.number
    AND NEW.net_pence = OLD.net_pence AND NEW.vat_pence = OLD.vat_pence
    AND NEW.total_pence = OLD.total_pence AND NEW.issue_date IS OLD.issue_date
    AND NEW.due_date IS OLD.due_date
    AND (NEW.signature IS OLD.signature OR OLD.signature IS NULL)
    AND (NEW.public_key IS OLD.public_key OR OLD.public_key IS NULL) AND NEW.consumer_id = OLD.consumer_id
    AND NEW.provider_id = OLD.provider_id AND NEW.state != 'draft')
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice never changes');
END;
CREATE TRIGGER recharge_invoices_kept BEFORE DELETE ON recharge_invoices
WHEN OLD.state != 'draft'
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice is never deleted');
END;

-- Lines: 'entries' (time grouped per engagement and rate), 'engagement'
-- (fixed fees, budgets, bonus), 'invoice' (cap, discount). Amounts are
-- quantity x unit price; a negative amount has a negative quantity.
CREATE TABLE recharge_lines (
	id INTEGER PRIMARY KEY,
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	position INTEGER NOT NULL CHECK (position > 0),
	kind TEXT NOT NULL CHECK (kind IN ('entries', 'engagement', 'invoice')),
	engagement_id INTEGER REFERENCES engagements(id),
	description TEXT NOT NULL CHECK (length(description) > 0),
	unit TEXT NOT NULL,
	quantity INTEGER NOT NULL,
	unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
	amount INTEGER NOT NULL CHECK (amount = quantity * unit_price),
	vat TEXT NOT NULL CHECK (vat IN ('S', 'O')),
	ruleset_hash TEXT NOT NULL,
	po_reference TEXT NOT NULL DEFAULT '',
	credits_line_id INTEGER REFERENCES recharge_lines(id),
	UNIQUE (invoice_id, position)
);
CREATE INDEX recharge_lines_engagement ON recharge_lines(engagement_id);
CREATE INDEX recharge_lines_credits ON recharge_lines(credits_line_id);
CREATE TRIGGER recharge_lines_fixed BEFORE UPDATE ON recharge_lines
BEGIN
	SELECT RAISE(ABORT, 'invoice lines never change');
END;
CREATE TRIGGER recharge_lines_kept BEFORE DELETE ON recharge_lines
WHEN (SELECT state FROM recharge_invoices WHERE id = OLD.invoice_id) != 'draft'
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice never changes');
END;

-- Which invoice bills each entry: at most one, ever. A credit note moves
-- the row to recharge_released, so the entry can be billed again.
CREATE TABLE recharge_billed (
	entry_id INTEGER NOT NULL UNIQUE REFERENCES time_entries(id),
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	line_id INTEGER NOT NULL REFERENCES recharge_lines(id)
);
CREATE INDEX recharge_billed_line ON recharge_billed(line_id);
CREATE INDEX recharge_billed_invoice ON recharge_billed(invoice_id);
CREATE TRIGGER recharge_billed_kept BEFORE DELETE ON recharge_billed
WHEN (SELECT state FROM recharge_invoices WHERE id = OLD.invoice_id) != 'draft'
    AND NOT EXISTS (SELECT 1 FROM recharge_released r
    WHERE r.entry_id = OLD.entry_id AND r.invoice_id = OLD.invoice_id)
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice keeps its entries');
END;
CREATE TABLE recharge_released (
	entry_id INTEGER NOT NULL REFERENCES time_entries(id),
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	line_id INTEGER NOT NULL REFERENCES recharge_lines(id),
	credit_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	PRIMARY KEY (entry_id, invoice_id)
);
CREATE INDEX recharge_released_invoice ON recharge_released(invoice_id);

-- A line excluded from a draft: its entries wait for the next month.
CREATE TABLE recharge_deferrals (
	entry_id INTEGER NOT NULL REFERENCES time_entries(id),
	period TEXT NOT NULL,
	reason TEXT NOT NULL CHECK (length(reason) > 0),
	by_person INTEGER REFERENCES people(id),
	at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	PRIMARY KEY (entry_id, period)
);

-- The inputs the engagement and invoice terms were priced with, so that
-- verify can price them again with the recorded rule-set version.
CREATE TABLE recharge_terms (
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	engagement_id INTEGER NOT NULL DEFAULT 0,
	ruleset_hash TEXT NOT NULL,
	priced INTEGER NOT NULL,
	billed_before INTEGER NOT NULL,
	cap INTEGER NOT NULL,
	PRIMARY KEY (invoice_id, engagement_id)
);

-- The gapless numbers: the last one issued per provider and year.
CREATE TABLE recharge_sequences (
	provider_id INTEGER NOT NULL REFERENCES organisations(id),
	year INTEGER NOT NULL,
	last INTEGER NOT NULL CHECK (last > 0),
	PRIMARY KEY (provider_id, year)
) WITHOUT ROWID;

-- For the fee what-if: each billed entry with what it was charged.
CREATE VIEW fee_priced_entries AS SELECT t.id AS entry_id,
    c.code AS consumer_code, p.code AS provider_code,
    i.agreement_id AS agreement_id, t.entry_date, t.minutes, t.activity,
    x.grade, e.basis, t.out_of_hours, t.priced_pence AS charged_pence,
    l.ruleset_hash
    FROM recharge_billed b JOIN recharge_invoices i ON i.id = b.invoice_id
    JOIN recharge_lines l ON l.id = b.line_id
    JOIN time_entries t ON t.id = b.entry_id
    JOIN engagements e ON e.id = t.engagement_id
    JOIN experts x ON x.id = e.expert_id
    JOIN organisations c ON c.id = i.consumer_id
    JOIN organisations p ON p.id = i.provider_id WHERE t.minutes > 0;

-- Each organisation's Peppol endpoint (EAS scheme and identifier, e.g.
-- 0088 and a GLN) for the UBL exports.
CREATE TABLE recharge_endpoints (
	org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
	scheme TEXT NOT NULL CHECK (length(scheme) = 4
	    AND scheme NOT GLOB '*[^0-9]*'),
	endpoint TEXT NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 64)
);
