-- timesheet 9: the state index holds only entries still in the expert's
-- or the approver's hands (draft, submitted, queried), the ones looked up
-- by state. Approved and invoiced entries, nearly all of a store, are
-- read by engagement: issuing an invoice, which marks its entries
-- invoiced, then leaves this index as it is instead of rewriting a page
-- of it for nearly every entry. A query finds it by one of these states
-- (state = 'draft'), or by naming the index's condition as its own.
DROP INDEX time_entries_state;
CREATE INDEX time_entries_state ON time_entries(state, entry_date)
    WHERE state = 'draft' OR state = 'submitted' OR state = 'queried';
