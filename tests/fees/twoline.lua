-- twoline.lua: a rule set that prices each entry into two charge lines,
-- its time and a flat case administration fee, for the recharge tests of
-- entries billed on several lines.
local fee = require "fee"

local RATE = 8500	-- pence an hour

return {
	price = function(e, ctx, lines)
		local n = fee.units(e.minutes, 6)
		local unit = fee.div(RATE * 6, 60)
		lines:add("Time: " .. e.activity, n, "6 min", unit, n * unit,
		    ctx.vat)
		lines:add("Case administration", 1, "each", 250, 250, ctx.vat)
	end,
}
