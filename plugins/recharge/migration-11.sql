-- recharge 11: expenses billed as lines of their own (a line names the
-- expense it bills), and the provider's internal cost of an hour by
-- grade, kept apart from the billed rate, effective from a date: a new
-- rate is a new row, never a change to an old one.
ALTER TABLE recharge_lines ADD COLUMN expense_id INTEGER
    REFERENCES expenses(id);
CREATE INDEX recharge_lines_expense ON recharge_lines(expense_id)
    WHERE expense_id IS NOT NULL;

CREATE TABLE recharge_cost_rates (
	id INTEGER PRIMARY KEY,
	provider_id INTEGER NOT NULL REFERENCES organisations(id),
	grade TEXT NOT NULL CHECK (length(grade) BETWEEN 1 AND 32),
	effective_from TEXT NOT NULL
	    CHECK (date(effective_from) = effective_from),
	pence_per_hour INTEGER NOT NULL
	    CHECK (pence_per_hour BETWEEN 0 AND 10000000),
	set_by INTEGER REFERENCES people(id),
	set_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	UNIQUE (provider_id, grade, effective_from)
);
CREATE TRIGGER recharge_cost_rates_fixed BEFORE UPDATE ON recharge_cost_rates
BEGIN
	SELECT RAISE(ABORT, 'a cost rate never changes: set a new one');
END;
CREATE TRIGGER recharge_cost_rates_kept BEFORE DELETE ON recharge_cost_rates
BEGIN
	SELECT RAISE(ABORT, 'a cost rate is never deleted');
END;
