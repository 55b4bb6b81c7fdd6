-- timesheet 3: the checks on an entry's activity and state as comparisons.
-- SQLite tests "x IN (three or more constants)" in a CHECK by building a
-- temporary index of the constants, again for every row it writes: a few
-- microseconds an entry, the dearest part of saving one. The same rules
-- written as equalities cost next to nothing, and accept exactly the same
-- values.
--
-- A constraint cannot be altered in SQLite, so the table is rebuilt as
-- SQLite documents for other kinds of schema change: its rows are copied
-- aside, the table dropped and made again under its own name with the new
-- checks, the rows copied back, and its indexes and triggers made again
-- as migrations 1 and 2 made them. Keeping the name (no RENAME) leaves
-- the views and triggers of others that name the table as they were.
-- Foreign keys that point at entries are checked at commit, once the rows
-- are back. Stores that ran the first migration 3 (which rewrote the
-- table's text in sqlite_schema) already have this exact definition.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE time_entries_v3 AS SELECT * FROM time_entries;
DROP TABLE time_entries;
CREATE TABLE time_entries (
	id INTEGER PRIMARY KEY,
	engagement_id INTEGER NOT NULL REFERENCES engagements(id),
	entry_date TEXT NOT NULL CHECK (date(entry_date) = entry_date),
	minutes INTEGER NOT NULL CHECK (minutes BETWEEN -1440 AND 1440),
	activity TEXT NOT NULL CHECK (activity = 'advice' OR activity = 'drafting' OR
	    activity = 'meeting' OR activity = 'research' OR activity = 'travel' OR
	    activity = 'court' OR activity = 'other'),
	note TEXT NOT NULL DEFAULT '',
	billable INTEGER NOT NULL DEFAULT 1 CHECK (billable IN (0, 1)),
	out_of_hours INTEGER NOT NULL DEFAULT 0 CHECK (out_of_hours IN (0, 1)),
	state TEXT NOT NULL DEFAULT 'draft' CHECK (state = 'draft' OR
	    state = 'submitted' OR state = 'approved' OR state = 'queried' OR
	    state = 'invoiced'),
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
INSERT INTO time_entries SELECT * FROM temp.time_entries_v3;
DROP TABLE temp.time_entries_v3;
CREATE INDEX time_entries_engagement ON time_entries(engagement_id,
    entry_date);
CREATE INDEX time_entries_state ON time_entries(state, entry_date);
CREATE INDEX time_entries_adjusts ON time_entries(adjusts_id);
CREATE INDEX time_entries_approved ON time_entries(engagement_id,
    entry_date, id, minutes, activity, out_of_hours, state, billable)
    WHERE state = 'approved' AND billable = 1;

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
