-- holidays.lua: a rule set that only tells bank holidays from other days,
-- so that holidays_test.lua can check lib/holidays.lua, alone and through
-- the engine (e.calendar). One line: the holiday's name, or "ordinary".
local fee = require "fee"

return {
	price = function(e, ctx, lines)
		local name = fee.bank_holiday(e.date, e.calendar)
		lines:add(name or "ordinary", 1, "each", 0, 0, ctx.vat)
	end,
}
