-- 0023-report-period-orgs: each organisation's benchmark figures in one row.
--
-- The benchmark report compares every organisation over a period: it
-- read a row of report_period_hours for each organisation and area and a
-- row of report_period_flow for each organisation, and added them up on
-- every view. This table holds the same figures already added, one row
-- per period and organisation with the benchmarked areas as columns,
-- kept by triggers on the two summaries it is made from (whatever
-- changes them, in the same transaction). hours_rows and flow_rows count
-- the rows it holds of each, so an organisation is in a period's
-- benchmark exactly when it has a row here.
CREATE TABLE report_period_orgs (
	period TEXT NOT NULL,
	consumer_id INTEGER NOT NULL,
	hours_rows INTEGER NOT NULL DEFAULT 0,
	minutes INTEGER NOT NULL DEFAULT 0,
	pence INTEGER NOT NULL DEFAULT 0,
	legal_minutes INTEGER NOT NULL DEFAULT 0,
	legal_pence INTEGER NOT NULL DEFAULT 0,
	it_minutes INTEGER NOT NULL DEFAULT 0,
	it_pence INTEGER NOT NULL DEFAULT 0,
	procurement_minutes INTEGER NOT NULL DEFAULT 0,
	procurement_pence INTEGER NOT NULL DEFAULT 0,
	hr_minutes INTEGER NOT NULL DEFAULT 0,
	hr_pence INTEGER NOT NULL DEFAULT 0,
	finance_minutes INTEGER NOT NULL DEFAULT 0,
	finance_pence INTEGER NOT NULL DEFAULT 0,
	planning_minutes INTEGER NOT NULL DEFAULT 0,
	planning_pence INTEGER NOT NULL DEFAULT 0,
	flow_rows INTEGER NOT NULL DEFAULT 0,
	requests INTEGER NOT NULL DEFAULT 0,
	offered INTEGER NOT NULL DEFAULT 0,
	offer_minutes INTEGER NOT NULL DEFAULT 0,
	engaged INTEGER NOT NULL DEFAULT 0,
	engage_minutes INTEGER NOT NULL DEFAULT 0,
	within_target INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (period, consumer_id)
) WITHOUT ROWID;

-- An hours row's figures go in when it is made, the change when it
-- moves, and out when it goes.
CREATE TRIGGER report_period_orgs_hours_ins AFTER INSERT ON
    report_period_hours BEGIN
	INSERT INTO report_period_orgs (period, consumer_id, hours_rows,
	    minutes, pence, legal_minutes, legal_pence, it_minutes, it_pence,
	    procurement_minutes, procurement_pence, hr_minutes, hr_pence,
	    finance_minutes, finance_pence, planning_minutes, planning_pence)
	    VALUES (NEW.period, NEW.consumer_id, 1, NEW.minutes, NEW.pence,
	    iif(NEW.area = 'legal', NEW.minutes, 0),
	    iif(NEW.area = 'legal', NEW.pence, 0),
	    iif(NEW.area = 'it', NEW.minutes, 0),
	    iif(NEW.area = 'it', NEW.pence, 0),
	    iif(NEW.area = 'procurement', NEW.minutes, 0),
	    iif(NEW.area = 'procurement', NEW.pence, 0),
	    iif(NEW.area = 'hr', NEW.minutes, 0),
	    iif(NEW.area = 'hr', NEW.pence, 0),
	    iif(NEW.area = 'finance', NEW.minutes, 0),
	    iif(NEW.area = 'finance', NEW.pence, 0),
	    iif(NEW.area = 'planning', NEW.minutes, 0),
	    iif(NEW.area = 'planning', NEW.pence, 0))
	    ON CONFLICT DO UPDATE SET hours_rows = hours_rows +
	    excluded.hours_rows, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence, legal_minutes = legal_minutes +
	    excluded.legal_minutes, legal_pence = legal_pence +
	    excluded.legal_pence, it_minutes = it_minutes +
	    excluded.it_minutes, it_pence = it_pence + excluded.it_pence,
	    procurement_minutes = procurement_minutes +
	    excluded.procurement_minutes, procurement_pence =
	    procurement_pence + excluded.procurement_pence, hr_minutes =
	    hr_minutes + excluded.hr_minutes, hr_pence = hr_pence +
	    excluded.hr_pence, finance_minutes = finance_minutes +
	    excluded.finance_minutes, finance_pence = finance_pence +
	    excluded.finance_pence, planning_minutes = planning_minutes +
	    excluded.planning_minutes, planning_pence = planning_pence +
	    excluded.planning_pence;
