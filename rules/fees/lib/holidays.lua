-- lib/holidays.lua: bank holidays in the three UK calendars, worked out by
-- the published rules for any year from FIRST on, plus the one-off
-- changes, kept as data below. Never fetched and no clock: the same date
-- gives the same answer in five years.
--
-- holidays.name(calendar, "YYYY-MM-DD") is the holiday's name as GOV.UK
-- publishes it, or nil. A year is worked out once per state and kept.
local H = {}

H.FIRST = 2013	-- the rules below hold from here (St Andrew's Day since
		-- 2007, no one-off days from 2013 to 2019); earlier refused
H.CALENDARS = { "england-and-wales", "scotland", "northern-ireland" }

local EW <const>, SC <const>, NI <const> =
    "england-and-wales", "scotland", "northern-ireland"
local ALL = { EW, SC, NI }

-- One-off changes by royal proclamation. A change names the calendars it
-- applies to and either moves a rule's day (replaces: the rule's key, see
-- the rules below; name: set when the moved day has a name of its own) or
-- adds a day. Add new ones here as they are proclaimed.
H.CHANGES = {
	{ date = "2020-05-08", calendars = ALL, replaces = "early_may",
	    name = "Early May bank holiday (VE day)" },
	{ date = "2022-06-02", calendars = ALL, replaces = "spring" },
	{ date = "2022-06-03", calendars = ALL,
	    name = "Platinum Jubilee bank holiday" },
	{ date = "2022-09-19", calendars = ALL,
	    name = "Bank Holiday for the State Funeral of Queen Elizabeth II" },
	{ date = "2023-05-08", calendars = ALL,
	    name = "Bank holiday for the coronation of King Charles III" },
	{ date = "2026-06-15", calendars = { SC },
	    name = "World Cup bank holiday" },
}

-- Days since 1970-01-01 of a civil date, and back (proleptic Gregorian).
local function days(y, m, d)
	if m <= 2 then
		y = y - 1
	end
	local era = y // 400
	local yoe = y - era * 400
	local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
	local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
	return era * 146097 + doe - 719468
end

local function civil(z)
	z = z + 719468
	local era = z // 146097
	local doe = z - era * 146097
	local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
	local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
	local mp = (5 * doy + 2) // 153
	local d = doy - (153 * mp + 2) // 5 + 1
	local m = mp < 10 and mp + 3 or mp - 9
	return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end

-- 1 for Monday .. 7 for Sunday; 1970-01-01 was a Thursday.
local function weekday(z)
	return (z + 3) % 7 + 1
end

local function iso(z)
	return string.format("%04d-%02d-%02d", civil(z))
end

-- Easter Sunday by the Gregorian computus (Meeus/Jones/Butcher).
local function easter(y)
	local a, b, c = y % 19, y // 100, y % 100
	local d, e = b // 4, b % 4
	local f = (b + 8) // 25
	local g = (b - f + 1) // 3
	local h = (19 * a + b - d - g + 15) % 30
	local i, k = c // 4, c % 4
	local l = (32 + 2 * e + 2 * i - h - k) % 7
	local m = (a + 11 * h + 22 * l) // 451
	local month = (h + l - 7 * m + 114) // 31
	local day = (h + l - 7 * m + 114) % 31 + 1
	return days(y, month, day)
end

-- The first Monday on or after day z, and the last on or before it.
local function monday_from(z)
	return z + (8 - weekday(z)) % 7
end

local function monday_until(z)
	return z - (weekday(z) - 1)
end

-- The rules: key, name, the day in year y, whether a weekend day moves to
-- a substitute, and the calendars it holds in.
local RULES = {
	{ "new_year", "New Year’s Day", function(y) return days(y, 1, 1) end,
	    true, ALL },
	{ "second_january", "2nd January", nil, true, { SC } },
	{ "st_patrick", "St Patrick’s Day", function(y)
		return days(y, 3, 17) end, true, { NI } },
	{ "good_friday", "Good Friday", function(y) return easter(y) - 2 end,
	    false, ALL },
	{ "easter_monday", "Easter Monday", function(y)
		return easter(y) + 1 end, false, { EW, NI } },
	{ "early_may", "Early May bank holiday", function(y)
		return monday_from(days(y, 5, 1)) end, false, ALL },
	{ "spring", "Spring bank holiday", function(y)
		return monday_until(days(y, 5, 31)) end, false, ALL },
	{ "boyne", "Battle of the Boyne (Orangemen’s Day)", function(y)
		return days(y, 7, 12) end, true, { NI } },
	{ "summer", "Summer bank holiday", function(y)
		return monday_until(days(y, 8, 31)) end, false, { EW, NI } },
	{ "summer", "Summer bank holiday", function(y)
		return monday_from(days(y, 8, 1)) end, false, { SC } },
	{ "st_andrew", "St Andrew’s Day", function(y)
		return days(y, 11, 30) end, true, { SC } },
	{ "christmas", "Christmas Day", function(y) return days(y, 12, 25) end,
	    true, ALL },
	{ "boxing", "Boxing Day", function(y) return days(y, 12, 26) end,
	    true, ALL },
}

