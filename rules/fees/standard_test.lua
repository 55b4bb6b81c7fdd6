-- standard_test.lua: table-driven tests of the standard rule set, run by
-- the engine before a version of standard.lua may become active, and by
-- "expertpool fees check rules/fees/standard.lua". Totals to the penny.
local t, rules = ...
local fee = require "fee"

-- 2025-03-04 is a Tuesday, 2025-03-08 a Saturday, 2025-05-05 the Early May
-- bank holiday, 2025-12-25 Christmas Day (a Thursday).
local function entry(o)
	local e = { minutes = 60, date = "2025-03-04", activity = "advice",
	    grade = "standard", basis = "hourly", consumer = "AVD",
	    provider = "NRC", agreement = 1, vat = "S" }
	for k, v in pairs(o) do
		e[k] = v
	end
	return e
end

local pricing = {
	-- rounding up to 6-minute units at the boundaries
	{ "0 minutes is nothing", { minutes = 0 }, 0, 0 },
	{ "1 minute is one unit", { minutes = 1 }, 850, 1 },
	{ "6 minutes is one unit", { minutes = 6 }, 850, 1 },
	{ "7 minutes is two units", { minutes = 7 }, 1700, 2 },
	{ "12 minutes is two units", { minutes = 12 }, 1700, 2 },
	{ "13 minutes is three units", { minutes = 13 }, 2550, 3 },
	{ "an hour is ten units", { minutes = 60 }, 8500, 10 },
	{ "61 minutes is eleven units", { minutes = 61 }, 9350, 11 },
	{ "a full day", { minutes = 1440 }, 204000, 240 },
	-- rates by grade
	{ "junior hour", { grade = "junior" }, 6000, 10 },
	{ "senior hour", { grade = "senior" }, 11000, 10 },
	{ "principal hour", { grade = "principal" }, 14500, 10 },
	-- travel at half rate, never uplifted
	{ "travel hour", { activity = "travel" }, 4250, 10 },
	{ "travel 7 minutes senior", { activity = "travel", minutes = 7,
	    grade = "senior" }, 1100, 2 },
	{ "travel on a Saturday stays half rate", { activity = "travel",
	    date = "2025-03-08" }, 4250, 10 },
	-- out of hours at 150%
	{ "flagged out of hours", { out_of_hours = true }, 12750, 10 },
	{ "a Saturday is out of hours", { date = "2025-03-08", minutes = 30,
	    grade = "senior" }, 8250, 5 },
	{ "a Sunday is out of hours", { date = "2025-03-09", minutes = 6 },
	    1275, 1 },
	{ "Early May bank holiday", { date = "2025-05-05", minutes = 6,
	    grade = "principal" }, 2175, 1 },
	{ "Christmas Day", { date = "2025-12-25" }, 12750, 10 },
	{ "Boxing Day substitute 2026", { date = "2026-12-28" }, 12750, 10 },
	{ "the day after Easter Monday is ordinary", { date = "2025-04-22" },
	    8500, 10 },
	-- other bases
	{ "daily: 300 minutes is two half days", { basis = "daily",
	    minutes = 300 }, 59500, 2 },
	{ "daily: out of hours half day", { basis = "daily", minutes = 100,
	    out_of_hours = true }, 44625, 1 },
	{ "fixed fee time is recorded at nothing", { basis = "fixed",
	    minutes = 90 }, 0, 15 },
	{ "capped is priced hourly", { basis = "capped" }, 8500, 10 },
}

