-- timesheet 10: which entries are invoiced, asked of a view.
--
-- An entry is invoiced once an issued invoice bills it. Issuing used to
-- mark each of its entries' rows 'invoiced', one page rewritten for
-- nearly every entry. The timesheet now asks timesheet_invoiced_entries
-- (one column, entry_id) which entries are invoiced, and shows those, and
-- only those, as invoiced. Made here with the entries marked so; a plugin
-- that bills entries (recharge, its migration 12) replaces it with one
-- that also names the entries its issued invoices hold and has not yet
-- marked. An entry the view names, still marked approved, is as fixed as
-- one marked invoiced: only marking it invoiced, nothing else changed, is
-- allowed.
CREATE VIEW timesheet_invoiced_entries AS
    SELECT id AS entry_id FROM time_entries WHERE state = 'invoiced';

CREATE TRIGGER time_entries_held_fixed BEFORE UPDATE ON time_entries
WHEN OLD.state = 'approved' AND NOT (NEW.state = 'invoiced'
    AND NEW.minutes = OLD.minutes AND NEW.entry_date = OLD.entry_date
    AND NEW.engagement_id = OLD.engagement_id
    AND NEW.activity = OLD.activity AND NEW.billable = OLD.billable
    AND NEW.out_of_hours = OLD.out_of_hours AND NEW.note = OLD.note)
    AND EXISTS (SELECT 1 FROM timesheet_invoiced_entries v
    WHERE v.entry_id = OLD.id)
BEGIN
	SELECT RAISE(ABORT, 'an invoiced entry never changes: adjust it');
END;