local function holds(list, calendar)
	for _, c in ipairs(list) do
		if c == calendar then
			return true
		end
	end
	return false
end

local function is_calendar(calendar)
	return calendar == EW or calendar == SC or calendar == NI
end

-- The change that moves rule key in calendar and year, if any.
local function moved(calendar, y, key)
	local prefix = string.format("%04d-", y)
	for _, c in ipairs(H.CHANGES) do
		if c.replaces == key and string.sub(c.date, 1, 5) == prefix and
		    holds(c.calendars, calendar) then
			return c
		end
	end
	return nil
end

local function day_of(date)
	local y, m, d = string.match(date, "^(%d%d%d%d)-(%d%d)-(%d%d)$")
	return days(math.tointeger(y + 0), math.tointeger(m + 0),
	    math.tointeger(d + 0))
end

-- Works out year y of a calendar: date -> name.
local function work_out(calendar, y)
	local at = {}		-- day number -> name
	local weekend = {}	-- holidays whose day is a Saturday or Sunday
	for _, r in ipairs(RULES) do
		local key, name, rule, substitutes, cals = table.unpack(r)
		if rule ~= nil and holds(cals, calendar) then
			local z = rule(y)
			local c = moved(calendar, y, key)
			if c ~= nil then
				z, name = day_of(c.date), c.name or name
			end
			if substitutes and weekday(z) >= 6 then
				weekend[#weekend + 1] = { z, name }
			else
				at[z] = name
			end
		end
	end
	for _, c in ipairs(H.CHANGES) do
		if c.replaces == nil and holds(c.calendars, calendar) and
		    string.sub(c.date, 1, 4) == string.format("%04d", y) then
			at[day_of(c.date)] = c.name
		end
	end
	-- A holiday on a weekend moves to the next weekday not already a
	-- holiday, in date order: Christmas on a Saturday to Monday 27th,
	-- Boxing Day on the Sunday to Tuesday 28th; Christmas on a Sunday to
	-- Tuesday 27th, Boxing Day keeping Monday 26th.
	table.sort(weekend, function(a, b) return a[1] < b[1] end)
	local function place(z, name)
		repeat
			z = z + 1
		until weekday(z) < 6 and at[z] == nil
		at[z] = name .. " (substitute day)"
	end
	-- Scotland's 2nd January is the weekday after New Year's Day's
	-- holiday: with New Year's Day on a Sunday, GOV.UK gives Monday 2nd
	-- as New Year's Day (substitute day) and Tuesday 3rd as 2nd January
	-- (substitute day), unlike Christmas above.
	if calendar == SC then
		local ny = days(y, 1, 1)
		local second = days(y, 1, 2)
		if weekday(ny) >= 6 then
			table.remove(weekend, 1)	-- the earliest: New Year's
			place(ny, "New Year’s Day")
			ny = ny + 1
			while at[ny] == nil do
				ny = ny + 1
			end
		end
		if weekday(second) < 6 and second > ny then
			at[second] = "2nd January"
		else
			place(ny, "2nd January")
		end
	end
	for _, w in ipairs(weekend) do
		place(w[1], w[2])
	end
	local out = {}
	for z, name in pairs(at) do
		out[iso(z)] = name
	end
	return out
end

local cache = { [EW] = {}, [SC] = {}, [NI] = {} }

-- holidays.year(calendar, y): { ["YYYY-MM-DD"] = name } for year y.
function H.year(calendar, y)
	if not is_calendar(calendar) then
		error("unknown calendar \"" .. tostring(calendar) .. "\" (one of "
		    .. table.concat(H.CALENDARS, ", ") .. ")", 2)
	end
	local t = cache[calendar][y]
	if t == nil then
		if math.type(y) ~= "integer" or y < H.FIRST or y > 9999 then
			error(string.format("no bank holiday rules for %s (lib/" ..
			    "holidays.lua covers %d on)", tostring(y), H.FIRST), 2)
		end
		t = work_out(calendar, y)
		cache[calendar][y] = t
	end
	return t
end

-- holidays.name(calendar, date): the bank holiday's name, or nil.
function H.name(calendar, date)
	local y = math.tointeger(tonumber(string.sub(date, 1, 4)))
	return H.year(calendar, y)[date]
end

return H
