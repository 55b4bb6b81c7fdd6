-- 0021-overheads: the pool's own time and running costs, and the rule that shares them.

-- Time the pool spends on itself (never billed): by person, day, activity.
CREATE TABLE overhead_time (
	id INTEGER PRIMARY KEY,
	person_id INTEGER NOT NULL REFERENCES people(id),
	entry_date TEXT NOT NULL CHECK (length(entry_date) = 10),
	minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
	activity TEXT NOT NULL CHECK (activity IN
	    ('brokering', 'management', 'training', 'governance')),
	note TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX overhead_time_date ON overhead_time(entry_date);
CREATE INDEX overhead_time_person ON overhead_time(person_id, entry_date);

-- The pool's monthly running costs, in pence.
CREATE TABLE overhead_costs (
	id INTEGER PRIMARY KEY,
	month TEXT NOT NULL CHECK (length(month) = 7),
	category TEXT NOT NULL CHECK (category IN
	    ('accommodation', 'systems', 'governance', 'other')),
	pence INTEGER NOT NULL CHECK (pence >= 0),
	note TEXT NOT NULL DEFAULT '',
	entered_by INTEGER REFERENCES people(id),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX overhead_costs_month ON overhead_costs(month);

-- A person's internal cost rate, pence an hour, for their overhead time.
CREATE TABLE overhead_rates (
	person_id INTEGER PRIMARY KEY REFERENCES people(id),
	pence_per_hour INTEGER NOT NULL CHECK (pence_per_hour >= 0)
);

-- The apportionment rule from a month on; 'hours' before the first.
CREATE TABLE overhead_rules (
	from_month TEXT PRIMARY KEY CHECK (length(from_month) = 7),
	rule TEXT NOT NULL CHECK (rule IN ('hours', 'spend', 'equal'))
) WITHOUT ROWID;

-- The consortium's rate for time of people without their own (pence an
-- hour) and the host whose finance officers keep the running costs
-- (NULL: the first organisation of kind centre). One row.
CREATE TABLE overhead_settings (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	default_rate_pence INTEGER NOT NULL CHECK (default_rate_pence >= 0),
	host_org_id INTEGER REFERENCES organisations(id)
);
INSERT INTO overhead_settings (id, default_rate_pence) VALUES (1, 0);
