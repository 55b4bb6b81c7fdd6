-- timesheet 1: time entries, adjustments and budget variations.
CREATE TABLE time_entries (
	id INTEGER PRIMARY KEY,
	engagement_id INTEGER NOT NULL REFERENCES engagements(id),
	entry_date TEXT NOT NULL CHECK (date(entry_date) = entry_date),
	minutes INTEGER NOT NULL CHECK (minutes BETWEEN -1440 AND 1440),
	activity TEXT NOT NULL CHECK (activity IN ('advice', 'drafting',
	    'meeting', 'research', 'travel', 'court', 'other')),
	note TEXT NOT NULL DEFAULT '',
	billable INTEGER NOT NULL DEFAULT 1 CHECK (billable IN (0, 1)),
	out_of_hours INTEGER NOT NULL DEFAULT 0 CHECK (out_of_hours IN (0, 1)),
	state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft',
	    'submitted', 'approved', 'queried', 'invoiced')),
	adjusts_id INTEGER REFERENCES time_entries(id),
	reason TEXT,
	query_comment TEXT,
	created_by INTEGER REFERENCES people(id),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	submitted_at TEXT,
	decided_at TEXT,
	decided_by INTEGER REFERENCES people(id),
	priced_pence INTEGER NOT NULL DEFAULT 0,
	ruleset_hash TEXT NOT NULL DEFAULT '',
	CHECK (adjusts_id IS NULL OR length(reason) > 0),
	CHECK (minutes > 0 OR adjusts_id IS NOT NULL)
);
CREATE INDEX time_entries_engagement ON time_entries(engagement_id,
    entry_date);
CREATE INDEX time_entries_state ON time_entries(state, entry_date);
CREATE INDEX time_entries_adjusts ON time_entries(adjusts_id);

-- An entry an invoice has used never changes again: corrections are
-- adjustment entries pointing at it. Only a credit note may release it,
-- back to approved, with nothing else changed.
CREATE TRIGGER time_entries_invoiced_fixed BEFORE UPDATE ON time_entries
WHEN OLD.state = 'invoiced' AND NOT (NEW.state = 'approved'
    AND NEW.minutes = OLD.minutes AND NEW.entry_date = OLD.entry_date
    AND NEW.engagement_id = OLD.engagement_id
    AND NEW.activity = OLD.activity AND NEW.billable = OLD.billable
    AND NEW.out_of_hours = OLD.out_of_hours AND NEW.note = OLD.note)
BEGIN
	SELECT RAISE(ABORT, 'an invoiced entry never changes: adjust it');
END;
CREATE TRIGGER time_entries_kept BEFORE DELETE ON time_entries
WHEN OLD.state != 'draft'
BEGIN
	SELECT RAISE(ABORT, 'only draft entries may be deleted');
END;

-- The requester's approval to go past an engagement's budget.
CREATE TABLE budget_variations (
	id INTEGER PRIMARY KEY,
	engagement_id INTEGER NOT NULL REFERENCES engagements(id),
	extra_pence INTEGER NOT NULL CHECK (extra_pence > 0),
	reason TEXT NOT NULL CHECK (length(reason) > 0),
	approved_by INTEGER NOT NULL REFERENCES people(id),
	approved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX budget_variations_engagement ON budget_variations(engagement_id);
