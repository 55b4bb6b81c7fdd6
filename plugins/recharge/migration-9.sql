-- recharge 9: payments and what they settle, reminders of overdue
-- invoices, and each council's ledger codes.

-- A payment from one council to another: a bank transfer, or a pair's
-- share of a netting settlement (method 'netting', for its month). It is
-- never changed or deleted: a mistake is reversed, with a reason, and
-- stays on record.
CREATE TABLE recharge_payments (
	id INTEGER PRIMARY KEY,
	payer_id INTEGER NOT NULL REFERENCES organisations(id),
	payee_id INTEGER NOT NULL REFERENCES organisations(id),
	paid_on TEXT NOT NULL CHECK (date(paid_on) = paid_on),
	amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
	reference TEXT NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
	method TEXT NOT NULL DEFAULT 'transfer'
	    CHECK (method IN ('transfer', 'netting')),
	netting_period TEXT CHECK ((method = 'netting') =
	    (netting_period IS NOT NULL)),
	recorded_by INTEGER REFERENCES people(id),
	recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	reversed_on TEXT CHECK (reversed_on IS NULL OR
	    date(reversed_on) = reversed_on),
	reversed_reason TEXT NOT NULL DEFAULT '',
	reversed_by INTEGER REFERENCES people(id),
	CHECK (payer_id != payee_id),
	CHECK ((reversed_on IS NULL) = (reversed_reason = ''))
);
CREATE INDEX recharge_payments_payee ON recharge_payments(payee_id, paid_on);
CREATE INDEX recharge_payments_payer ON recharge_payments(payer_id, paid_on);
CREATE INDEX recharge_payments_netting ON recharge_payments(netting_period)
    WHERE netting_period IS NOT NULL;
CREATE TRIGGER recharge_payments_fixed BEFORE UPDATE ON recharge_payments
WHEN OLD.reversed_on IS NOT NULL OR NEW.reversed_on IS NULL
    OR NEW.payer_id != OLD.payer_id OR NEW.payee_id != OLD.payee_id
    OR NEW.paid_on != OLD.paid_on OR NEW.amount_pence != OLD.amount_pence
    OR NEW.reference != OLD.reference OR NEW.method != OLD.method
    OR NEW.netting_period IS NOT OLD.netting_period
BEGIN
	SELECT RAISE(ABORT, 'a payment never changes: it is reversed');
END;
CREATE TRIGGER recharge_payments_kept BEFORE DELETE ON recharge_payments
BEGIN
	SELECT RAISE(ABORT, 'a payment is never deleted: it is reversed');
END;

-- What a payment settles, invoice by invoice: its allocations add up to
-- the payment, each no more than the invoice had outstanding.
CREATE TABLE recharge_allocations (
	payment_id INTEGER NOT NULL REFERENCES recharge_payments(id),
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
	PRIMARY KEY (payment_id, invoice_id)
) WITHOUT ROWID;
CREATE INDEX recharge_allocations_invoice ON recharge_allocations(invoice_id);
CREATE TRIGGER recharge_allocations_fixed BEFORE UPDATE ON recharge_allocations
BEGIN
	SELECT RAISE(ABORT, 'an allocation never changes');
END;
CREATE TRIGGER recharge_allocations_kept BEFORE DELETE ON recharge_allocations
BEGIN
	SELECT RAISE(ABORT, 'an allocation is never deleted');
END;

-- What each issued invoice still has to be paid: its total less its
-- credit notes and the payments allocated to it that stand. An invoice
-- marked paid before payments were recorded owes nothing.
CREATE VIEW recharge_outstanding AS SELECT i.id AS invoice_id,
    CASE WHEN i.state = 'paid' AND NOT EXISTS (SELECT 1 FROM
    recharge_allocations a WHERE a.invoice_id = i.id) THEN 0 ELSE
    i.total_pence - coalesce((SELECT sum(abs(c.total_pence)) FROM
    recharge_invoices c WHERE c.credits_id = i.id AND c.state != 'draft'), 0)
    - coalesce((SELECT sum(a.amount_pence) FROM recharge_allocations a
    JOIN recharge_payments p ON p.id = a.payment_id WHERE a.invoice_id = i.id
    AND p.reversed_on IS NULL), 0) END AS outstanding_pence
    FROM recharge_invoices i WHERE i.kind = 'invoice' AND i.state != 'draft';

-- Reminders sent for overdue invoices: one a day at most.
CREATE TABLE recharge_reminders (
	invoice_id INTEGER NOT NULL REFERENCES recharge_invoices(id),
	sent_on TEXT NOT NULL CHECK (date(sent_on) = sent_on),
	address TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (invoice_id, sent_on)
) WITHOUT ROWID;

-- Each council's nominal codes for its recharge journal and the cost
-- centre its income (and spend without an engagement's code) posts to.
CREATE TABLE recharge_ledger_codes (
	org_id INTEGER PRIMARY KEY REFERENCES organisations(id),
	income TEXT NOT NULL DEFAULT '4000',
	receivable TEXT NOT NULL DEFAULT '1100',
	vat_output TEXT NOT NULL DEFAULT '2200',
	expenditure TEXT NOT NULL DEFAULT '5000',
	payable TEXT NOT NULL DEFAULT '2100',
	vat_input TEXT NOT NULL DEFAULT '2201',
	cost_centre TEXT NOT NULL DEFAULT '',
	CHECK (length(income) BETWEEN 1 AND 32 AND length(receivable) BETWEEN 1
	    AND 32 AND length(vat_output) BETWEEN 1 AND 32 AND
	    length(expenditure) BETWEEN 1 AND 32 AND length(payable) BETWEEN 1
	    AND 32 AND length(vat_input) BETWEEN 1 AND 32 AND
	    length(cost_centre) <= 64)
);
