-- twoline_test.lua: an entry is priced into its time and the flat fee.
local t = ...

t.case("an hour of advice is two lines", function()
	local r = t.price({ minutes = 60, date = "2026-10-05",
	    activity = "advice", grade = "standard" })
	t.eq(#r, 2, "lines")
	t.eq(r[1].amount, 8500, "time")
	t.eq(r[2].amount, 250, "administration")
	t.eq(r.total, 8750, "total")
end)
