-- timesheet 5: CSV files uploaded on the web, held only while the job that
-- imports them runs (it removes its file at the end, imported or not), and
-- what each import came to, for the page that follows the job.
-- AUTOINCREMENT: an upload's id names its result, so ids are never reused.
CREATE TABLE timesheet_uploads (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	person_id INTEGER NOT NULL REFERENCES people(id),
	org_id INTEGER NOT NULL REFERENCES organisations(id),
	csv TEXT NOT NULL,
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE timesheet_import_results (
	upload_id INTEGER PRIMARY KEY,
	person_id INTEGER NOT NULL REFERENCES people(id),
	entries INTEGER NOT NULL DEFAULT 0,
	minutes INTEGER NOT NULL DEFAULT 0,
	bad INTEGER NOT NULL DEFAULT 0,         -- bad lines, all of them
	errors TEXT NOT NULL DEFAULT '',        -- the first few: LINE<tab>why<nl>
	failure TEXT NOT NULL DEFAULT '',       -- a failure no line caused
	finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
