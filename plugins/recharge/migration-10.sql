-- recharge 10: the recharge plugin's side of the quality measures.
--
-- The core's report_quality (core migration 0020) counts, by period
-- billed, provider and consumer, the net value of the invoices issued
-- and of the credit notes issued against them (as a positive amount).
-- These triggers keep those two columns in step; the core rebuilds them
-- from recharge_documents (migration 7).

CREATE TRIGGER recharge_invoices_quality_ins AFTER INSERT ON
    recharge_invoices WHEN NEW.state != 'draft' BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id,
	    invoiced_pence, credited_pence) SELECT CASE k.k WHEN 0 THEN
	    substr((NEW.period || '-01'), 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr((NEW.period || '-01'), 1, 4) AS INTEGER) -
	    (substr((NEW.period || '-01'), 6, 2) < '04')),
	    (CAST(substr((NEW.period || '-01'), 6, 2) AS INTEGER) + 8) % 12 / 3
	    + 1) ELSE printf('%04d/%02d', (CAST(substr((NEW.period || '-01'),
	    1, 4) AS INTEGER) - (substr((NEW.period || '-01'), 6, 2) < '04')),
	    ((CAST(substr((NEW.period || '-01'), 1, 4) AS INTEGER) -
	    (substr((NEW.period || '-01'), 6, 2) < '04')) + 1) % 100) END,
	    NEW.provider_id, NEW.consumer_id, CASE WHEN NEW.kind = 'credit'
	    THEN 0 ELSE NEW.net_pence END, CASE WHEN NEW.kind = 'credit' THEN
	    abs(NEW.net_pence) ELSE 0 END FROM (SELECT 0 AS k UNION ALL SELECT
	    1 UNION ALL SELECT 2) k WHERE 1 ON CONFLICT DO UPDATE SET
	    invoiced_pence = invoiced_pence + excluded.invoiced_pence,
	    credited_pence = credited_pence + excluded.credited_pence;
END;

CREATE TRIGGER recharge_invoices_quality_issue AFTER UPDATE OF state ON
    recharge_invoices WHEN OLD.state = 'draft' AND NEW.state != 'draft'
    BEGIN
	INSERT INTO report_quality (period, provider_id, consumer_id,
	    invoiced_pence, credited_pence) SELECT CASE k.k WHEN 0 THEN
	    substr((NEW.period || '-01'), 1, 7) WHEN 1 THEN printf('%04d-Q%d',
	    (CAST(substr((NEW.period || '-01'), 1, 4) AS INTEGER) -
	    (substr((NEW.period || '-01'), 6, 2) < '04')),
	    (CAST(substr((NEW.period || '-01'), 6, 2) AS INTEGER) + 8) % 12 / 3
	    + 1) ELSE printf('%04d/%02d', (CAST(substr((NEW.period || '-01'),
	    1, 4) AS INTEGER) - (substr((NEW.period || '-01'), 6, 2) < '04')),
	    ((CAST(substr((NEW.period || '-01'), 1, 4) AS INTEGER) -
	    (substr((NEW.period || '-01'), 6, 2) < '04')) + 1) % 100) END,
	    NEW.provider_id, NEW.consumer_id, CASE WHEN NEW.kind = 'credit'
	    THEN 0 ELSE NEW.net_pence END, CASE WHEN NEW.kind = 'credit' THEN
	    abs(NEW.net_pence) ELSE 0 END FROM (SELECT 0 AS k UNION ALL SELECT
	    1 UNION ALL SELECT 2) k WHERE 1 ON CONFLICT DO UPDATE SET
	    invoiced_pence = invoiced_pence + excluded.invoiced_pence,
	    credited_pence = credited_pence + excluded.credited_pence;
END;

-- The documents already issued.
INSERT INTO report_quality (period, provider_id, consumer_id,
    invoiced_pence, credited_pence) SELECT CASE k.k WHEN 0 THEN
    substr((d.period || '-01'), 1, 7) WHEN 1 THEN printf('%04d-Q%d',
    (CAST(substr((d.period || '-01'), 1, 4) AS INTEGER) -
    (substr((d.period || '-01'), 6, 2) < '04')), (CAST(substr((d.period
    || '-01'), 6, 2) AS INTEGER) + 8) % 12 / 3 + 1) ELSE
    printf('%04d/%02d', (CAST(substr((d.period || '-01'), 1, 4) AS
    INTEGER) - (substr((d.period || '-01'), 6, 2) < '04')),
    ((CAST(substr((d.period || '-01'), 1, 4) AS INTEGER) -
    (substr((d.period || '-01'), 6, 2) < '04')) + 1) % 100) END,
    d.provider_id, d.consumer_id, sum(CASE WHEN d.kind = 'credit' THEN 0
    ELSE d.net_pence END), sum(CASE WHEN d.kind = 'credit' THEN
    abs(d.net_pence) ELSE 0 END) FROM recharge_documents d, (SELECT 0 AS
    k UNION ALL SELECT 1 UNION ALL SELECT 2) k WHERE 1 GROUP BY 1, 2, 3
    ON CONFLICT DO UPDATE SET invoiced_pence = invoiced_pence +
    excluded.invoiced_pence, credited_pence = credited_pence +
    excluded.credited_pence;
