-- recharge 7: the recharge plugin's side of its contract with the core.
--
-- The core's report_invoices sums the invoices and credit notes issued.
-- The triggers that keep it in step are on recharge_invoices, so they are
-- the plugin's: until now the core created them (report_v1_invoice_*)
-- after every migration run. They are made here instead, and the core
-- reads the documents it sums (to rebuild the summary) only through
-- recharge_documents, whose columns this plugin keeps as
-- include/expertpool/plugin.h says.
DROP TRIGGER IF EXISTS report_v1_invoice_ins;
DROP TRIGGER IF EXISTS report_v1_invoice_issue;

CREATE VIEW recharge_documents AS SELECT consumer_id, provider_id, period,
    kind, net_pence, vat_pence, total_pence FROM recharge_invoices
    WHERE state != 'draft';

-- A document counts once issued (a credit note against the period it
-- credits, its amounts taken away); a draft never does.
CREATE TRIGGER recharge_invoices_report_ins AFTER INSERT ON
    recharge_invoices WHEN NEW.state != 'draft' BEGIN
	INSERT INTO report_invoices (consumer_id, month, provider_id,
	    documents, net_pence, vat_pence, total_pence) VALUES
	    (NEW.consumer_id, NEW.period, NEW.provider_id, 1, 1 * (CASE WHEN
	    NEW.kind = 'credit' THEN -abs(NEW.net_pence) ELSE NEW.net_pence
	    END), 1 * (CASE WHEN NEW.kind = 'credit' THEN -abs(NEW.vat_pence)
	    ELSE NEW.vat_pence END), 1 * (CASE WHEN NEW.kind = 'credit' THEN
	    -abs(NEW.total_pence) ELSE NEW.total_pence END)) ON CONFLICT DO
	    UPDATE SET documents = documents + excluded.documents, net_pence =
	    net_pence + excluded.net_pence, vat_pence = vat_pence +
	    excluded.vat_pence, total_pence = total_pence +
	    excluded.total_pence;
END;

CREATE TRIGGER recharge_invoices_report_issue AFTER UPDATE OF state ON
    recharge_invoices WHEN OLD.state = 'draft' AND NEW.state != 'draft'
    BEGIN
	INSERT INTO report_invoices (consumer_id, month, provider_id,
	    documents, net_pence, vat_pence, total_pence) VALUES
	    (NEW.consumer_id, NEW.period, NEW.provider_id, 1, 1 * (CASE WHEN
	    NEW.kind = 'credit' THEN -abs(NEW.net_pence) ELSE NEW.net_pence
	    END), 1 * (CASE WHEN NEW.kind = 'credit' THEN -abs(NEW.vat_pence)
	    ELSE NEW.vat_pence END), 1 * (CASE WHEN NEW.kind = 'credit' THEN
	    -abs(NEW.total_pence) ELSE NEW.total_pence END)) ON CONFLICT DO
	    UPDATE SET documents = documents + excluded.documents, net_pence =
	    net_pence + excluded.net_pence, vat_pence = vat_pence +
	    excluded.vat_pence, total_pence = total_pence +
	    excluded.total_pence;
END;
