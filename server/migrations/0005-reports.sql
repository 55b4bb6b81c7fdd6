-- 0005-reports: cost baselines and the summary tables the reports read.
--
-- The summaries are kept in step by triggers that server/report-sum.c
-- creates once the tables they watch exist (time_entries and
-- recharge_invoices belong to plugins): see report_sum_install().

-- What a skill area's work cost an organisation before or outside the
-- pool, per hour, from a date until the next row for the same area.
CREATE TABLE baselines (
	org_id INTEGER NOT NULL REFERENCES organisations(id),
	area TEXT NOT NULL CHECK (length(area) > 0),
	valid_from TEXT NOT NULL CHECK (date(valid_from) = valid_from),
	inhouse_pence INTEGER NOT NULL CHECK (inhouse_pence >= 0),
	market_pence INTEGER NOT NULL CHECK (market_pence >= 0),
	set_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	PRIMARY KEY (org_id, area, valid_from)
) WITHOUT ROWID;

-- Approved and invoiced time by month of the entry, provider, consumer,
-- skill area (the request's) and grade (the expert's).
CREATE TABLE report_hours (
	consumer_id INTEGER NOT NULL,
	month TEXT NOT NULL,
	provider_id INTEGER NOT NULL,
	area TEXT NOT NULL,
	grade TEXT NOT NULL,
	entries INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	billable_minutes INTEGER NOT NULL,
	pence INTEGER NOT NULL,
	PRIMARY KEY (consumer_id, month, provider_id, area, grade)
) WITHOUT ROWID;
CREATE INDEX report_hours_provider ON report_hours(provider_id, month);
CREATE INDEX report_hours_month ON report_hours(month);

-- The same time by consumer, month and area only: small enough to read
-- across the whole consortium for the benchmarks.
CREATE TABLE report_consumer (
	month TEXT NOT NULL,
	consumer_id INTEGER NOT NULL,
	area TEXT NOT NULL,
	entries INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	pence INTEGER NOT NULL,
	PRIMARY KEY (month, consumer_id, area)
) WITHOUT ROWID;

-- Approved and invoiced time by expert and week (the Monday it starts).
CREATE TABLE report_load (
	expert_id INTEGER NOT NULL,
	week TEXT NOT NULL,
	entries INTEGER NOT NULL,
	minutes INTEGER NOT NULL,
	PRIMARY KEY (expert_id, week)
) WITHOUT ROWID;

-- Issued invoices and credit notes (credits negative) by period.
CREATE TABLE report_invoices (
	consumer_id INTEGER NOT NULL,
	month TEXT NOT NULL,
	provider_id INTEGER NOT NULL,
	documents INTEGER NOT NULL,
	net_pence INTEGER NOT NULL,
	vat_pence INTEGER NOT NULL,
	total_pence INTEGER NOT NULL,
	PRIMARY KEY (consumer_id, month, provider_id)
) WITHOUT ROWID;
CREATE INDEX report_invoices_provider ON report_invoices(provider_id, month);

-- Submitted requests by month of submission, consumer and area, with the
-- minutes from submission to the first offer and to the engagement.
CREATE TABLE report_flow (
	consumer_id INTEGER NOT NULL,
	month TEXT NOT NULL,
	area TEXT NOT NULL,
	requests INTEGER NOT NULL,
	offered INTEGER NOT NULL,
	engaged INTEGER NOT NULL,
	offer_minutes INTEGER NOT NULL,
	engage_minutes INTEGER NOT NULL,
	within_target INTEGER NOT NULL,
	PRIMARY KEY (consumer_id, month, area)
) WITHOUT ROWID;
CREATE INDEX report_flow_month ON report_flow(month);

-- The consortium's response target: a first offer within this many
-- minutes of submission. One row.
CREATE TABLE report_settings (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	target_minutes INTEGER NOT NULL CHECK (target_minutes > 0)
);
INSERT INTO report_settings (id, target_minutes) VALUES (1, 2880);
