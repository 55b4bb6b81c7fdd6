-- timesheet 2: approved billable entries by engagement and date, carrying
-- what pricing reads (and the terms of its own WHERE, which SQLite needs
-- among the columns to see the index covers a query), so a month's entries
-- are read from the index alone.
CREATE INDEX time_entries_approved ON time_entries(engagement_id,
    entry_date, id, minutes, activity, out_of_hours, state, billable)
    WHERE state = 'approved' AND billable = 1;