for _, c in ipairs(pricing) do
	t.case(c[1], function()
		local r = t.price(entry(c[2]))
		t.eq(r.total, c[3], "total")
		if c[4] == 0 then
			t.eq(#r, 0, "lines")
		else
			t.eq(#r, 1, "lines")
			t.eq(r[1].quantity, c[4], "quantity")
			t.eq(r[1].quantity * r[1].unit_price, r[1].amount,
			    "quantity x unit price")
			t.eq(r[1].vat, "S", "vat")
		end
	end)
end

-- price called on its own, with no prepare (as a rule set built on this
-- one may call it), prices every case as the engine's path does.
t.case("price without prepare's terms prices the same", function()
	for _, c in ipairs(pricing) do
		local e = entry(c[2])
		e.calendar = "england-and-wales"
		local got = {}
		local lines = { add = function(_, d, q, u, p, a, v)
			got[#got + 1] = table.concat({ d, q, u, p, a, v }, "|")
		end }
		rules.price(e, { vat = "S", today = e.date }, lines)
		local want = {}
		for _, l in ipairs(t.price(entry(c[2]))) do
			want[#want + 1] = table.concat({ l.description, l.quantity,
			    l.unit, l.unit_price, l.amount, l.vat }, "|")
		end
		t.eq(table.concat(got, "\n"), table.concat(want, "\n"), c[1])
	end
end)

t.case("an unknown grade is refused", function()
	local ok, err = pcall(t.price, entry({ grade = "intern" }))
	t.eq(ok, false, "refused")
	t.eq(string.find(err, "unknown grade", 1, true) ~= nil, true, err)
end)

t.case("a year before the bank holiday rules is refused", function()
	local ok, err = pcall(t.price, entry({ date = "2012-03-06" }))
	t.eq(ok, false, "refused")
	t.eq(string.find(err, "no bank holiday rules", 1, true) ~= nil, true,
	    err)
end)

t.case("the agreement's VAT category reaches the lines", function()
	t.eq(t.price(entry({ vat = "O" }))[1].vat, "O", "vat")
end)

t.case("the same entry prices the same twice", function()
	t.eq(t.price(entry({ minutes = 47 })).total,
	    t.price(entry({ minutes = 47 })).total, "total")
end)

-- The month of March 2025 for a senior expert, seven hours every working
-- day: 21 days of 77,000p.
local function march()
	local days = {}
	for d = 1, 31 do
		local date = string.format("2025-03-%02d", d)
		if not fee.weekend(date) then
			days[#days + 1] = t.price(entry({ date = date, minutes = 420,
			    grade = "senior" }))
			days[#days].date = date
		end
	end
	return days
end

t.case("the monthly cap is reached mid-month", function()
	local days = march()
	local subtotal, before, reached = 0, 0, nil
	for _, d in ipairs(days) do
		subtotal = subtotal + d.total
		local charged = fee.cap(d.total, before, 1000000)
		if charged < d.total and not reached then
			reached = d.date
		end
		before = before + charged
	end
	t.eq(#days, 21, "working days")
	t.eq(subtotal, 1617000, "subtotal")
	t.eq(reached, "2025-03-19", "the day the cap is reached")
	t.eq(before, 1000000, "charged under the cap")
	local inv = t.invoice({ period = "2025-03", subtotal = subtotal,
	    cap = 1000000, consumer_before = 0 })
	t.eq(#inv, 1, "lines")
	t.eq(inv[1].amount, -617000, "cap line")
	t.eq(subtotal + inv.total, 1000000, "invoice total")
end)

t.case("under the cap nothing changes", function()
	local inv = t.invoice({ period = "2025-03", subtotal = 999999,
	    cap = 1000000 })
	t.eq(#inv, 0, "lines")
	t.eq(inv.total, 0, "adjustment")
end)

local discounts = {
	-- before, net, discount
	{ "below the tier", 0, 1999999, 0 },
	{ "exactly at the tier", 0, 2000000, 0 },
	{ "crossed mid-month", 1900000, 300000, 10000 },
	{ "wholly above the tier", 2500000, 100000, 5000 },
	{ "half a penny rounds to even (0)", 0, 2000010, 0 },
	{ "one and a half pence rounds to even (2)", 0, 2000030, 2 },
	{ "0.95p rounds to 1p", 0, 2000019, 1 },
}
for _, c in ipairs(discounts) do
	t.case("volume discount: " .. c[1], function()
		local inv = t.invoice({ period = "2025-03", subtotal = c[3],
		    consumer_before = c[2] })
		t.eq(inv.total, -c[4], "discount")
	end)
end

t.case("volume discount split over invoices adds up exactly", function()
	local a = t.invoice({ period = "2025-03", subtotal = 1950007,
	    consumer_before = 0 })
	local b = t.invoice({ period = "2025-03", subtotal = 250013,
	    consumer_before = 1950007 })
	local whole = t.invoice({ period = "2025-03", subtotal = 2200020,
	    consumer_before = 0 })
	t.eq(a.total + b.total, whole.total, "split against whole")
	t.eq(whole.total, -10001, "whole")
end)

t.case("cap first, then the discount on what is left", function()
	local inv = t.invoice({ period = "2025-03", subtotal = 3000000,
	    cap = 2500000, consumer_before = 0 })
	t.eq(#inv, 2, "lines")
	t.eq(3000000 + inv.total, 2475000, "invoice total")
end)

t.case("outside the scope of VAT carries a reason", function()
	local inv = t.invoice({ period = "2025-03", subtotal = 100, vat = "O" })
	t.eq(inv.vat, "O", "category")
	t.eq(#inv.vat_reason > 0, true, "reason given")
	t.eq(t.invoice({ period = "2025-03", subtotal = 100 }).vat, "S",
	    "standard rated")
end)

local engagements = {
	{ "fixed fee with on-time bonus", { basis = "fixed", period = "2025-03",
	    fixed_fee = 500000, bonus = 25000, due = "2025-03-31",
	    completed = "2025-03-20" }, 525000, 2 },
	{ "fixed fee completed late: no bonus, no damages", { basis = "fixed",
	    period = "2025-04", fixed_fee = 500000, bonus = 25000,
	    due = "2025-03-31", completed = "2025-04-02" }, 500000, 1 },
	{ "fixed fee not yet completed", { basis = "fixed", period = "2025-03",
	    fixed_fee = 500000, due = "2025-04-30" }, 0, 0 },
	{ "milestones done this month", { basis = "fixed", period = "2025-03",
	    milestones = { { name = "Draft", amount = 200000,
	    done = "2025-03-10" }, { name = "Final", amount = 300000,
	    done = "2025-04-05" } } }, 200000, 1 },
	{ "capped engagement meets its budget", { basis = "capped",
	    period = "2025-03", budget = 100000, billed_before = 80000,
	    priced = 50000 }, -30000, 1 },
	{ "capped engagement under budget", { basis = "capped",
	    period = "2025-03", budget = 100000, billed_before = 0,
	    priced = 50000 }, 0, 0 },
	{ "hourly engagement bonus on time", { basis = "hourly",
	    period = "2025-03", bonus = 10000, due = "2025-03-31",
	    completed = "2025-03-31" }, 10000, 1 },
}
for _, c in ipairs(engagements) do
	t.case(c[1], function()
		local r = t.engagement(c[2])
		t.eq(r.total, c[3], "total")
		t.eq(#r, c[4], "lines")
		for _, l in ipairs(r) do
			t.eq(l.amount ~= 0, true, "no empty lines")
		end
	end)
end

t.case("rounding modes", function()
	local cases = {
		{ 5, 2, "half_even", 2 }, { 7, 2, "half_even", 4 },
		{ -5, 2, "half_even", -2 }, { 5, 2, "half_up", 3 },
		{ -5, 2, "half_up", -3 }, { 7, 2, "down", 3 }, { -7, 2, "down", -3 },
		{ 7, 2, "up", 4 }, { -7, 2, "up", -4 }, { 10, 4, nil, 2 },
		{ 14, 4, nil, 4 }, { 9, 3, "up", 3 },
	}
	for _, c in ipairs(cases) do
		t.eq(fee.div(c[1], c[2], c[3]), c[4], string.format("div(%d, %d, %s)",
		    c[1], c[2], tostring(c[3])))
	end
	t.eq(fee.bp(1275, 15000), 1912, "1912.5 to even")
	t.eq(fee.bp(1285, 15000), 1928, "1927.5 to even")
	t.eq(fee.bp(1275, 15000, "half_up"), 1913, "half up")
	t.eq(fee.day_rate(8500, 420), 59500, "day rate")
	t.eq(fee.units(15, 15), 1, "15-minute unit")
	t.eq(fee.units(16, 15), 2, "15-minute units")
	t.eq(fee.units(61, 60), 2, "hour units")
	t.eq(fee.money(123456789), "£1,234,567.89", "money")
	t.eq(pcall(fee.div, 1.5, 2), false, "a float is refused")
end)

-- Bank holidays by the provider's calendar (e.calendar), for any year.
local by_calendar = {
	{ "Christmas Day 2031, England and Wales", { date = "2031-12-25",
	    calendar = "england-and-wales" }, 12750 },
	{ "2 January 2032, Scotland", { date = "2032-01-02",
	    calendar = "scotland" }, 12750 },
	{ "2 January 2032, England and Wales", { date = "2032-01-02",
	    calendar = "england-and-wales" }, 8500 },
	{ "2 January 2032, Northern Ireland", { date = "2032-01-02",
	    calendar = "northern-ireland" }, 8500 },
	{ "St Andrew's Day 2029, Scotland", { date = "2029-11-30",
	    calendar = "scotland" }, 12750 },
	{ "Easter Monday 2026 is not one in Scotland", { date = "2026-04-06",
	    calendar = "scotland" }, 8500 },
	{ "Battle of the Boyne substitute 2026", { date = "2026-07-13",
	    calendar = "northern-ireland" }, 12750 },
	{ "no calendar is England and Wales", { date = "2031-12-25" }, 12750 },
}

for _, c in ipairs(by_calendar) do
	t.case(c[1], function()
		local r = t.price(entry(c[2]))
		t.eq(r.total, c[3], "total")
		t.eq(#r, 1, "lines")
		t.eq(string.find(r[1].description, "Out of hours", 1, true) ~= nil,
		    c[3] == 12750, "out of hours")
	end)
end

t.case("an unknown calendar is refused", function()
	local ok, err = pcall(t.price, entry({ calendar = "wales" }))
	t.eq(ok, false, "refused")
	t.eq(string.find(err, "calendar: must be", 1, true) ~= nil, true, err)
end)
