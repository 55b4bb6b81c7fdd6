-- slow_one.lua: a penny a minute, except for three entries: 1001 minutes
-- never returns, 1002 runs past its instruction budget and then returns,
-- 1003 takes a while but stays well within it.
return {
	price = function(e, ctx, lines)
		local m = e.minutes
		if m == 1001 then
			while true do
			end
		elseif m == 1002 then
			local x = 0
			for i = 1, 3000000 do
				x = x + i
			end
		elseif m == 1003 then
			local x = 0
			for i = 1, 100000 do
				x = x + i
			end
		end
		lines:add("time", m, "min", 1, m, ctx.vat)
	end,
}
