-- 0013-agreement-versions.sql: an agreement's terms change by a new
-- version from a date, never by rewriting the row an invoice was priced
-- under; each version names the one it replaces, which it replaces once.
ALTER TABLE agreements ADD COLUMN replaces INTEGER REFERENCES agreements(id);
CREATE UNIQUE INDEX agreements_replaces ON agreements(replaces)
    WHERE replaces IS NOT NULL;
