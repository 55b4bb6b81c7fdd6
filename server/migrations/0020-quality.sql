-- 0020-quality: the quality measures' summary and the requester's rating.
--
-- report_quality holds, for each period label a day falls in (its month,
-- its quarter of the financial year and that year, as report_period_*
-- do), each provider and consumer: entries counted and their minutes,
-- the minutes queried before approval, the entries corrected after it,
-- the net value invoiced and credited, the engagements completed and
-- those completed by the request's wanted end date, and the ratings
-- given and those satisfied (4 or 5). The timesheet and recharge
-- plugins keep their columns with triggers of their own (timesheet 7,
-- recharge 10); the triggers below keep the engagements' and ratings'.
-- An engagement counts in the periods of the London date it completed;
-- its rating counts with it.
CREATE TABLE report_quality (
	period TEXT NOT NULL,
	provider_id INTEGER NOT NULL,
	consumer_id INTEGER NOT NULL,
	entries INTEGER NOT NULL DEFAULT 0,
	minutes INTEGER NOT NULL DEFAULT 0,
	queried_minutes INTEGER NOT NULL DEFAULT 0,
	adjusted INTEGER NOT NULL DEFAULT 0,
	invoiced_pence INTEGER NOT NULL DEFAULT 0,
	credited_pence INTEGER NOT NULL DEFAULT 0,
	completed INTEGER NOT NULL DEFAULT 0,
	on_time INTEGER NOT NULL DEFAULT 0,
	ratings INTEGER NOT NULL DEFAULT 0,
	satisfied INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (period, provider_id, consumer_id)
) WITHOUT ROWID;

-- The requesting council's rating of a completed engagement: 5 very
-- satisfied to 1 very dissatisfied, with an optional comment; one per
-- engagement, changed in place for 30 days after completion.
CREATE TABLE engagement_ratings (
	engagement_id INTEGER PRIMARY KEY REFERENCES engagements(id),
	score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
	comment TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
	rated_by INTEGER NOT NULL REFERENCES people(id),
	rated_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);