END;

-- The usual change: an upsert adding to a row in place.
CREATE TRIGGER report_period_orgs_hours_upd AFTER UPDATE ON
    report_period_hours WHEN OLD.period = NEW.period AND OLD.consumer_id =
    NEW.consumer_id AND OLD.area = NEW.area BEGIN
	UPDATE report_period_orgs SET
	    minutes = minutes + NEW.minutes - OLD.minutes,
	    pence = pence + NEW.pence - OLD.pence,
	    legal_minutes = legal_minutes +
	    iif(NEW.area = 'legal', NEW.minutes - OLD.minutes, 0),
	    legal_pence = legal_pence +
	    iif(NEW.area = 'legal', NEW.pence - OLD.pence, 0),
	    it_minutes = it_minutes +
	    iif(NEW.area = 'it', NEW.minutes - OLD.minutes, 0),
	    it_pence = it_pence +
	    iif(NEW.area = 'it', NEW.pence - OLD.pence, 0),
	    procurement_minutes = procurement_minutes +
	    iif(NEW.area = 'procurement', NEW.minutes - OLD.minutes, 0),
	    procurement_pence = procurement_pence +
	    iif(NEW.area = 'procurement', NEW.pence - OLD.pence, 0),
	    hr_minutes = hr_minutes +
	    iif(NEW.area = 'hr', NEW.minutes - OLD.minutes, 0),
	    hr_pence = hr_pence +
	    iif(NEW.area = 'hr', NEW.pence - OLD.pence, 0),
	    finance_minutes = finance_minutes +
	    iif(NEW.area = 'finance', NEW.minutes - OLD.minutes, 0),
	    finance_pence = finance_pence +
	    iif(NEW.area = 'finance', NEW.pence - OLD.pence, 0),
	    planning_minutes = planning_minutes +
	    iif(NEW.area = 'planning', NEW.minutes - OLD.minutes, 0),
	    planning_pence = planning_pence +
	    iif(NEW.area = 'planning', NEW.pence - OLD.pence, 0)
	    WHERE period = NEW.period AND consumer_id = NEW.consumer_id;
END;

-- A row whose key changes leaves its old organisation's figures and
-- joins its new one's: taken out here, put in by the next trigger.
CREATE TRIGGER report_period_orgs_hours_move AFTER UPDATE ON
    report_period_hours WHEN NOT (OLD.period = NEW.period AND
    OLD.consumer_id = NEW.consumer_id AND OLD.area = NEW.area) BEGIN
	UPDATE report_period_orgs SET hours_rows = hours_rows - 1,
	    minutes = minutes - OLD.minutes, pence = pence - OLD.pence,
	    legal_minutes = legal_minutes - iif(OLD.area = 'legal', OLD.minutes, 0),
	    legal_pence = legal_pence - iif(OLD.area = 'legal', OLD.pence, 0),
	    it_minutes = it_minutes - iif(OLD.area = 'it', OLD.minutes, 0),
	    it_pence = it_pence - iif(OLD.area = 'it', OLD.pence, 0),
	    procurement_minutes = procurement_minutes -
	    iif(OLD.area = 'procurement', OLD.minutes, 0),
	    procurement_pence = procurement_pence -
	    iif(OLD.area = 'procurement', OLD.pence, 0),
	    hr_minutes = hr_minutes - iif(OLD.area = 'hr', OLD.minutes, 0),
	    hr_pence = hr_pence - iif(OLD.area = 'hr', OLD.pence, 0),
	    finance_minutes = finance_minutes -
	    iif(OLD.area = 'finance', OLD.minutes, 0),
	    finance_pence = finance_pence - iif(OLD.area = 'finance', OLD.pence, 0),
	    planning_minutes = planning_minutes -
	    iif(OLD.area = 'planning', OLD.minutes, 0),
	    planning_pence = planning_pence -
	    iif(OLD.area = 'planning', OLD.pence, 0)
	    WHERE period = OLD.period AND consumer_id = OLD.consumer_id;
	DELETE FROM report_period_orgs WHERE period = OLD.period AND
	    consumer_id = OLD.consumer_id AND hours_rows = 0 AND flow_rows = 0;
	INSERT INTO report_period_orgs (period, consumer_id, hours_rows,
	    minutes, pence, legal_minutes, legal_pence, it_minutes, it_pence,
	    procurement_minutes, procurement_pence, hr_minutes, hr_pence,
	    finance_minutes, finance_pence, planning_minutes, planning_pence)
	    VALUES (NEW.period, NEW.consumer_id, 1, NEW.minutes, NEW.pence,
	    iif(NEW.area = 'legal', NEW.minutes, 0),
	    iif(NEW.area = 'legal', NEW.pence, 0),
	    iif(NEW.area = 'it', NEW.minutes, 0),
	    iif(NEW.area = 'it', NEW.pence, 0),
	    iif(NEW.area = 'procurement', NEW.minutes, 0),
	    iif(NEW.area = 'procurement', NEW.pence, 0),
	    iif(NEW.area = 'hr', NEW.minutes, 0),
	    iif(NEW.area = 'hr', NEW.pence, 0),
	    iif(NEW.area = 'finance', NEW.minutes, 0),
	    iif(NEW.area = 'finance', NEW.pence, 0),
	    iif(NEW.area = 'planning', NEW.minutes, 0),
	    iif(NEW.area = 'planning', NEW.pence, 0))
	    ON CONFLICT DO UPDATE SET hours_rows = hours_rows +
	    excluded.hours_rows, minutes = minutes + excluded.minutes, pence =
	    pence + excluded.pence, legal_minutes = legal_minutes +
	    excluded.legal_minutes, legal_pence = legal_pence +
	    excluded.legal_pence, it_minutes = it_minutes +
	    excluded.it_minutes, it_pence = it_pence + excluded.it_pence,
	    procurement_minutes = procurement_minutes +
	    excluded.procurement_minutes, procurement_pence =
	    procurement_pence + excluded.procurement_pence, hr_minutes =
	    hr_minutes + excluded.hr_minutes, hr_pence = hr_pence +
	    excluded.hr_pence, finance_minutes = finance_minutes +
	    excluded.finance_minutes, finance_pence = finance_pence +
	    excluded.finance_pence, planning_minutes = planning_minutes +
	    excluded.planning_minutes, planning_pence = planning_pence +
	    excluded.planning_pence;
