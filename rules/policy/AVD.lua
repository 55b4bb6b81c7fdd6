-- AVD.lua: Avondale District Council's local policy.
-- Short, ordinary entries are approved without a person looking; any
-- request needs a purchase order once its estimate passes £2,500; cost
-- centres are used as they are.
local AUTO_MINUTES = 60
local PO_FROM = 250000		-- pence

return {
	auto_approve = function(entry, ctx)
		return entry.minutes <= AUTO_MINUTES and
		    entry.activity ~= "travel" and not entry.out_of_hours
	end,
	po_required = function(req, ctx)
		return req.estimate >= PO_FROM
	end,
}
