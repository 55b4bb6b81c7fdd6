-- timesheet 6: the timesheet's side of its contract with the core.
--
-- The core's report summaries (report_hours, report_consumer, report_load,
-- report_period_hours) count the entries approved or invoiced. The
-- triggers that keep them in step are on the timesheet's table, so they
-- are the timesheet's: until now the core created them (report_v2_entry_*)
-- after every migration run. They are made here instead, and the core
-- reads the entries it counts (to rebuild the summaries, and for an
-- engagement's last day of work) only through timesheet_counted_entries,
-- whose columns the timesheet keeps as include/expertpool/plugin.h says.
DROP TRIGGER IF EXISTS report_v2_entry_ins;
DROP TRIGGER IF EXISTS report_v2_entry_old;
DROP TRIGGER IF EXISTS report_v2_entry_new;
DROP TRIGGER IF EXISTS report_v2_entry_del;

CREATE VIEW timesheet_counted_entries AS SELECT engagement_id, entry_date,
    minutes, billable, priced_pence FROM time_entries
    WHERE state IN ('approved', 'invoiced');

-- An entry counts once approved, and still once invoiced: its figures go
-- in when it starts to count, out when it stops, and out then in again
-- when what the summaries read of it changes.
CREATE TRIGGER time_entries_report_ins AFTER INSERT ON time_entries WHEN
    NEW.state IN ('approved', 'invoiced') BEGIN
	INSERT INTO report_hours (consumer_id, month, provider_id, area, grade,
	    entries, minutes, billable_minutes, pence) SELECT e.consumer_id,
	    substr(NEW.entry_date, 1, 7), e.provider_id, r.area, x.grade, 1, 1
	    * NEW.minutes, 1 * NEW.minutes * NEW.billable, 1 * NEW.priced_pence
	    FROM engagements e JOIN requests r ON r.id = e.request_id JOIN
	    experts x ON x.id = e.expert_id WHERE e.id = NEW.engagement_id ON
	    CONFLICT DO UPDATE SET entries = entries + excluded.entries,
	    minutes = minutes + excluded.minutes, billable_minutes =
	    billable_minutes + excluded.billable_minutes, pence = pence +
	    excluded.pence;
	INSERT INTO report_consumer (month, consumer_id, area, entries,
	    minutes, pence) SELECT substr(NEW.entry_date, 1, 7), e.consumer_id,
	    r.area, 1, 1 * NEW.minutes, 1 * NEW.priced_pence FROM engagements e
	    JOIN requests r ON r.id = e.request_id WHERE e.id =
	    NEW.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
	INSERT INTO report_load (expert_id, week, entries, minutes) SELECT
	    e.expert_id, date(NEW.entry_date, 'weekday 0', '-6 days'), 1, 1 *
	    NEW.minutes FROM engagements e WHERE e.id = NEW.engagement_id ON
	    CONFLICT DO UPDATE SET entries = entries + excluded.entries,
	    minutes = minutes + excluded.minutes;
	INSERT INTO report_period_hours (period, consumer_id, area, entries,
	    minutes, pence) SELECT p.period, e.consumer_id, r.area, 1, 1 *
	    NEW.minutes, 1 * NEW.priced_pence FROM engagements e JOIN requests
	    r ON r.id = e.request_id, (SELECT substr(NEW.entry_date, 1, 7) AS
	    period UNION ALL SELECT printf('%04d-Q%d',
	    (CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')),
	    (CAST(substr(NEW.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    UNION ALL SELECT printf('%04d/%02d', (CAST(substr(NEW.entry_date,
	    1, 4) AS INTEGER) - (substr(NEW.entry_date, 6, 2) < '04')),
	    ((CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')) + 1) % 100)) p WHERE e.id =
	    NEW.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
END;

CREATE TRIGGER time_entries_report_old AFTER UPDATE ON time_entries WHEN
    OLD.state IN ('approved', 'invoiced') AND (NOT NEW.state IN ('approved',
    'invoiced') OR (OLD.minutes != NEW.minutes OR OLD.priced_pence !=
    NEW.priced_pence OR OLD.billable != NEW.billable OR OLD.entry_date !=
    NEW.entry_date OR OLD.engagement_id != NEW.engagement_id)) BEGIN
	INSERT INTO report_hours (consumer_id, month, provider_id, area, grade,
	    entries, minutes, billable_minutes, pence) SELECT e.consumer_id,
	    substr(OLD.entry_date, 1, 7), e.provider_id, r.area, x.grade, -1,
	    -1 * OLD.minutes, -1 * OLD.minutes * OLD.billable, -1 *
	    OLD.priced_pence FROM engagements e JOIN requests r ON r.id =
	    e.request_id JOIN experts x ON x.id = e.expert_id WHERE e.id =
	    OLD.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes,
	    billable_minutes = billable_minutes + excluded.billable_minutes,
	    pence = pence + excluded.pence;
	INSERT INTO report_consumer (month, consumer_id, area, entries,
	    minutes, pence) SELECT substr(OLD.entry_date, 1, 7), e.consumer_id,
	    r.area, -1, -1 * OLD.minutes, -1 * OLD.priced_pence FROM
	    engagements e JOIN requests r ON r.id = e.request_id WHERE e.id =
	    OLD.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
	INSERT INTO report_load (expert_id, week, entries, minutes) SELECT
	    e.expert_id, date(OLD.entry_date, 'weekday 0', '-6 days'), -1, -1 *
	    OLD.minutes FROM engagements e WHERE e.id = OLD.engagement_id ON
	    CONFLICT DO UPDATE SET entries = entries + excluded.entries,
	    minutes = minutes + excluded.minutes;
	INSERT INTO report_period_hours (period, consumer_id, area, entries,
	    minutes, pence) SELECT p.period, e.consumer_id, r.area, -1, -1 *
	    OLD.minutes, -1 * OLD.priced_pence FROM engagements e JOIN requests
	    r ON r.id = e.request_id, (SELECT substr(OLD.entry_date, 1, 7) AS
	    period UNION ALL SELECT printf('%04d-Q%d',
	    (CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')),
	    (CAST(substr(OLD.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    UNION ALL SELECT printf('%04d/%02d', (CAST(substr(OLD.entry_date,
	    1, 4) AS INTEGER) - (substr(OLD.entry_date, 6, 2) < '04')),
	    ((CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')) + 1) % 100)) p WHERE e.id =
	    OLD.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
	DELETE FROM report_hours WHERE entries = 0 AND consumer_id = (SELECT
	    consumer_id FROM engagements WHERE id = OLD.engagement_id) AND
	    month = substr(OLD.entry_date, 1, 7);
	DELETE FROM report_consumer WHERE entries = 0 AND month =
	    substr(OLD.entry_date, 1, 7) AND consumer_id = (SELECT consumer_id
	    FROM engagements WHERE id = OLD.engagement_id);
	DELETE FROM report_load WHERE entries = 0 AND expert_id = (SELECT
	    expert_id FROM engagements WHERE id = OLD.engagement_id) AND week =
	    date(OLD.entry_date, 'weekday 0', '-6 days');
	DELETE FROM report_period_hours WHERE entries = 0 AND period IN (SELECT
	    substr(OLD.entry_date, 1, 7) AS period UNION ALL SELECT
	    printf('%04d-Q%d', (CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')),
	    (CAST(substr(OLD.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    UNION ALL SELECT printf('%04d/%02d', (CAST(substr(OLD.entry_date,
	    1, 4) AS INTEGER) - (substr(OLD.entry_date, 6, 2) < '04')),
	    ((CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')) + 1) % 100)) AND consumer_id
	    = (SELECT consumer_id FROM engagements WHERE id =
	    OLD.engagement_id);
END;

CREATE TRIGGER time_entries_report_new AFTER UPDATE ON time_entries WHEN
    NEW.state IN ('approved', 'invoiced') AND (NOT OLD.state IN ('approved',
    'invoiced') OR (OLD.minutes != NEW.minutes OR OLD.priced_pence !=
    NEW.priced_pence OR OLD.billable != NEW.billable OR OLD.entry_date !=
    NEW.entry_date OR OLD.engagement_id != NEW.engagement_id)) BEGIN
	INSERT INTO report_hours (consumer_id, month, provider_id, area, grade,
	    entries, minutes, billable_minutes, pence) SELECT e.consumer_id,
	    substr(NEW.entry_date, 1, 7), e.provider_id, r.area, x.grade, 1, 1
	    * NEW.minutes, 1 * NEW.minutes * NEW.billable, 1 * NEW.priced_pence
	    FROM engagements e JOIN requests r ON r.id = e.request_id JOIN
	    experts x ON x.id = e.expert_id WHERE e.id = NEW.engagement_id ON
	    CONFLICT DO UPDATE SET entries = entries + excluded.entries,
	    minutes = minutes + excluded.minutes, billable_minutes =
	    billable_minutes + excluded.billable_minutes, pence = pence +
	    excluded.pence;
	INSERT INTO report_consumer (month, consumer_id, area, entries,
	    minutes, pence) SELECT substr(NEW.entry_date, 1, 7), e.consumer_id,
	    r.area, 1, 1 * NEW.minutes, 1 * NEW.priced_pence FROM engagements e
	    JOIN requests r ON r.id = e.request_id WHERE e.id =
	    NEW.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
	INSERT INTO report_load (expert_id, week, entries, minutes) SELECT
	    e.expert_id, date(NEW.entry_date, 'weekday 0', '-6 days'), 1, 1 *
	    NEW.minutes FROM engagements e WHERE e.id = NEW.engagement_id ON
	    CONFLICT DO UPDATE SET entries = entries + excluded.entries,
	    minutes = minutes + excluded.minutes;
	INSERT INTO report_period_hours (period, consumer_id, area, entries,
	    minutes, pence) SELECT p.period, e.consumer_id, r.area, 1, 1 *
	    NEW.minutes, 1 * NEW.priced_pence FROM engagements e JOIN requests
	    r ON r.id = e.request_id, (SELECT substr(NEW.entry_date, 1, 7) AS
	    period UNION ALL SELECT printf('%04d-Q%d',
	    (CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')),
	    (CAST(substr(NEW.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    UNION ALL SELECT printf('%04d/%02d', (CAST(substr(NEW.entry_date,
	    1, 4) AS INTEGER) - (substr(NEW.entry_date, 6, 2) < '04')),
	    ((CAST(substr(NEW.entry_date, 1, 4) AS INTEGER) -
	    (substr(NEW.entry_date, 6, 2) < '04')) + 1) % 100)) p WHERE e.id =
	    NEW.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
END;

CREATE TRIGGER time_entries_report_del AFTER DELETE ON time_entries WHEN
    OLD.state IN ('approved', 'invoiced') BEGIN
	INSERT INTO report_hours (consumer_id, month, provider_id, area, grade,
	    entries, minutes, billable_minutes, pence) SELECT e.consumer_id,
	    substr(OLD.entry_date, 1, 7), e.provider_id, r.area, x.grade, -1,
	    -1 * OLD.minutes, -1 * OLD.minutes * OLD.billable, -1 *
	    OLD.priced_pence FROM engagements e JOIN requests r ON r.id =
	    e.request_id JOIN experts x ON x.id = e.expert_id WHERE e.id =
	    OLD.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes,
	    billable_minutes = billable_minutes + excluded.billable_minutes,
	    pence = pence + excluded.pence;
	INSERT INTO report_consumer (month, consumer_id, area, entries,
	    minutes, pence) SELECT substr(OLD.entry_date, 1, 7), e.consumer_id,
	    r.area, -1, -1 * OLD.minutes, -1 * OLD.priced_pence FROM
	    engagements e JOIN requests r ON r.id = e.request_id WHERE e.id =
	    OLD.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
	INSERT INTO report_load (expert_id, week, entries, minutes) SELECT
	    e.expert_id, date(OLD.entry_date, 'weekday 0', '-6 days'), -1, -1 *
	    OLD.minutes FROM engagements e WHERE e.id = OLD.engagement_id ON
	    CONFLICT DO UPDATE SET entries = entries + excluded.entries,
	    minutes = minutes + excluded.minutes;
	INSERT INTO report_period_hours (period, consumer_id, area, entries,
	    minutes, pence) SELECT p.period, e.consumer_id, r.area, -1, -1 *
	    OLD.minutes, -1 * OLD.priced_pence FROM engagements e JOIN requests
	    r ON r.id = e.request_id, (SELECT substr(OLD.entry_date, 1, 7) AS
	    period UNION ALL SELECT printf('%04d-Q%d',
	    (CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')),
	    (CAST(substr(OLD.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    UNION ALL SELECT printf('%04d/%02d', (CAST(substr(OLD.entry_date,
	    1, 4) AS INTEGER) - (substr(OLD.entry_date, 6, 2) < '04')),
	    ((CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')) + 1) % 100)) p WHERE e.id =
	    OLD.engagement_id ON CONFLICT DO UPDATE SET entries = entries +
	    excluded.entries, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence;
	DELETE FROM report_hours WHERE entries = 0 AND consumer_id = (SELECT
	    consumer_id FROM engagements WHERE id = OLD.engagement_id) AND
	    month = substr(OLD.entry_date, 1, 7);
	DELETE FROM report_consumer WHERE entries = 0 AND month =
	    substr(OLD.entry_date, 1, 7) AND consumer_id = (SELECT consumer_id
	    FROM engagements WHERE id = OLD.engagement_id);
	DELETE FROM report_load WHERE entries = 0 AND expert_id = (SELECT
	    expert_id FROM engagements WHERE id = OLD.engagement_id) AND week =
	    date(OLD.entry_date, 'weekday 0', '-6 days');
	DELETE FROM report_period_hours WHERE entries = 0 AND period IN (SELECT
	    substr(OLD.entry_date, 1, 7) AS period UNION ALL SELECT
	    printf('%04d-Q%d', (CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')),
	    (CAST(substr(OLD.entry_date, 6, 2) AS INTEGER) + 8) % 12 / 3 + 1)
	    UNION ALL SELECT printf('%04d/%02d', (CAST(substr(OLD.entry_date,
	    1, 4) AS INTEGER) - (substr(OLD.entry_date, 6, 2) < '04')),
	    ((CAST(substr(OLD.entry_date, 1, 4) AS INTEGER) -
	    (substr(OLD.entry_date, 6, 2) < '04')) + 1) % 100)) AND consumer_id
	    = (SELECT consumer_id FROM engagements WHERE id =
	    OLD.engagement_id);
END;
