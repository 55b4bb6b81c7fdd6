-- recharge 3: billing links kept by line, every line an entry feeds, and
-- the runs of each month.

-- Which lines bill each entry: one row per line the entry's charges went
-- to (an entry priced into two lines has two rows). Keyed by line, so a
-- run appends each draft's links at the table's end and a draft's links
-- are one range to read, count or delete; an entry's lines are found
-- through its engagement (time_entries_engagement, then recharge_lines
-- by engagement). The line gives the invoice. At most once, ever: a run
-- takes only entries on no draft as the store stands when the draft's
-- own transaction commits (under its month's claim in recharge_runs),
-- and issuing moves each entry from approved to invoiced, which refuses
-- an entry another issued invoice has taken. A credit note moves the rows of its lines to
-- recharge_released. No foreign keys: the run links only lines it has
-- just written, in the same transaction, and checking each of a million
-- rows costs a tenth of the run; a line that still bills entries is kept
-- from deletion by recharge_lines_billed below.
DROP VIEW fee_priced_entries;
DROP TRIGGER recharge_billed_kept;
CREATE TEMP TABLE recharge_links_v2 AS
    SELECT line_id, entry_id FROM recharge_billed;
DROP TABLE recharge_billed;
CREATE TABLE recharge_billed (
	line_id INTEGER NOT NULL,
	entry_id INTEGER NOT NULL,
	PRIMARY KEY (line_id, entry_id)
) WITHOUT ROWID;
INSERT INTO recharge_billed (line_id, entry_id)
    SELECT line_id, entry_id FROM temp.recharge_links_v2
    ORDER BY line_id, entry_id;
DROP TABLE temp.recharge_links_v2;

-- Released links, one per entry and line, as the links were. Like the
-- links, they name the entry without a foreign key: time_entries is the
-- timesheet's, and may not exist yet when this runs on a new store.
CREATE TEMP TABLE recharge_released_v2 AS SELECT * FROM recharge_released;
DROP TABLE recharge_released;
CREATE TABLE recharge_released (
	entry_id INTEGER NOT NULL,
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	line_id INTEGER NOT NULL REFERENCES recharge_lines(id),
	credit_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	PRIMARY KEY (entry_id, line_id)
);
INSERT INTO recharge_released (entry_id, invoice_id, line_id, credit_id)
    SELECT entry_id, invoice_id, line_id, credit_id
    FROM temp.recharge_released_v2;
DROP TABLE temp.recharge_released_v2;
CREATE INDEX recharge_released_invoice ON recharge_released(invoice_id);
CREATE INDEX recharge_released_line ON recharge_released(line_id);
CREATE INDEX recharge_released_credit ON recharge_released(credit_id);

CREATE TRIGGER recharge_lines_billed BEFORE DELETE ON recharge_lines
WHEN EXISTS (SELECT 1 FROM recharge_billed WHERE line_id = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'a line that bills entries is not deleted');
END;

CREATE TRIGGER recharge_billed_kept BEFORE DELETE ON recharge_billed
WHEN (SELECT i.state FROM recharge_lines l JOIN recharge_invoices i
    ON i.id = l.invoice_id WHERE l.id = OLD.line_id) != 'draft'
    AND NOT EXISTS (SELECT 1 FROM recharge_released r
    WHERE r.entry_id = OLD.entry_id AND r.line_id = OLD.line_id)
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice keeps its entries');
END;

-- For the fee what-if: each billed entry with what it was charged, once
-- (its first line gives the rule-set version; all its lines share it).
CREATE VIEW fee_priced_entries AS SELECT t.id AS entry_id,
    c.code AS consumer_code, p.code AS provider_code,
    i.agreement_id AS agreement_id, t.entry_date, t.minutes, t.activity,
    x.grade, e.basis, t.out_of_hours, t.priced_pence AS charged_pence,
    l.ruleset_hash
    FROM recharge_billed b JOIN recharge_lines l ON l.id = b.line_id
    JOIN recharge_invoices i ON i.id = l.invoice_id
    JOIN time_entries t ON t.id = b.entry_id
    JOIN engagements e ON e.id = t.engagement_id
    JOIN experts x ON x.id = e.expert_id
    JOIN organisations c ON c.id = i.consumer_id
    JOIN organisations p ON p.id = i.provider_id
    WHERE t.minutes > 0 AND NOT EXISTS (SELECT 1 FROM recharge_lines l2
    JOIN recharge_billed b2 ON b2.line_id = l2.id AND b2.entry_id = b.entry_id
    WHERE l2.invoice_id = l.invoice_id AND l2.engagement_id = l.engagement_id
    AND l2.id < l.id);

-- A month's runs. A run claims its month here before it writes and
-- commits draft by draft; at most one run of a month is running (the
-- partial unique index), and each draft's transaction checks that its
-- claim still holds. A run killed mid-way stays 'running' until the next
-- run of the month finds its process gone (or silent for ten minutes)
-- and marks it 'abandoned'.
CREATE TABLE recharge_runs (
	id INTEGER PRIMARY KEY,
	period TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
	state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running',
	    'done', 'failed', 'abandoned')),
	pid INTEGER NOT NULL,
	started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	beat_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	finished_at TEXT,
	entries INTEGER NOT NULL DEFAULT 0,
	invoices INTEGER NOT NULL DEFAULT 0,
	net_pence INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX recharge_runs_running ON recharge_runs(period)
    WHERE state = 'running';
