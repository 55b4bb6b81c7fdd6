-- recharge 5: the bank holiday calendar an invoice was priced with.
--
-- The fee rules price an entry by its provider's calendar (England and
-- Wales, Scotland or Northern Ireland: organisations.calendar). An
-- organisation may change its calendar; an issued invoice must still
-- verify as it was priced, so the run records the calendar it used and
-- verifying prices with that one. Invoices made before this were priced
-- in England and Wales, the only calendar there was.
ALTER TABLE recharge_invoices ADD COLUMN calendar TEXT NOT NULL
    DEFAULT 'england-and-wales'
    CHECK (calendar IN ('england-and-wales', 'scotland', 'northern-ireland'));

-- The what-if prices billed entries again with the calendar their
-- invoice was priced with.
DROP VIEW fee_priced_entries;
CREATE VIEW fee_priced_entries AS SELECT t.id AS entry_id,
    c.code AS consumer_code, p.code AS provider_code,
    i.agreement_id AS agreement_id, t.entry_date, t.minutes, t.activity,
    x.grade, e.basis, t.out_of_hours, t.priced_pence AS charged_pence,
    l.ruleset_hash, i.id AS invoice_id, e.id AS engagement_id,
    i.calendar AS calendar
    FROM recharge_billed b JOIN recharge_lines l ON l.id = b.line_id
    JOIN recharge_invoices i ON i.id = l.invoice_id
    JOIN time_entries t ON t.id = b.entry_id
    JOIN engagements e ON e.id = t.engagement_id
    JOIN experts x ON x.id = e.expert_id
    JOIN organisations c ON c.id = i.consumer_id
    JOIN organisations p ON p.id = i.provider_id
    WHERE t.minutes > 0 AND NOT EXISTS (SELECT 1 FROM recharge_lines l2
    JOIN recharge_billed b2 ON b2.line_id = l2.id AND b2.entry_id = b.entry_id
    WHERE l2.invoice_id = l.invoice_id AND l2.engagement_id = l.engagement_id
    AND l2.id < l.id);