CREATE TRIGGER report_quality_eng_ins AFTER INSERT ON engagements WHEN
    NEW.completed_at IS NOT NULL BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id,
	    completed, on_time, ratings, satisfied) SELECT CASE k.k WHEN 0 THEN
	    substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 4) AS INTEGER) -
	    (substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) < '04')),
	    (CAST(substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) AS INTEGER) + 8) % 12 / 3 + 1) ELSE
	    printf('%04d/%02d', (CAST(substr(date(NEW.completed_at, CASE WHEN
	    NEW.completed_at >= date(substr(NEW.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND NEW.completed_at <
	    date(substr(NEW.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(NEW.completed_at, CASE WHEN
	    NEW.completed_at >= date(substr(NEW.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND NEW.completed_at <
	    date(substr(NEW.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 4) AS INTEGER) -
	    (substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) < '04')) + 1) % 100) END,
	    NEW.provider_id, NEW.consumer_id, 1, 1 * (date(NEW.completed_at,
	    CASE WHEN NEW.completed_at >= date(substr(NEW.completed_at, 1, 4)
	    || '-03-25', 'weekday 0') || 'T01:00:00Z' AND NEW.completed_at <
	    date(substr(NEW.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END) <= r.wanted_end),
	    1 * (g.score IS NOT NULL), 1 * coalesce(g.score >= 4, 0) FROM
	    requests r LEFT JOIN engagement_ratings g ON g.engagement_id =
	    NEW.id, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
	    WHERE r.id = NEW.request_id ON CONFLICT DO UPDATE SET completed =
	    completed + excluded.completed, on_time = on_time +
	    excluded.on_time, ratings = ratings + excluded.ratings, satisfied =
	    satisfied + excluded.satisfied;
END;

CREATE TRIGGER report_quality_eng_old AFTER UPDATE ON engagements WHEN
    OLD.completed_at IS NOT NULL AND (NEW.completed_at IS NOT
        OLD.completed_at OR NEW.provider_id != OLD.provider_id OR
        NEW.consumer_id != OLD.consumer_id OR NEW.request_id !=
        OLD.request_id) BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id,
	    completed, on_time, ratings, satisfied) SELECT CASE k.k WHEN 0 THEN
	    substr(date(OLD.completed_at, CASE WHEN OLD.completed_at >=
	    date(substr(OLD.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND OLD.completed_at < date(substr(OLD.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr(date(OLD.completed_at, CASE WHEN OLD.completed_at >=
	    date(substr(OLD.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND OLD.completed_at < date(substr(OLD.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 4) AS INTEGER) -
	    (substr(date(OLD.completed_at, CASE WHEN OLD.completed_at >=
	    date(substr(OLD.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND OLD.completed_at < date(substr(OLD.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) < '04')),
	    (CAST(substr(date(OLD.completed_at, CASE WHEN OLD.completed_at >=
	    date(substr(OLD.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND OLD.completed_at < date(substr(OLD.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) AS INTEGER) + 8) % 12 / 3 + 1) ELSE
	    printf('%04d/%02d', (CAST(substr(date(OLD.completed_at, CASE WHEN
	    OLD.completed_at >= date(substr(OLD.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND OLD.completed_at <
	    date(substr(OLD.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(OLD.completed_at, CASE WHEN
	    OLD.completed_at >= date(substr(OLD.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND OLD.completed_at <
	    date(substr(OLD.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(OLD.completed_at, CASE WHEN OLD.completed_at >=
	    date(substr(OLD.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND OLD.completed_at < date(substr(OLD.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 4) AS INTEGER) -
	    (substr(date(OLD.completed_at, CASE WHEN OLD.completed_at >=
	    date(substr(OLD.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND OLD.completed_at < date(substr(OLD.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) < '04')) + 1) % 100) END,
	    OLD.provider_id, OLD.consumer_id, -1, -1 * (date(OLD.completed_at,
	    CASE WHEN OLD.completed_at >= date(substr(OLD.completed_at, 1, 4)
	    || '-03-25', 'weekday 0') || 'T01:00:00Z' AND OLD.completed_at <
	    date(substr(OLD.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END) <= r.wanted_end),
	    -1 * (g.score IS NOT NULL), -1 * coalesce(g.score >= 4, 0) FROM
	    requests r LEFT JOIN engagement_ratings g ON g.engagement_id =
	    OLD.id, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
	    WHERE r.id = OLD.request_id ON CONFLICT DO UPDATE SET completed =
	    completed + excluded.completed, on_time = on_time +
	    excluded.on_time, ratings = ratings + excluded.ratings, satisfied =
	    satisfied + excluded.satisfied;
	DELETE FROM report_quality WHERE provider_id = OLD.provider_id AND
	    consumer_id = OLD.consumer_id AND entries = 0 AND minutes = 0 AND
	    queried_minutes = 0 AND adjusted = 0 AND invoiced_pence = 0 AND
	    credited_pence = 0 AND completed = 0 AND on_time = 0 AND ratings =
	    0 AND satisfied = 0;
END;

CREATE TRIGGER report_quality_eng_new AFTER UPDATE ON engagements WHEN
    NEW.completed_at IS NOT NULL AND (NEW.completed_at IS NOT
        OLD.completed_at OR NEW.provider_id != OLD.provider_id OR
        NEW.consumer_id != OLD.consumer_id OR NEW.request_id !=
        OLD.request_id) BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id,
	    completed, on_time, ratings, satisfied) SELECT CASE k.k WHEN 0 THEN
	    substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 4) AS INTEGER) -
	    (substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) < '04')),
	    (CAST(substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) AS INTEGER) + 8) % 12 / 3 + 1) ELSE
	    printf('%04d/%02d', (CAST(substr(date(NEW.completed_at, CASE WHEN
	    NEW.completed_at >= date(substr(NEW.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND NEW.completed_at <
	    date(substr(NEW.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(NEW.completed_at, CASE WHEN
	    NEW.completed_at >= date(substr(NEW.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND NEW.completed_at <
	    date(substr(NEW.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 1, 4) AS INTEGER) -
	    (substr(date(NEW.completed_at, CASE WHEN NEW.completed_at >=
	    date(substr(NEW.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND NEW.completed_at < date(substr(NEW.completed_at,
	    1, 4) || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours'
	    ELSE '+0 hours' END), 6, 2) < '04')) + 1) % 100) END,
	    NEW.provider_id, NEW.consumer_id, 1, 1 * (date(NEW.completed_at,
	    CASE WHEN NEW.completed_at >= date(substr(NEW.completed_at, 1, 4)
	    || '-03-25', 'weekday 0') || 'T01:00:00Z' AND NEW.completed_at <
	    date(substr(NEW.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END) <= r.wanted_end),
	    1 * (g.score IS NOT NULL), 1 * coalesce(g.score >= 4, 0) FROM
	    requests r LEFT JOIN engagement_ratings g ON g.engagement_id =
	    NEW.id, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k
	    WHERE r.id = NEW.request_id ON CONFLICT DO UPDATE SET completed =
	    completed + excluded.completed, on_time = on_time +
	    excluded.on_time, ratings = ratings + excluded.ratings, satisfied =
	    satisfied + excluded.satisfied;
END;

CREATE TRIGGER report_quality_rating_ins AFTER INSERT ON
    engagement_ratings BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id, ratings,
	    satisfied) SELECT CASE k.k WHEN 0 THEN substr(date(e.completed_at,
	    CASE WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 7) WHEN 1
	    THEN printf('%04d-Q%d', (CAST(substr(date(e.completed_at, CASE WHEN
	    e.completed_at >= date(substr(e.completed_at, 1, 4) || '-03-25',
	    'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 6, 2) < '04')), (CAST(substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) AS
	    INTEGER) + 8) % 12 / 3 + 1) ELSE printf('%04d/%02d',
	    (CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')) +
	    1) % 100) END, e.provider_id, e.consumer_id, 1, 1 * (NEW.score >=
	    4) FROM engagements e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL
	    SELECT 2) k WHERE e.id = NEW.engagement_id AND e.completed_at IS
	    NOT NULL ON CONFLICT DO UPDATE SET ratings = ratings +
	    excluded.ratings, satisfied = satisfied + excluded.satisfied;
END;

CREATE TRIGGER report_quality_rating_upd AFTER UPDATE OF score ON
    engagement_ratings BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id, ratings,
	    satisfied) SELECT CASE k.k WHEN 0 THEN substr(date(e.completed_at,
	    CASE WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 7) WHEN 1
	    THEN printf('%04d-Q%d', (CAST(substr(date(e.completed_at, CASE WHEN
	    e.completed_at >= date(substr(e.completed_at, 1, 4) || '-03-25',
	    'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 6, 2) < '04')), (CAST(substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) AS
	    INTEGER) + 8) % 12 / 3 + 1) ELSE printf('%04d/%02d',
	    (CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')) +
	    1) % 100) END, e.provider_id, e.consumer_id, -1, -1 * (OLD.score >=
	    4) FROM engagements e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL
	    SELECT 2) k WHERE e.id = OLD.engagement_id AND e.completed_at IS
	    NOT NULL ON CONFLICT DO UPDATE SET ratings = ratings +
	    excluded.ratings, satisfied = satisfied + excluded.satisfied;
	INSERT INTO report_quality (period, provider_id, consumer_id, ratings,
	    satisfied) SELECT CASE k.k WHEN 0 THEN substr(date(e.completed_at,
	    CASE WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 7) WHEN 1
	    THEN printf('%04d-Q%d', (CAST(substr(date(e.completed_at, CASE WHEN
	    e.completed_at >= date(substr(e.completed_at, 1, 4) || '-03-25',
	    'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 6, 2) < '04')), (CAST(substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) AS
	    INTEGER) + 8) % 12 / 3 + 1) ELSE printf('%04d/%02d',
	    (CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')) +
	    1) % 100) END, e.provider_id, e.consumer_id, 1, 1 * (NEW.score >=
	    4) FROM engagements e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL
	    SELECT 2) k WHERE e.id = NEW.engagement_id AND e.completed_at IS
	    NOT NULL ON CONFLICT DO UPDATE SET ratings = ratings +
	    excluded.ratings, satisfied = satisfied + excluded.satisfied;
	DELETE FROM report_quality WHERE (provider_id, consumer_id) IN (SELECT
	    provider_id, consumer_id FROM engagements WHERE id =
	    NEW.engagement_id) AND entries = 0 AND minutes = 0 AND
	    queried_minutes = 0 AND adjusted = 0 AND invoiced_pence = 0 AND
	    credited_pence = 0 AND completed = 0 AND on_time = 0 AND ratings =
	    0 AND satisfied = 0;
END;

CREATE TRIGGER report_quality_rating_del AFTER DELETE ON
    engagement_ratings BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id, ratings,
	    satisfied) SELECT CASE k.k WHEN 0 THEN substr(date(e.completed_at,
	    CASE WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 7) WHEN 1
	    THEN printf('%04d-Q%d', (CAST(substr(date(e.completed_at, CASE WHEN
	    e.completed_at >= date(substr(e.completed_at, 1, 4) || '-03-25',
	    'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS
	    INTEGER) - (substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 6, 2) < '04')), (CAST(substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) AS
	    INTEGER) + 8) % 12 / 3 + 1) ELSE printf('%04d/%02d',
	    (CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
	    ((CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
	    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
	    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
	    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
	    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
	    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
	    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
	    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
	    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')) +
	    1) % 100) END, e.provider_id, e.consumer_id, -1, -1 * (OLD.score >=
	    4) FROM engagements e, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL
	    SELECT 2) k WHERE e.id = OLD.engagement_id AND e.completed_at IS
	    NOT NULL ON CONFLICT DO UPDATE SET ratings = ratings +
	    excluded.ratings, satisfied = satisfied + excluded.satisfied;
	DELETE FROM report_quality WHERE (provider_id, consumer_id) IN (SELECT
	    provider_id, consumer_id FROM engagements WHERE id =
	    OLD.engagement_id) AND entries = 0 AND minutes = 0 AND
	    queried_minutes = 0 AND adjusted = 0 AND invoiced_pence = 0 AND
	    credited_pence = 0 AND completed = 0 AND on_time = 0 AND ratings =
	    0 AND satisfied = 0;
END;

-- The engagements already completed.
INSERT INTO report_quality (period, provider_id, consumer_id, completed,
    on_time) SELECT CASE k.k WHEN 0 THEN substr(date(e.completed_at,
    CASE WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 7) WHEN 1 THEN
    printf('%04d-Q%d', (CAST(substr(date(e.completed_at, CASE WHEN
    e.completed_at >= date(substr(e.completed_at, 1, 4) || '-03-25',
    'weekday 0') || 'T01:00:00Z' AND e.completed_at <
    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 1, 4) AS INTEGER)
    - (substr(date(e.completed_at, CASE WHEN e.completed_at >=
    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
    hours' END), 6, 2) < '04')), (CAST(substr(date(e.completed_at, CASE
    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) AS INTEGER)
    + 8) % 12 / 3 + 1) ELSE printf('%04d/%02d',
    (CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')),
    ((CAST(substr(date(e.completed_at, CASE WHEN e.completed_at >=
    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
    hours' END), 1, 4) AS INTEGER) - (substr(date(e.completed_at, CASE
    WHEN e.completed_at >= date(substr(e.completed_at, 1, 4) ||
    '-03-25', 'weekday 0') || 'T01:00:00Z' AND e.completed_at <
    date(substr(e.completed_at, 1, 4) || '-10-25', 'weekday 0') ||
    'T01:00:00Z' THEN '+1 hours' ELSE '+0 hours' END), 6, 2) < '04')) +
    1) % 100) END, e.provider_id, e.consumer_id, count(*),
    sum(date(e.completed_at, CASE WHEN e.completed_at >=
    date(substr(e.completed_at, 1, 4) || '-03-25', 'weekday 0') ||
    'T01:00:00Z' AND e.completed_at < date(substr(e.completed_at, 1, 4)
    || '-10-25', 'weekday 0') || 'T01:00:00Z' THEN '+1 hours' ELSE '+0
    hours' END) <= r.wanted_end) FROM engagements e JOIN requests r ON
    r.id = e.request_id, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL
    SELECT 2) k WHERE e.completed_at IS NOT NULL GROUP BY 1, 2, 3;
