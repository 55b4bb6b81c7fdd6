-- echo.lua: a line for every field price sees, named with its value, and
-- then every field written over: each entry must still see its own.
local FIELDS = { "minutes", "date", "activity", "out_of_hours", "grade",
    "basis", "consumer", "provider", "agreement", "calendar" }

return {
	price = function(e, ctx, lines)
		for _, k in ipairs(FIELDS) do
			lines:add(k .. "=" .. tostring(e[k]), 1, "each", 0, 0, "S")
			e[k] = "scribbled"
		end
		lines:add("vat=" .. tostring(ctx.vat), 1, "each", 0, 0, "S")
		lines:add("today=" .. tostring(ctx.today), 1, "each", 0, 0, "S")
		ctx.vat = "scribbled"
		ctx.today = "scribbled"
	end,
}