END;

CREATE TRIGGER report_period_orgs_hours_del AFTER DELETE ON
    report_period_hours BEGIN
	UPDATE report_period_orgs SET hours_rows = hours_rows - 1,
	    minutes = minutes - OLD.minutes, pence = pence - OLD.pence,
	    legal_minutes = legal_minutes - iif(OLD.area = 'legal', OLD.minutes, 0),
	    legal_pence = legal_pence - iif(OLD.area = 'legal', OLD.pence, 0),
	    it_minutes = it_minutes - iif(OLD.area = 'it', OLD.minutes, 0),
	    it_pence = it_pence - iif(OLD.area = 'it', OLD.pence, 0),
	    procurement_minutes = procurement_minutes -
	    iif(OLD.area = 'procurement', OLD.minutes, 0),
	    procurement_pence = procurement_pence -
	    iif(OLD.area = 'procurement', OLD.pence, 0),
	    hr_minutes = hr_minutes - iif(OLD.area = 'hr', OLD.minutes, 0),
	    hr_pence = hr_pence - iif(OLD.area = 'hr', OLD.pence, 0),
	    finance_minutes = finance_minutes -
	    iif(OLD.area = 'finance', OLD.minutes, 0),
	    finance_pence = finance_pence - iif(OLD.area = 'finance', OLD.pence, 0),
	    planning_minutes = planning_minutes -
	    iif(OLD.area = 'planning', OLD.minutes, 0),
	    planning_pence = planning_pence -
	    iif(OLD.area = 'planning', OLD.pence, 0)
	    WHERE period = OLD.period AND consumer_id = OLD.consumer_id;
	DELETE FROM report_period_orgs WHERE period = OLD.period AND
	    consumer_id = OLD.consumer_id AND hours_rows = 0 AND flow_rows = 0;
END;

-- A flow row is one per period and organisation: its figures are copied.
CREATE TRIGGER report_period_orgs_flow_ins AFTER INSERT ON
    report_period_flow BEGIN
	INSERT INTO report_period_orgs (period, consumer_id, flow_rows,
	    requests, offered, offer_minutes, engaged, engage_minutes,
	    within_target) VALUES (NEW.period, NEW.consumer_id, 1,
	    NEW.requests, NEW.offered, NEW.offer_minutes, NEW.engaged,
	    NEW.engage_minutes, NEW.within_target) ON CONFLICT DO UPDATE SET
	    flow_rows = flow_rows + 1, requests = excluded.requests, offered =
	    excluded.offered, offer_minutes = excluded.offer_minutes, engaged =
	    excluded.engaged, engage_minutes = excluded.engage_minutes,
	    within_target = excluded.within_target;
