-- prepare_stateful_test.lua: cases that pass when each is priced once.
local t = ...

t.case("an hour of advice is one line", function()
	local r = t.price({ minutes = 60, date = "2025-03-04",
	    grade = "standard" })
	t.eq(r[1].quantity, 1, "quantity")
end)

t.case("so is a senior's hour", function()
	local r = t.price({ minutes = 60, date = "2025-03-04",
	    grade = "senior" })
	t.eq(r[1].quantity, 1, "quantity")
end)
