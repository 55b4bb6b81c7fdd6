-- holidays_test.lua: lib/holidays.lua against the bank holidays GOV.UK
-- publishes (https://www.gov.uk/bank-holidays), 2020 to 2030, for the
-- three calendars: every day of those years, both ways. The lists are
-- written out by hand from the published ones, never worked out by the
-- code under test. Names are GOV.UK's, with its apostrophes (’) and
-- "(substitute day)".
--
-- GOV.UK publishes about two years ahead. England and Wales 2029 and
-- 2030, and Scotland and Northern Ireland 2029 and 2030, are the days
-- the published rules give (Banking and Financial Dealings Act 1971 and
-- the substitute day practice GOV.UK follows), not a published list: a
-- one-off day proclaimed later goes into lib/holidays.lua's CHANGES and
-- here.
local t = ...
local fee = require "fee"
local holidays = require "holidays"

local PUBLISHED = {
	["england-and-wales"] = [[
2020-01-01 New Year’s Day
2020-04-10 Good Friday
2020-04-13 Easter Monday
2020-05-08 Early May bank holiday (VE day)
2020-05-25 Spring bank holiday
2020-08-31 Summer bank holiday
2020-12-25 Christmas Day
2020-12-28 Boxing Day (substitute day)
2021-01-01 New Year’s Day
2021-04-02 Good Friday
2021-04-05 Easter Monday
2021-05-03 Early May bank holiday
2021-05-31 Spring bank holiday
2021-08-30 Summer bank holiday
2021-12-27 Christmas Day (substitute day)
2021-12-28 Boxing Day (substitute day)
2022-01-03 New Year’s Day (substitute day)
2022-04-15 Good Friday
2022-04-18 Easter Monday
2022-05-02 Early May bank holiday
2022-06-02 Spring bank holiday
2022-06-03 Platinum Jubilee bank holiday
2022-08-29 Summer bank holiday
2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II
2022-12-26 Boxing Day
2022-12-27 Christmas Day (substitute day)
2023-01-02 New Year’s Day (substitute day)
2023-04-07 Good Friday
2023-04-10 Easter Monday
2023-05-01 Early May bank holiday
2023-05-08 Bank holiday for the coronation of King Charles III
2023-05-29 Spring bank holiday
2023-08-28 Summer bank holiday
2023-12-25 Christmas Day
2023-12-26 Boxing Day
2024-01-01 New Year’s Day
2024-03-29 Good Friday
2024-04-01 Easter Monday
2024-05-06 Early May bank holiday
2024-05-27 Spring bank holiday
2024-08-26 Summer bank holiday
2024-12-25 Christmas Day
2024-12-26 Boxing Day
2025-01-01 New Year’s Day
2025-04-18 Good Friday
2025-04-21 Easter Monday
2025-05-05 Early May bank holiday
2025-05-26 Spring bank holiday
2025-08-25 Summer bank holiday
2025-12-25 Christmas Day
2025-12-26 Boxing Day
2026-01-01 New Year’s Day
2026-04-03 Good Friday
2026-04-06 Easter Monday
2026-05-04 Early May bank holiday
2026-05-25 Spring bank holiday
2026-08-31 Summer bank holiday
2026-12-25 Christmas Day
2026-12-28 Boxing Day (substitute day)
2027-01-01 New Year’s Day
2027-03-26 Good Friday
2027-03-29 Easter Monday
2027-05-03 Early May bank holiday
2027-05-31 Spring bank holiday
2027-08-30 Summer bank holiday
2027-12-27 Christmas Day (substitute day)
2027-12-28 Boxing Day (substitute day)
2028-01-03 New Year’s Day (substitute day)
2028-04-14 Good Friday
2028-04-17 Easter Monday
2028-05-01 Early May bank holiday
2028-05-29 Spring bank holiday
2028-08-28 Summer bank holiday
2028-12-25 Christmas Day
2028-12-26 Boxing Day
2029-01-01 New Year’s Day
2029-03-30 Good Friday
2029-04-02 Easter Monday
2029-05-07 Early May bank holiday
2029-05-28 Spring bank holiday
2029-08-27 Summer bank holiday
2029-12-25 Christmas Day
2029-12-26 Boxing Day
2030-01-01 New Year’s Day
2030-04-19 Good Friday
2030-04-22 Easter Monday
2030-05-06 Early May bank holiday
2030-05-27 Spring bank holiday
2030-08-26 Summer bank holiday
2030-12-25 Christmas Day
2030-12-26 Boxing Day
]],
	scotland = [[
2020-01-01 New Year’s Day
2020-01-02 2nd January
2020-04-10 Good Friday
2020-05-08 Early May bank holiday (VE day)
2020-05-25 Spring bank holiday
2020-08-03 Summer bank holiday
2020-11-30 St Andrew’s Day
2020-12-25 Christmas Day
2020-12-28 Boxing Day (substitute day)
2021-01-01 New Year’s Day
2021-01-04 2nd January (substitute day)
2021-04-02 Good Friday
2021-05-03 Early May bank holiday
2021-05-31 Spring bank holiday
2021-08-02 Summer bank holiday
2021-11-30 St Andrew’s Day
2021-12-27 Christmas Day (substitute day)
2021-12-28 Boxing Day (substitute day)
2022-01-03 New Year’s Day (substitute day)
2022-01-04 2nd January (substitute day)
2022-04-15 Good Friday
2022-05-02 Early May bank holiday
2022-06-02 Spring bank holiday
2022-06-03 Platinum Jubilee bank holiday
2022-08-01 Summer bank holiday
2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II
2022-11-30 St Andrew’s Day
2022-12-26 Boxing Day
2022-12-27 Christmas Day (substitute day)
2023-01-02 New Year’s Day (substitute day)
2023-01-03 2nd January (substitute day)
2023-04-07 Good Friday
2023-05-01 Early May bank holiday
2023-05-08 Bank holiday for the coronation of King Charles III
2023-05-29 Spring bank holiday
2023-08-07 Summer bank holiday
2023-11-30 St Andrew’s Day
2023-12-25 Christmas Day
2023-12-26 Boxing Day
2024-01-01 New Year’s Day
2024-01-02 2nd January
2024-03-29 Good Friday
2024-05-06 Early May bank holiday
2024-05-27 Spring bank holiday
2024-08-05 Summer bank holiday
2024-12-02 St Andrew’s Day (substitute day)
2024-12-25 Christmas Day
2024-12-26 Boxing Day
2025-01-01 New Year’s Day
2025-01-02 2nd January
2025-04-18 Good Friday
2025-05-05 Early May bank holiday
2025-05-26 Spring bank holiday
2025-08-04 Summer bank holiday
2025-12-01 St Andrew’s Day (substitute day)
2025-12-25 Christmas Day
2025-12-26 Boxing Day
2026-01-01 New Year’s Day
2026-01-02 2nd January
2026-04-03 Good Friday
2026-05-04 Early May bank holiday
2026-05-25 Spring bank holiday
2026-06-15 World Cup bank holiday
2026-08-03 Summer bank holiday
2026-11-30 St Andrew’s Day
2026-12-25 Christmas Day
2026-12-28 Boxing Day (substitute day)
2027-01-01 New Year’s Day
2027-01-04 2nd January (substitute day)
2027-03-26 Good Friday
2027-05-03 Early May bank holiday
2027-05-31 Spring bank holiday
2027-08-02 Summer bank holiday
2027-11-30 St Andrew’s Day
2027-12-27 Christmas Day (substitute day)
2027-12-28 Boxing Day (substitute day)
2028-01-03 New Year’s Day (substitute day)
2028-01-04 2nd January (substitute day)
2028-04-14 Good Friday
2028-05-01 Early May bank holiday
2028-05-29 Spring bank holiday
2028-08-07 Summer bank holiday
2028-11-30 St Andrew’s Day
2028-12-25 Christmas Day
2028-12-26 Boxing Day
2029-01-01 New Year’s Day
2029-01-02 2nd January
2029-03-30 Good Friday
2029-05-07 Early May bank holiday
2029-05-28 Spring bank holiday
2029-08-06 Summer bank holiday
2029-11-30 St Andrew’s Day
2029-12-25 Christmas Day
2029-12-26 Boxing Day
2030-01-01 New Year’s Day
2030-01-02 2nd January
2030-04-19 Good Friday
2030-05-06 Early May bank holiday
2030-05-27 Spring bank holiday
2030-08-05 Summer bank holiday
2030-12-02 St Andrew’s Day (substitute day)
2030-12-25 Christmas Day
2030-12-26 Boxing Day
]],
	["northern-ireland"] = [[
2020-01-01 New Year’s Day
2020-03-17 St Patrick’s Day
2020-04-10 Good Friday
2020-04-13 Easter Monday
2020-05-08 Early May bank holiday (VE day)
2020-05-25 Spring bank holiday
2020-07-13 Battle of the Boyne (Orangemen’s Day) (substitute day)
2020-08-31 Summer bank holiday
2020-12-25 Christmas Day
2020-12-28 Boxing Day (substitute day)
2021-01-01 New Year’s Day
2021-03-17 St Patrick’s Day
2021-04-02 Good Friday
2021-04-05 Easter Monday
2021-05-03 Early May bank holiday
2021-05-31 Spring bank holiday
2021-07-12 Battle of the Boyne (Orangemen’s Day)
2021-08-30 Summer bank holiday
2021-12-27 Christmas Day (substitute day)
2021-12-28 Boxing Day (substitute day)
2022-01-03 New Year’s Day (substitute day)
2022-03-17 St Patrick’s Day
2022-04-15 Good Friday
2022-04-18 Easter Monday
2022-05-02 Early May bank holiday
2022-06-02 Spring bank holiday
2022-06-03 Platinum Jubilee bank holiday
2022-07-12 Battle of the Boyne (Orangemen’s Day)
2022-08-29 Summer bank holiday
2022-09-19 Bank Holiday for the State Funeral of Queen Elizabeth II
2022-12-26 Boxing Day
2022-12-27 Christmas Day (substitute day)
2023-01-02 New Year’s Day (substitute day)
2023-03-17 St Patrick’s Day
2023-04-07 Good Friday
2023-04-10 Easter Monday
2023-05-01 Early May bank holiday
2023-05-08 Bank holiday for the coronation of King Charles III
2023-05-29 Spring bank holiday
2023-07-12 Battle of the Boyne (Orangemen’s Day)
2023-08-28 Summer bank holiday
2023-12-25 Christmas Day
2023-12-26 Boxing Day
2024-01-01 New Year’s Day
2024-03-18 St Patrick’s Day (substitute day)
2024-03-29 Good Friday
2024-04-01 Easter Monday
2024-05-06 Early May bank holiday
2024-05-27 Spring bank holiday
2024-07-12 Battle of the Boyne (Orangemen’s Day)
2024-08-26 Summer bank holiday
2024-12-25 Christmas Day
2024-12-26 Boxing Day
2025-01-01 New Year’s Day
2025-03-17 St Patrick’s Day
2025-04-18 Good Friday
2025-04-21 Easter Monday
2025-05-05 Early May bank holiday
2025-05-26 Spring bank holiday
2025-07-14 Battle of the Boyne (Orangemen’s Day) (substitute day)
2025-08-25 Summer bank holiday
2025-12-25 Christmas Day
2025-12-26 Boxing Day
2026-01-01 New Year’s Day
2026-03-17 St Patrick’s Day
2026-04-03 Good Friday
2026-04-06 Easter Monday
2026-05-04 Early May bank holiday
2026-05-25 Spring bank holiday
2026-07-13 Battle of the Boyne (Orangemen’s Day) (substitute day)
2026-08-31 Summer bank holiday
2026-12-25 Christmas Day
2026-12-28 Boxing Day (substitute day)
2027-01-01 New Year’s Day
2027-03-17 St Patrick’s Day
2027-03-26 Good Friday
2027-03-29 Easter Monday
2027-05-03 Early May bank holiday
2027-05-31 Spring bank holiday
2027-07-12 Battle of the Boyne (Orangemen’s Day)
2027-08-30 Summer bank holiday
2027-12-27 Christmas Day (substitute day)
2027-12-28 Boxing Day (substitute day)
2028-01-03 New Year’s Day (substitute day)
2028-03-17 St Patrick’s Day
2028-04-14 Good Friday
2028-04-17 Easter Monday
2028-05-01 Early May bank holiday
2028-05-29 Spring bank holiday
2028-07-12 Battle of the Boyne (Orangemen’s Day)
2028-08-28 Summer bank holiday
2028-12-25 Christmas Day
2028-12-26 Boxing Day
2029-01-01 New Year’s Day
2029-03-19 St Patrick’s Day (substitute day)
2029-03-30 Good Friday
2029-04-02 Easter Monday
2029-05-07 Early May bank holiday
2029-05-28 Spring bank holiday
2029-07-12 Battle of the Boyne (Orangemen’s Day)
2029-08-27 Summer bank holiday
2029-12-25 Christmas Day
2029-12-26 Boxing Day
2030-01-01 New Year’s Day
2030-03-18 St Patrick’s Day (substitute day)
2030-04-19 Good Friday
2030-04-22 Easter Monday
2030-05-06 Early May bank holiday
2030-05-27 Spring bank holiday
2030-07-12 Battle of the Boyne (Orangemen’s Day)
2030-08-26 Summer bank holiday
2030-12-25 Christmas Day
2030-12-26 Boxing Day
]],
}

-- How many days each calendar has in a year of the rules alone.
local USUAL = { ["england-and-wales"] = 8, scotland = 9,
    ["northern-ireland"] = 10 }

local function parse(text)
	local days, n = {}, 0
	for date, name in string.gmatch(text, "(%d%d%d%d%-%d%d%-%d%d) ([^\n]+)") do
		if days[date] ~= nil then
			error("listed twice: " .. date)
		end
		days[date] = name
		n = n + 1
	end
	return days, n
end

local month_days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

-- Every date of year y, in order.
local function each_day(y, fn)
	for m = 1, 12 do
		local last = month_days[m]
		if m == 2 and (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) then
			last = 29
		end
		for d = 1, last do
			fn(string.format("%04d-%02d-%02d", y, m, d))
		end
	end
end

for _, calendar in ipairs(holidays.CALENDARS) do
	t.case(calendar .. ": 2020 to 2030 as published, every day both ways",
	    function()
		local published, n = parse(PUBLISHED[calendar])
		local seen = 0
		for y = 2020, 2030 do
			each_day(y, function(date)
				local got = fee.bank_holiday(date, calendar)
				t.eq(got, published[date], calendar .. " " .. date)
				if got ~= nil then
					seen = seen + 1
				end
			end)
		end
		t.eq(seen, n, calendar .. ": holidays 2020 to 2030")
	end)
end

t.case("the published lists hold no weekend day", function()
	for _, calendar in ipairs(holidays.CALENDARS) do
		for date in pairs((parse(PUBLISHED[calendar]))) do
			t.eq(fee.weekend(date), false, calendar .. " " .. date)
		end
	end
end)

t.case("2031 to 2200: the usual number of days, never on a weekend",
    function()
	for _, calendar in ipairs(holidays.CALENDARS) do
		for y = 2031, 2200 do
			local n = 0
			for date in pairs(holidays.year(calendar, y)) do
				t.eq(fee.weekend(date), false, calendar .. " " .. date)
				t.eq(string.sub(date, 1, 4), tostring(y), date)
				n = n + 1
			end
			t.eq(n, USUAL[calendar], calendar .. " " .. y)
		end
	end
end)

t.case("worked out by rule after 2030", function()
	t.eq(fee.bank_holiday("2031-12-25"), "Christmas Day", "Christmas 2031")
	t.eq(fee.bank_holiday("2032-01-02", "scotland"), "2nd January",
	    "Scotland, 2 January 2032")
	t.eq(fee.bank_holiday("2032-01-02", "england-and-wales"), nil,
	    "England and Wales, 2 January 2032")
	-- Easter Sunday 2038 is 25 April, the latest there is.
	t.eq(fee.bank_holiday("2038-04-23", "northern-ireland"), "Good Friday",
	    "Good Friday 2038")
	t.eq(fee.bank_holiday("2038-04-26", "scotland"), nil,
	    "no Easter Monday in Scotland")
	-- 2033: New Year's Day on a Saturday, Christmas on a Sunday.
	t.eq(fee.bank_holiday("2033-01-03", "scotland"),
	    "New Year’s Day (substitute day)", "3 January 2033")
	t.eq(fee.bank_holiday("2033-01-04", "scotland"),
	    "2nd January (substitute day)", "4 January 2033")
	t.eq(fee.bank_holiday("2033-12-26"), "Boxing Day", "26 December 2033")
	t.eq(fee.bank_holiday("2033-12-27"), "Christmas Day (substitute day)",
	    "27 December 2033")
	-- 2034: New Year's Day on a Sunday, as in 2023.
	t.eq(fee.bank_holiday("2034-01-02", "scotland"),
	    "New Year’s Day (substitute day)", "2 January 2034")
	t.eq(fee.bank_holiday("2034-01-03", "scotland"),
	    "2nd January (substitute day)", "3 January 2034")
end)

t.case("a calendar that is not one of the three is refused", function()
	local ok, err = pcall(fee.bank_holiday, "2025-12-25", "wales")
	t.eq(ok, false, "refused")
	t.eq(string.find(err, "unknown calendar \"wales\"", 1, true) ~= nil,
	    true, err)
end)

t.case("a year before the rules is refused", function()
	local ok, err = pcall(fee.bank_holiday, "2012-06-05")
	t.eq(ok, false, "refused")
	t.eq(string.find(err, "no bank holiday rules for 2012", 1, true) ~= nil,
	    true, err)
end)

t.case("the engine hands price the entry's calendar", function()
	t.eq(t.price({ minutes = 60, date = "2026-06-15", grade = "standard",
	    calendar = "scotland" })[1].description, "World Cup bank holiday",
	    "Scotland")
	t.eq(t.price({ minutes = 60, date = "2026-06-15", grade = "standard",
	    calendar = "england-and-wales" })[1].description, "ordinary",
	    "England and Wales")
	t.eq(t.price({ minutes = 60, date = "2026-07-13",
	    grade = "standard" })[1].description, "ordinary",
	    "no calendar is England and Wales")
	t.eq(t.price({ minutes = 60, date = "2026-07-13", grade = "standard",
	    calendar = "northern-ireland" })[1].description,
	    "Battle of the Boyne (Orangemen’s Day) (substitute day)",
	    "Northern Ireland")
end)
