-- recharge 12: issuing leaves its entries' rows alone.
--
-- Issuing marked each entry of the draft invoiced: a draft's entries are
-- scattered over time_entries, so that rewrote a page (and its WAL copy)
-- for nearly every entry, most of an issue's cost. An issue now records
-- only its invoice here; its entries are invoiced all the same, as the
-- timesheet's view below says, and the next invoice run marks them all
-- at once, in the table's order, before it reads any entry (run.c), so
-- the runs go on reading approved entries as not yet invoiced. Stores
-- whose entries issuing marked keep them as they are: marked invoiced.
CREATE TABLE recharge_unmarked (
	invoice_id INTEGER PRIMARY KEY REFERENCES recharge_invoices(id)
);

-- Invoiced: an entry marked so (issued before this migration, or marked
-- since); one billed on a line of an issued invoice not yet marked; one
-- such an invoice's credit note wrote off. An entry's lines are found
-- through its engagement, as everywhere else (migration 3).
DROP VIEW timesheet_invoiced_entries;
CREATE VIEW timesheet_invoiced_entries AS
    SELECT id AS entry_id FROM time_entries WHERE state = 'invoiced'
    UNION ALL
    SELECT t.id FROM time_entries t JOIN recharge_lines l
        ON l.engagement_id = t.engagement_id JOIN recharge_unmarked u
        ON u.invoice_id = l.invoice_id JOIN recharge_billed b
        ON b.line_id = l.id AND b.entry_id = t.id
        WHERE t.state = 'approved'
    UNION ALL
    SELECT r.entry_id FROM recharge_released r JOIN recharge_unmarked u
        ON u.invoice_id = r.invoice_id WHERE r.settle = 'write_off';
