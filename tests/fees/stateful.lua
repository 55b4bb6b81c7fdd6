-- stateful.lua: counts its calls and charges by the count, so the same
-- entry prices differently the second time: price keeps state.
local calls = 0

return {
	price = function(e, ctx, lines)
		calls = calls + 1
		lines:add("advice", 1, "each", 100 + calls, 100 + calls, ctx.vat)
	end,
}
