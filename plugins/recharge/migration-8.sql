-- recharge 8: what a credit note means for each line it credits.
--
-- A line is credited either to be billed again (its price or rate was
-- wrong: its entries go back to approved and a later run bills them at
-- the right price) or written off (the work is never to be charged: its
-- entries stay invoiced and no run takes them again; a written-off fixed
-- fee or bonus counts as billed when the engagement's terms are priced
-- again). Kept on the credit note's line; lines credited before this
-- were all billed again, as the default says. An issued line never
-- changes, so the choice is made when the credit note is.
ALTER TABLE recharge_lines ADD COLUMN settle TEXT NOT NULL DEFAULT 'rebill'
    CHECK (settle IN ('rebill', 'write_off'));

-- The released links keep the choice too, so that what a run may take
-- again is read from the links alone.
ALTER TABLE recharge_released ADD COLUMN settle TEXT NOT NULL
    DEFAULT 'rebill' CHECK (settle IN ('rebill', 'write_off'));
