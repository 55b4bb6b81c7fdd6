-- lib/fee.lua: the helper library rule sets require ("local fee = require
-- 'fee'"). Money is integer pence throughout; every function refuses a
-- float, and every division names its rounding.
local holidays = require "holidays"

local fee = {}
local mtype = math.type

-- The rounding modes a rule may name; half_even is the default.
fee.HALF_EVEN = "half_even"	-- ties to the even neighbour (banker's)
fee.HALF_UP = "half_up"		-- ties away from zero
fee.DOWN = "down"		-- towards zero
fee.UP = "up"			-- away from zero

local function int(v, what, level)
	if mtype(v) ~= "integer" then
		error(string.format("%s must be an integer, not %s %s",
		    what or "value", mtype(v) or type(v), tostring(v)),
		    (level or 2) + 1)
	end
	return v
end

-- fee.int(v, what): v if it is an integer, else an error naming what.
function fee.int(v, what)
	return int(v, what, 2)
end

-- fee.div(n, d [, mode]): n / d as an integer, rounded as named (d > 0).
function fee.div(n, d, mode)
	int(n, "numerator")
	int(d, "divisor")
	if d <= 0 then
		error("divisor must be positive", 2)
	end
	local q, r = n // d, n % d	-- floor quotient, 0 <= r < d
	if r == 0 then
		return q
	end
	mode = mode or "half_even"
	if mode == "half_even" then
		if 2 * r > d or (2 * r == d and q % 2 == 1) then
			return q + 1
		end
		return q
	elseif mode == "half_up" then
		if 2 * r > d or (2 * r == d and n >= 0) then
			return q + 1
		end
		return q
	elseif mode == "down" then
		return n >= 0 and q or q + 1
	elseif mode == "up" then
		return n >= 0 and q + 1 or q
	end
	error("unknown rounding \"" .. tostring(mode) .. "\"", 2)
end

-- fee.units(minutes, unit): charging units, any part of a unit counting
-- as a whole one (6, 15 or 60 minutes...). On the per-entry path, so it
-- checks only in the error case: a float makes a float, which lines:add
-- refuses anyway.
function fee.units(minutes, unit)
	local n = (minutes + unit - 1) // unit
	if minutes < 0 or unit <= 0 then
		int(minutes, "minutes")
		int(unit, "unit")
		error("minutes must not be negative and unit must be positive", 2)
	end
	return n
end

-- fee.bp(amount, bp [, mode]): amount * bp / 10000 (basis points:
-- 500 is 5%, 15000 is 150%), rounded as named.
function fee.bp(amount, bp, mode)
	int(amount, "amount")
	int(bp, "basis points")
	return fee.div(amount * bp, 10000, mode)
end

-- fee.cap(amount, before, cap): how much of amount fits under cap when
-- before has already been charged (never negative).
function fee.cap(amount, before, cap)
	int(amount, "amount")
	int(before, "before")
	int(cap, "cap")
	local room = cap - before
	if room < 0 then
		room = 0
	end
	return amount < room and amount or room
end

-- The tier sum in basis-point pence for 0..x; tiers are marginal.
local function tier_raw(x, tiers)
	local raw = 0
	for i, t in ipairs(tiers) do
		local lo = int(t.above, "tier above")
		local hi = tiers[i + 1] and tiers[i + 1].above or x
		if hi > x then
			hi = x
		end
		if hi > lo then
			raw = raw + (hi - lo) * int(t.bp, "tier bp")
		end
	end
	return raw
end

-- fee.tiered(from, to, tiers [, mode]): the tiered amount due on the slice
-- of a running total between from and to, tiers being marginal:
-- { { above = 2000000, bp = 500 } } is 5% of whatever lies above £20,000.
-- Slices add up exactly: tiered(a, b) + tiered(b, c) == tiered(a, c).
function fee.tiered(from, to, tiers, mode)
	int(from, "from")
	int(to, "to")
	if to < from then
		error("to must not be below from", 2)
	end
	return fee.div(tier_raw(to, tiers), 10000, mode) -
	    fee.div(tier_raw(from, tiers), 10000, mode)
end

-- fee.day_rate(hourly, day_minutes [, mode]): a day rate from an hourly
-- rate and the length of the working day.
function fee.day_rate(hourly, day_minutes, mode)
	int(hourly, "hourly rate")
	int(day_minutes, "day minutes")
	return fee.div(hourly * day_minutes, 60, mode)
end

-- fee.date("YYYY-MM-DD"): year, month, day as integers, or an error.
function fee.date(s)
	local y, m, d = string.match(tostring(s), "^(%d%d%d%d)-(%d%d)-(%d%d)$")
	if not y then
		error("not a date: " .. tostring(s), 2)
	end
	return math.tointeger(y + 0), math.tointeger(m + 0),
	    math.tointeger(d + 0)
end

local month_offset = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 }

-- fee.weekday(date): 1 for Monday .. 7 for Sunday.
function fee.weekday(s)
	local y, m, d = fee.date(s)
	local t = month_offset
	if m < 3 then
		y = y - 1
	end
	local w = (y + y // 4 - y // 100 + y // 400 + t[m] + d) % 7
	return w == 0 and 7 or w
end

function fee.weekend(s)
	return fee.weekday(s) >= 6
end

-- fee.bank_holiday(date [, calendar]): the holiday's name, or nil, in
-- the calendar named (an entry's e.calendar: "england-and-wales", the
-- default, "scotland" or "northern-ireland"). A year before the rules
-- (lib/holidays.lua) or an unknown calendar is an error: better refused
-- than priced on a guess.
function fee.bank_holiday(s, calendar)
	local y = fee.date(s)
	calendar = calendar or "england-and-wales"
	local ok, days = pcall(holidays.year, calendar, y)
	if not ok then
		error(days, 2)
	end
	return days[s]
end

-- fee.out_of_hours(date [, calendar]): a weekend or a bank holiday.
function fee.out_of_hours(s, calendar)
	local name = fee.bank_holiday(s, calendar)
	return name ~= nil or fee.weekday(s) >= 6
end

-- fee.in_period(date, "YYYY-MM"): the date falls in that month.
function fee.in_period(date, period)
	return type(date) == "string" and string.sub(date, 1, 7) == period
end

-- fee.money(pence): "£1,234.56", for descriptions.
function fee.money(p)
	int(p, "pence")
	local sign = p < 0 and "-" or ""
	if p < 0 then
		p = -p
	end
	local pounds = tostring(p // 100)
	pounds = string.reverse((string.gsub(string.reverse(pounds),
	    "(%d%d%d)", "%1,")))
	if string.sub(pounds, 1, 1) == "," then
		pounds = string.sub(pounds, 2)
	end
	return string.format("%s£%s.%02d", sign, pounds, p % 100)
end

return fee
