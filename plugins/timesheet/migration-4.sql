-- timesheet 4: entries by engagement and date carry their minutes, so the
-- 24-hours-a-day rule, checked on every entry saved, sums an expert's day
-- from the index alone instead of reading each entry's row.
DROP INDEX time_entries_engagement;
CREATE INDEX time_entries_engagement ON time_entries(engagement_id,
    entry_date, minutes);
