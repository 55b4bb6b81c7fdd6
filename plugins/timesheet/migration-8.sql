-- timesheet 8: expenses and disbursements an expert claims on an
-- engagement beside their hours: mileage at the rule set's rate a mile,
-- the rest at cost with a receipt. Each carries the VAT category the rule
-- set gave it and goes draft -> submitted -> approved (or queried, back to
-- the expert, or rejected, never billed) -> invoiced, as hours do.
CREATE TABLE expenses (
	id INTEGER PRIMARY KEY,
	engagement_id INTEGER NOT NULL REFERENCES engagements(id),
	spent_on TEXT NOT NULL CHECK (date(spent_on) = spent_on),
	kind TEXT NOT NULL CHECK (kind = 'mileage' OR kind = 'rail' OR
	    kind = 'travel' OR kind = 'subsistence' OR kind = 'accommodation'),
	miles_tenths INTEGER CHECK (miles_tenths IS NULL OR miles_tenths > 0),
	rate_pence INTEGER CHECK (rate_pence IS NULL OR rate_pence >= 0),
	amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
	receipt TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	vat TEXT NOT NULL CHECK (vat = 'S' OR vat = 'O'),
	ruleset TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL CHECK (length(description) > 0),
	state TEXT NOT NULL DEFAULT 'draft' CHECK (state = 'draft' OR
	    state = 'submitted' OR state = 'approved' OR state = 'queried' OR
	    state = 'rejected' OR state = 'invoiced'),
	query_comment TEXT,
	created_by INTEGER REFERENCES people(id),
	created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	submitted_at TEXT,
	decided_at TEXT,
	decided_by INTEGER REFERENCES people(id),
	CHECK ((kind = 'mileage') = (miles_tenths IS NOT NULL)),
	CHECK ((kind = 'mileage') = (rate_pence IS NOT NULL)),
	CHECK (kind = 'mileage' OR length(receipt) > 0)
);
CREATE INDEX expenses_engagement ON expenses(engagement_id, spent_on);
CREATE INDEX expenses_state ON expenses(state, spent_on);

-- An invoiced expense never changes; only a credit note releases it,
-- back to approved, with nothing else changed.
CREATE TRIGGER expenses_invoiced_fixed BEFORE UPDATE ON expenses
WHEN OLD.state = 'invoiced' AND NOT (NEW.state = 'approved'
    AND NEW.amount_pence = OLD.amount_pence AND NEW.spent_on = OLD.spent_on
    AND NEW.kind = OLD.kind AND NEW.engagement_id = OLD.engagement_id
    AND NEW.vat = OLD.vat AND NEW.receipt = OLD.receipt)
BEGIN
	SELECT RAISE(ABORT, 'an invoiced expense never changes');
END;
-- A draft, or one an approver queried, may be withdrawn by its expert.
CREATE TRIGGER expenses_kept BEFORE DELETE ON expenses
WHEN OLD.state != 'draft' AND OLD.state != 'queried'
BEGIN
	SELECT RAISE(ABORT, 'only draft or queried expenses may be deleted');
END;