END;

CREATE TRIGGER report_period_orgs_flow_upd AFTER UPDATE ON
    report_period_flow WHEN OLD.period = NEW.period AND OLD.consumer_id =
    NEW.consumer_id BEGIN
	UPDATE report_period_orgs SET requests = NEW.requests, offered =
	    NEW.offered, offer_minutes = NEW.offer_minutes, engaged =
	    NEW.engaged, engage_minutes = NEW.engage_minutes, within_target =
	    NEW.within_target WHERE period = NEW.period AND consumer_id =
	    NEW.consumer_id;
END;

-- Taking a flow row out zeroes its figures: there is one per row here.
CREATE TRIGGER report_period_orgs_flow_del AFTER DELETE ON
    report_period_flow BEGIN
	UPDATE report_period_orgs SET flow_rows = flow_rows - 1, requests = 0,
	    offered = 0, offer_minutes = 0, engaged = 0, engage_minutes = 0,
	    within_target = 0 WHERE period = OLD.period AND consumer_id =
	    OLD.consumer_id;
	DELETE FROM report_period_orgs WHERE period = OLD.period AND
	    consumer_id = OLD.consumer_id AND hours_rows = 0 AND flow_rows = 0;
END;

-- A flow row whose key changes: out of the old row, into the new.
CREATE TRIGGER report_period_orgs_flow_move AFTER UPDATE ON
    report_period_flow WHEN NOT (OLD.period = NEW.period AND
    OLD.consumer_id = NEW.consumer_id) BEGIN
	UPDATE report_period_orgs SET flow_rows = flow_rows - 1, requests = 0,
	    offered = 0, offer_minutes = 0, engaged = 0, engage_minutes = 0,
	    within_target = 0 WHERE period = OLD.period AND consumer_id =
	    OLD.consumer_id;
	DELETE FROM report_period_orgs WHERE period = OLD.period AND
	    consumer_id = OLD.consumer_id AND hours_rows = 0 AND flow_rows = 0;
	INSERT INTO report_period_orgs (period, consumer_id, flow_rows,
	    requests, offered, offer_minutes, engaged, engage_minutes,
	    within_target) VALUES (NEW.period, NEW.consumer_id, 1,
	    NEW.requests, NEW.offered, NEW.offer_minutes, NEW.engaged,
	    NEW.engage_minutes, NEW.within_target) ON CONFLICT DO UPDATE SET
	    flow_rows = flow_rows + 1, requests = excluded.requests, offered =
	    excluded.offered, offer_minutes = excluded.offer_minutes, engaged =
	    excluded.engaged, engage_minutes = excluded.engage_minutes,
	    within_target = excluded.within_target;
END;

-- What the store holds already: the same sums report rebuild makes.
INSERT INTO report_period_orgs SELECT period, consumer_id, sum(h), sum(m),
    sum(p), sum(lm), sum(lp), sum(im), sum(ip), sum(pm), sum(pp), sum(hm),
    sum(hp), sum(fm), sum(fp), sum(nm), sum(np), sum(f), sum(rq), sum(ofr),
    sum(om), sum(en), sum(em), sum(wt) FROM (SELECT period, consumer_id,
    1 AS h, minutes AS m, pence AS p,
    iif(area = 'legal', minutes, 0) AS lm, iif(area = 'legal', pence, 0) AS lp,
    iif(area = 'it', minutes, 0) AS im, iif(area = 'it', pence, 0) AS ip,
    iif(area = 'procurement', minutes, 0) AS pm,
    iif(area = 'procurement', pence, 0) AS pp,
    iif(area = 'hr', minutes, 0) AS hm, iif(area = 'hr', pence, 0) AS hp,
    iif(area = 'finance', minutes, 0) AS fm,
    iif(area = 'finance', pence, 0) AS fp,
    iif(area = 'planning', minutes, 0) AS nm,
    iif(area = 'planning', pence, 0) AS np,
    0 AS f, 0 AS rq, 0 AS ofr, 0 AS om, 0 AS en, 0 AS em, 0 AS wt
    FROM report_period_hours UNION ALL SELECT period, consumer_id, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, requests, offered, offer_minutes,
    engaged, engage_minutes, within_target FROM report_period_flow)
    GROUP BY period, consumer_id;
