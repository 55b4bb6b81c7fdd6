-- timesheet 7: the timesheet's side of the quality measures.
--
-- The core's report_quality (core migration 0020) counts, by period,
-- provider and consumer, the entries approved or invoiced that are not
-- corrections, their minutes, the minutes of those an approver queried
-- before approving them, and the entries corrected by an approved
-- adjustment. These triggers keep those columns in step with
-- time_entries, and the core rebuilds them only through
-- timesheet_quality_entries, whose columns include/expertpool/plugin.h
-- documents. An entry's query_comment stays once it has been queried.
CREATE VIEW timesheet_quality_entries AS SELECT id, engagement_id,
    entry_date, minutes, adjusts_id, query_comment IS NOT NULL AS queried
    FROM time_entries WHERE state IN ('approved', 'invoiced');

CREATE TRIGGER time_entries_quality_ins AFTER INSERT ON time_entries WHEN
    NEW.state IN ('approved', 'invoiced') BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id, entries,
	    minutes, queried_minutes, adjusted) SELECT CASE k.k WHEN 0 THEN
	    substr(NEW.entry_date, 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')),
	    (CAST(substr(NEW.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    ELSE printf('%04d/%02d', (CAST(substr(NEW.entry_date, 1, 4) AS
	    INTEGER) - (substr(NEW.entry_date, 6, 2) < '04')),
	    ((CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')) + 1) % 100) END,
	    e.provider_id, e.consumer_id, 1 * (NEW.adjusts_id IS NULL), 1 *
	    NEW.minutes * (NEW.adjusts_id IS NULL), 1 * NEW.minutes *
	    (NEW.adjusts_id IS NULL AND NEW.query_comment IS NOT NULL), 1 *
	    (NEW.adjusts_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM
	    time_entries o WHERE o.adjusts_id = NEW.adjusts_id AND o.id !=
	    NEW.id AND o.state IN ('approved', 'invoiced'))) FROM engagements
	    e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k WHERE
	    e.id = NEW.engagement_id ON CONFLICT DO UPDATE SET entries =
	    entries + excluded.entries, minutes = minutes + excluded.minutes,
	    queried_minutes = queried_minutes + excluded.queried_minutes,
	    adjusted = adjusted + excluded.adjusted;
END;

CREATE TRIGGER time_entries_quality_old AFTER UPDATE ON time_entries WHEN
    OLD.state IN ('approved', 'invoiced') AND (NOT NEW.state IN
        ('approved', 'invoiced') OR (OLD.minutes != NEW.minutes OR
        OLD.entry_date != NEW.entry_date OR OLD.engagement_id !=
        NEW.engagement_id OR (OLD.query_comment IS NULL) !=
        (NEW.query_comment IS NULL) OR OLD.adjusts_id IS NOT
        NEW.adjusts_id)) BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id, entries,
	    minutes, queried_minutes, adjusted) SELECT CASE k.k WHEN 0 THEN
	    substr(OLD.entry_date, 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')),
	    (CAST(substr(OLD.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    ELSE printf('%04d/%02d', (CAST(substr(OLD.entry_date, 1, 4) AS
	    INTEGER) - (substr(OLD.entry_date, 6, 2) < '04')),
	    ((CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')) + 1) % 100) END,
	    e.provider_id, e.consumer_id, -1 * (OLD.adjusts_id IS NULL), -1 *
	    OLD.minutes * (OLD.adjusts_id IS NULL), -1 * OLD.minutes *
	    (OLD.adjusts_id IS NULL AND OLD.query_comment IS NOT NULL), -1 *
	    (OLD.adjusts_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM
	    time_entries o WHERE o.adjusts_id = OLD.adjusts_id AND o.id !=
	    OLD.id AND o.state IN ('approved', 'invoiced'))) FROM engagements
	    e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k WHERE
	    e.id = OLD.engagement_id ON CONFLICT DO UPDATE SET entries =
	    entries + excluded.entries, minutes = minutes + excluded.minutes,
	    queried_minutes = queried_minutes + excluded.queried_minutes,
	    adjusted = adjusted + excluded.adjusted;
	DELETE FROM report_quality WHERE (provider_id, consumer_id) IN (SELECT
	    provider_id, consumer_id FROM engagements WHERE id =
	    OLD.engagement_id) AND entries = 0 AND minutes = 0 AND
	    queried_minutes = 0 AND adjusted = 0 AND invoiced_pence = 0 AND
	    credited_pence = 0 AND completed = 0 AND on_time = 0 AND ratings =
	    0 AND satisfied = 0;
END;

CREATE TRIGGER time_entries_quality_new AFTER UPDATE ON time_entries WHEN
    NEW.state IN ('approved', 'invoiced') AND (NOT OLD.state IN
        ('approved', 'invoiced') OR (OLD.minutes != NEW.minutes OR
        OLD.entry_date != NEW.entry_date OR OLD.engagement_id !=
        NEW.engagement_id OR (OLD.query_comment IS NULL) !=
        (NEW.query_comment IS NULL) OR OLD.adjusts_id IS NOT
        NEW.adjusts_id)) BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id, entries,
	    minutes, queried_minutes, adjusted) SELECT CASE k.k WHEN 0 THEN
	    substr(NEW.entry_date, 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')),
	    (CAST(substr(NEW.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    ELSE printf('%04d/%02d', (CAST(substr(NEW.entry_date, 1, 4) AS
	    INTEGER) - (substr(NEW.entry_date, 6, 2) < '04')),
	    ((CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')) + 1) % 100) END,
	    e.provider_id, e.consumer_id, 1 * (NEW.adjusts_id IS NULL), 1 *
	    NEW.minutes * (NEW.adjusts_id IS NULL), 1 * NEW.minutes *
	    (NEW.adjusts_id IS NULL AND NEW.query_comment IS NOT NULL), 1 *
	    (NEW.adjusts_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM
	    time_entries o WHERE o.adjusts_id = NEW.adjusts_id AND o.id !=
	    NEW.id AND o.state IN ('approved', 'invoiced'))) FROM engagements
	    e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k WHERE
	    e.id = NEW.engagement_id ON CONFLICT DO UPDATE SET entries =
	    entries + excluded.entries, minutes = minutes + excluded.minutes,
	    queried_minutes = queried_minutes + excluded.queried_minutes,
	    adjusted = adjusted + excluded.adjusted;
END;

-- The entries already counted.
INSERT INTO report_quality (period, provider_id, consumer_id, entries,
    minutes, queried_minutes, adjusted) SELECT CASE k.k WHEN 0 THEN
    substr(t.entry_date, 1, 7) WHEN 1 THEN printf('%04d-Q%d',
    (CAST(substr(t.entry_date, 1, 4) AS INTEGER) - (substr(t.entry_date,
    6, 2) < '04')), (CAST(substr(t.entry_date, 6, 2) AS INTEGER) + 8) %
    12 / 3 + 1) ELSE printf('%04d/%02d', (CAST(substr(t.entry_date, 1,
    4) AS INTEGER) - (substr(t.entry_date, 6, 2) < '04')),
    ((CAST(substr(t.entry_date, 1, 4) AS INTEGER) -
    (substr(t.entry_date, 6, 2) < '04')) + 1) % 100) END, e.provider_id,
    e.consumer_id, sum(t.adjusts_id IS NULL), sum(t.minutes *
    (t.adjusts_id IS NULL)), sum(t.minutes * (t.adjusts_id IS NULL AND
    t.queried)), count(DISTINCT t.adjusts_id) FROM
    timesheet_quality_entries t JOIN engagements e ON e.id =
    t.engagement_id, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT
    2) k WHERE 1 GROUP BY 1, 2, 3 ON CONFLICT DO UPDATE SET entries =
    entries + excluded.entries, minutes = minutes + excluded.minutes,
    queried_minutes = queried_minutes + excluded.queried_minutes,
    adjusted = adjusted + excluded.adjusted;
