-- 0008-engagement-terms: what an engagement pays beyond its time.
--
-- An offer may promise a bonus for finishing by the engagement's end
-- date (output-based: the consortium pays bonuses, never damages), and a
-- fixed-fee offer may split its fee into milestones that add up to it.
-- Accepting the offer copies the bonus to the engagement, as it does the
-- basis and budget; the milestones stay the offer's rows, which the
-- engagement reaches through its offer_id. A milestone is done on the day
-- the consumer says so (or the day the work is marked complete), and is
-- billed in the month of that day.
ALTER TABLE offers ADD COLUMN bonus_pence INTEGER NOT NULL DEFAULT 0
    CHECK (bonus_pence >= 0);
ALTER TABLE engagements ADD COLUMN bonus_pence INTEGER NOT NULL DEFAULT 0
    CHECK (bonus_pence >= 0);
CREATE TABLE milestones (
	id INTEGER PRIMARY KEY,
	offer_id INTEGER NOT NULL REFERENCES offers(id),
	position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 20),
	name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
	amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
	done TEXT CHECK (done IS NULL OR date(done) = done),
	done_at TEXT,		-- when it was marked, to the second
	done_by INTEGER REFERENCES people(id),
	UNIQUE (offer_id, position)
);
