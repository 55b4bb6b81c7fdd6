-- 0016-ledger-codes.sql: the consumer's ledger code for each engagement.
--
-- A request carries the requesting officer's cost centre as they know it;
-- the consuming council's local policy (its overlay's cost_centre) maps it
-- to the code its ledger posts to. The mapping is made once, when the
-- offer is accepted, and kept with the engagement, so every invoice line
-- for that work carries the same code however the policy changes later.
-- Empty before this migration, and where neither gives one.
ALTER TABLE engagements ADD COLUMN ledger_code TEXT NOT NULL DEFAULT ''
    CHECK (length(ledger_code) <= 64);
CREATE TRIGGER engagements_ledger_code_kept BEFORE UPDATE OF ledger_code
ON engagements WHEN OLD.ledger_code != NEW.ledger_code
BEGIN
	SELECT RAISE(ABORT, 'an engagement''s ledger code never changes');
END;
