-- 0009-calendars: each organisation's bank holiday calendar.
--
-- Bank holidays differ between the parts of the UK; the fee rules price
-- an expert's time by the calendar of the organisation that employs them
-- (the provider). Every organisation so far is in England and Wales.
ALTER TABLE organisations ADD COLUMN calendar TEXT NOT NULL
    DEFAULT 'england-and-wales'
    CHECK (calendar IN ('england-and-wales', 'scotland', 'northern-ireland'));

-- A quote is priced in a calendar too, and is kept as it was given.
ALTER TABLE fee_quotes ADD COLUMN calendar TEXT NOT NULL
    DEFAULT 'england-and-wales'
    CHECK (calendar IN ('england-and-wales', 'scotland', 'northern-ireland'));
