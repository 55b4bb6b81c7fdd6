-- BRK.lua: Brookfield Borough Council's local policy.
-- Nothing is auto-approved; a purchase order is needed from £5,000 or for
-- any legal work; request cost centres map onto the ledger's codes.
local LEDGER = {
	LEG = "BRK-4410-LEGAL",
	ICT = "BRK-5520-ICT",
	HR = "BRK-3300-PEOPLE",
}

return {
	auto_approve = function(entry, ctx)
		return false
	end,
	po_required = function(req, ctx)
		return req.estimate >= 500000
	end,
	cost_centre = function(req, ctx)
		return LEDGER[req.cost_centre] or "BRK-9999-SUSPENSE"
	end,
}
