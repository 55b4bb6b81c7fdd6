-- recharge 2: indexes on the child columns of foreign keys, so deleting a
-- draft's lines and invoices finds the rows that point at them directly.
CREATE INDEX recharge_released_line ON recharge_released(line_id);
CREATE INDEX recharge_released_credit ON recharge_released(credit_id);
CREATE INDEX recharge_invoices_credits ON recharge_invoices(credits_id);
