-- recharge 6: a run may be one council's.
--
-- A finance officer runs the month for their own council's invoices (the
-- drafts their council issues as provider) and no one else's; the CLI's
-- run still takes in the whole consortium. A run records whose it is
-- (NULL: the whole consortium). Runs of different councils may go on at
-- once; a council's run and a whole-consortium run of one month may not.
ALTER TABLE recharge_runs ADD COLUMN provider_id INTEGER
    REFERENCES organisations(id);
DROP INDEX recharge_runs_running;
CREATE UNIQUE INDEX recharge_runs_running ON recharge_runs(period,
    coalesce(provider_id, 0)) WHERE state = 'running';
