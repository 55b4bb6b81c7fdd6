-- 0006-report-periods: the benchmarks' input summed by whole period.
--
-- A benchmark compares every organisation over a month, a quarter or a
-- financial year. These tables hold each organisation's figures for each
-- period of all three kinds (keyed by the period's label: 2026-10,
-- 2026-Q3, 2026/27), kept by the same triggers as the other summaries, so
-- a benchmark reads one row per organisation and area instead of summing
-- months.

-- Approved and invoiced time by period, consumer and skill area.
CREATE TABLE report_period_hours (
	period TEXT NOT NULL,
	consumer_id INTEGER NOT NULL,
	area TEXT NOT NULL,
	entries INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	pence INTEGER NOT NULL,
	PRIMARY KEY (period, consumer_id, area)
) WITHOUT ROWID;

-- Submitted requests by period of submission and consumer.
CREATE TABLE report_period_flow (
	period TEXT NOT NULL,
	consumer_id INTEGER NOT NULL,
	requests INTEGER NOT NULL,
	offered INTEGER NOT NULL,
	engaged INTEGER NOT NULL,
	offer_minutes INTEGER NOT NULL,
	engage_minutes INTEGER NOT NULL,
	within_target INTEGER NOT NULL,
	PRIMARY KEY (period, consumer_id)
) WITHOUT ROWID;

-- Unit costs and savings read one consumer's months: by consumer, not by
-- month across the consortium.
CREATE INDEX report_consumer_consumer ON report_consumer(consumer_id, month);
