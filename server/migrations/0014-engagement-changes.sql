-- 0014-engagement-changes: changes to an engagement's terms, each a record.
--
-- The pool manager proposes a change (extend the end date, vary the
-- budget, vary the basis, cancel) and the consuming council's requester
-- or approver agrees or declines it; only an agreed change touches the
-- engagement. Each row keeps the terms it changes as they were when it
-- was proposed and as it makes them, so the engagement's history reads
-- from these rows alone. A cancellation's new end date is the last day
-- of work: hours up to it stay billable, none can be logged after it.
CREATE TABLE engagement_changes (
	id INTEGER PRIMARY KEY,
	engagement_id INTEGER NOT NULL REFERENCES engagements(id),
	kind TEXT NOT NULL CHECK (kind IN ('extend', 'budget', 'basis',
	    'cancel')),
	ends_before TEXT NOT NULL CHECK (date(ends_before) = ends_before),
	ends_after TEXT NOT NULL CHECK (date(ends_after) = ends_after),
	budget_before INTEGER CHECK (budget_before >= 0),
	budget_after INTEGER CHECK (budget_after >= 0),
	basis_before TEXT NOT NULL CHECK (basis_before IN ('hourly', 'daily',
	    'fixed', 'capped')),
	basis_after TEXT NOT NULL CHECK (basis_after IN ('hourly', 'daily',
	    'fixed', 'capped')),
	reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed',
	    'agreed', 'declined', 'withdrawn')),
	proposed_by INTEGER REFERENCES people(id),
	proposed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	decided_by INTEGER REFERENCES people(id),
	decided_at TEXT,
	decline_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX engagement_changes_engagement ON engagement_changes(
    engagement_id, id);
-- One open proposal of each kind on an engagement at a time.
CREATE UNIQUE INDEX engagement_changes_open ON engagement_changes(
    engagement_id, kind) WHERE state = 'proposed';
