-- fees-floor.lua: the least a rule set can do, for bench/fees: one line
-- an entry, 6-minute units at one rate. The engine's cost with no rules.
local M = {}

function M.price(e, ctx, lines)
	local n = (e.minutes + 5) // 6
	lines:add("x", n, "6 min", 850, n * 850, ctx.vat)
end

return M
