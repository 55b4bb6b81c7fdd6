-- prepare_stateful.lua: prepare numbers its calls and price charges by
-- that number, so the same entry prices differently once prepare has
-- run again: prepare keeps state.
local calls = 0

return {
	prepare = function(g, ctx)
		calls = calls + 1
		return { n = calls }
	end,
	price = function(e, ctx, lines, t)
		lines:add("advice", 1, "each", 100 + t.n, 100 + t.n, ctx.vat)
	end,
}
