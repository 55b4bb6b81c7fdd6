-- prepared.lua: what prepare returns reaches price. prepare numbers its
-- calls and names the fields it was given, and price puts both in its
-- line: a test sees what prepare saw and when it ran. A "broken" grade
-- makes prepare fail.
local calls = 0

return {
	prepare = function(g, ctx)
		if g.grade == "broken" then
			error("no terms for this grade")
		end
		calls = calls + 1
		local seen = {}
		for k in pairs(g) do
			seen[#seen + 1] = k
		end
		table.sort(seen)
		for k, v in pairs(ctx) do
			seen[#seen + 1] = "ctx." .. k .. "=" .. v
		end
		return { calls = calls, label = g.grade .. "/" .. g.basis .. "/" ..
		    tostring(g.consumer) .. "/" .. g.calendar .. " " ..
		    table.concat(seen, ",") }
	end,
	price = function(e, ctx, lines, t)
		lines:add(t.label, t.calls, "each", 0, 0, ctx.vat)
	end,
}
