-- recharge 4: the inputs an engagement's terms were priced from.
--
-- Fixed fees, milestones and the on-time bonus depend on the engagement
-- as it stood at the run: its basis, budget, bonus, end date, completion
-- and which milestones were done. They are kept with the terms as JSON
-- ({"basis", "budget", "fixed_fee", "bonus", "due", "completed",
-- "milestones": [{"name", "amount", "done"}]}) so that verifying an
-- issued invoice prices exactly those again, whatever happens to the
-- engagement later. Terms recorded before this have none, and are
-- verified against the engagement as it is now.
ALTER TABLE recharge_terms ADD COLUMN inputs TEXT;

-- For the fee what-if, which re-prices a month's invoices whole: each
-- billed entry now names its invoice and engagement; each invoice of a
-- month with what it came to; and the terms each was priced with, the
-- engagement inputs of older terms taken from the engagement as it is.
DROP VIEW fee_priced_entries;
CREATE VIEW fee_priced_entries AS SELECT t.id AS entry_id,
    c.code AS consumer_code, p.code AS provider_code,
    i.agreement_id AS agreement_id, t.entry_date, t.minutes, t.activity,
    x.grade, e.basis, t.out_of_hours, t.priced_pence AS charged_pence,
    l.ruleset_hash, i.id AS invoice_id, e.id AS engagement_id
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
CREATE VIEW fee_priced_invoices AS SELECT i.id AS invoice_id, i.period,
    c.code AS consumer_code, p.code AS provider_code,
    coalesce(i.agreement_id, 0) AS agreement_id, i.vat_category AS vat,
    i.net_pence, i.ruleset
    FROM recharge_invoices i JOIN organisations c ON c.id = i.consumer_id
    JOIN organisations p ON p.id = i.provider_id
    WHERE i.kind = 'invoice' AND i.state != 'credited';
CREATE VIEW fee_priced_terms AS SELECT t.invoice_id, t.engagement_id,
    t.priced, t.billed_before, t.cap,
    CASE WHEN t.engagement_id = 0 THEN NULL ELSE coalesce(t.inputs,
    json_object('basis', e.basis, 'budget', coalesce(e.budget_pence, -1),
    'fixed_fee', CASE WHEN e.basis = 'fixed' AND e.budget_pence > 0 THEN
    e.budget_pence ELSE 0 END, 'bonus', 0, 'due', e.ends, 'completed',
    substr(e.completed_at, 1, 10), 'milestones', json('[]'))) END AS inputs
    FROM recharge_terms t LEFT JOIN engagements e ON e.id = t.engagement_id;

-- An engagement's terms in every month, for the run's look back at what
-- earlier months took of its milestones and completion (terms carried
-- forward: recharge.h) and for issuing's checks.
CREATE INDEX recharge_terms_engagement ON recharge_terms(engagement_id);
