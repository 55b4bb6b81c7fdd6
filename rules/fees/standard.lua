-- standard.lua: the consortium's standard fee rule set.
--
-- Hourly rates by grade, charged in 6-minute units; travel at half rate;
-- out of hours (flagged, weekends, and bank holidays in the provider's
-- calendar) at 150%; daily basis by the started half day; fixed fees and
-- milestones on completion; an on-time completion bonus (the consortium
-- pays bonuses, never damages); an engagement's budget on the capped
-- basis; the agreement's monthly cap; 5% volume discount on what a
-- consumer spends above £20,000 a month.
local fee = require "fee"

local RATES = {			-- pence an hour
	junior = 6000,
	standard = 8500,
	senior = 11000,
	principal = 14500,
}
local UNIT <const> = 6		-- minutes in a charging unit
local DAY <const> = 420		-- minutes in a working day (7 hours)
local TRAVEL_BP = 5000		-- travel at half rate
local OOH_BP = 15000		-- out of hours at 150%
local DISCOUNT = { { above = 2000000, bp = 500 } }

-- Unit prices per grade, computed once at load: the per-entry path only
-- looks them up.
local unit_price, travel_price, ooh_price, half_day, ooh_half_day =
    {}, {}, {}, {}, {}
for grade, rate in pairs(RATES) do
	local u = fee.div(rate * UNIT, 60)
	unit_price[grade] = u
	travel_price[grade] = fee.bp(u, TRAVEL_BP)
	ooh_price[grade] = fee.bp(u, OOH_BP)
	half_day[grade] = fee.div(fee.day_rate(rate, DAY), 2)
	ooh_half_day[grade] = fee.bp(half_day[grade], OOH_BP)
end

-- Whether a date is out of hours by a calendar (weekend or bank holiday
-- in the provider's part of the UK), computed once per calendar and date:
-- a pure function, so a cache.
local calendar_ooh = setmetatable({}, { __index = function(t, calendar)
	local by_date = setmetatable({}, { __index = function(u, date)
		local v = fee.out_of_hours(date, calendar)
		u[date] = v
		return v
	end })
	t[calendar] = by_date
	return by_date
end })

-- Descriptions, built once per grade and activity: labels.plain[grade]
-- [activity] is a table lookup on the per-entry path, no concatenation.
local function labels_for(fmt)
	local by_grade = {}
	for grade in pairs(RATES) do
		by_grade[grade] = setmetatable({}, { __index = function(t, activity)
			local s = string.format(fmt, grade, activity)
			t[activity] = s
			return s
		end })
	end
	return by_grade
end
local plain = labels_for("%s: %s")
local ooh_label = labels_for("Out of hours at 150%% (%s): %s")
local daily_label = labels_for("%s, half days: %s")
local ooh_daily_label = labels_for("Out of hours (%s, half days): %s")
local travel_label, fixed_label = {}, {}
for grade in pairs(RATES) do
	travel_label[grade] = "Travel at half rate (" .. grade .. ")"
	fixed_label[grade] = "Time under fixed fee (" .. grade .. ")"
end

local units = fee.units
local M = {}

-- What price needs for a group of entries (an engagement's: one grade,
-- basis and calendar), made once per grade, basis and calendar, and
-- kept: a pure function of them, so a cache.
local prepared = {}

local function terms(grade, basis, calendar)
	return {
		hours = basis ~= "fixed" and basis ~= "daily",
		fixed = basis == "fixed",
		unit_price = unit_price[grade],
		plain = plain[grade],
		ooh_price = ooh_price[grade],
		ooh_label = ooh_label[grade],
		travel_price = travel_price[grade],
		travel_label = travel_label[grade],
		half_day = half_day[grade],
		daily_label = daily_label[grade],
		ooh_half_day = ooh_half_day[grade],
		ooh_daily_label = ooh_daily_label[grade],
		fixed_label = fixed_label[grade],
		ooh_dates = calendar_ooh[calendar],
	}
end

-- prepare: once per group of entries (see rules/fees/README.md); price
-- gets what it returns, and makes it itself when called without it.
function M.prepare(g, ctx)
	local grade = g.grade
	local by_basis = prepared[grade]
	if by_basis == nil then
		if unit_price[grade] == nil then
			error("unknown grade \"" .. tostring(grade) .. "\"")
		end
		by_basis = {}
		prepared[grade] = by_basis
	end
	local basis, calendar = g.basis, g.calendar or "england-and-wales"
	local by_calendar = by_basis[basis]
	if by_calendar == nil then
		by_calendar = {}
		by_basis[basis] = by_calendar
	end
	local t = by_calendar[calendar]
	if t == nil then
		t = terms(grade, basis, calendar)
		by_calendar[calendar] = t
	end
	return t
end

function M.price(e, ctx, lines, t)
	if t == nil then
		t = M.prepare(e, ctx)
	end
	local minutes = e.minutes
	if minutes == 0 then
		return
	end
	local activity = e.activity
	if t.hours then
		if activity == "travel" then
			local n = (minutes + UNIT - 1) // UNIT
			local p = t.travel_price
			lines:add(t.travel_label, n, "6 min", p, n * p, ctx.vat)
			return
		end
		local n = (minutes + UNIT - 1) // UNIT
		if e.out_of_hours or t.ooh_dates[e.date] then
			local p = t.ooh_price
			lines:add(t.ooh_label[activity], n, "6 min", p, n * p, ctx.vat)
		else
			local u = t.unit_price
			lines:add(t.plain[activity], n, "6 min", u, n * u, ctx.vat)
		end
		return
	end
	if t.fixed then
		lines:add(t.fixed_label, units(minutes, UNIT), "6 min", 0, 0,
		    ctx.vat)
		return
	end
	if activity == "travel" then
		local n = (minutes + UNIT - 1) // UNIT
		local p = t.travel_price
		lines:add(t.travel_label, n, "6 min", p, n * p, ctx.vat)
		return
	end
	local n = units(minutes, DAY // 2)
	if e.out_of_hours or t.ooh_dates[e.date] then
		local p = t.ooh_half_day
		lines:add(t.ooh_daily_label[activity], n, "half day", p, n * p,
		    ctx.vat)
	else
		local p = t.half_day
		lines:add(t.daily_label[activity], n, "half day", p, n * p,
		    ctx.vat)
	end
end

function M.engagement(eng, ctx, lines)
	local vat = ctx.vat
	local period = eng.period
	local done_now = fee.in_period(eng.completed, period)
	if eng.basis == "fixed" then
		if #eng.milestones > 0 then
			for _, m in ipairs(eng.milestones) do
				if fee.in_period(m.done, period) then
					lines:add("Milestone: " ..
					    string.sub(m.name or "", 1, 80), 1, "each",
					    m.amount, m.amount, vat)
				end
			end
		elseif done_now then
			lines:add("Fixed fee", 1, "each", eng.fixed_fee,
			    eng.fixed_fee, vat)
		end
	elseif eng.basis == "capped" and eng.budget then
		local allowed = fee.cap(eng.priced, eng.billed_before, eng.budget)
		if allowed < eng.priced then
			local cut = allowed - eng.priced
			lines:add("Engagement budget of " .. fee.money(eng.budget) ..
			    " reached", 1, "each", cut, cut, vat)
		end
	end
	-- Output-based: a bonus for finishing on time; lateness costs nothing.
	if eng.bonus > 0 and done_now and eng.due and eng.completed <= eng.due then
		lines:add("On-time completion bonus", 1, "each", eng.bonus,
		    eng.bonus, vat)
	end
end

-- Expenses and disbursements by kind: mileage at a rate a mile (pence),
-- the rest at cost with a receipt. Between authorities a recharge is
-- either within the scope of VAT or outside it as a whole (an invoice
-- carries one category), so each kind follows the agreement's: a
-- council's overlay may set its own mileage rate.
local MILEAGE_RATE = 45
local EXPENSE_KINDS = {
	mileage = true, rail = true, travel = true, subsistence = true,
	accommodation = true,
}

function M.expense(x, ctx)
	if not EXPENSE_KINDS[x.kind] then
		error("unknown expense kind \"" .. tostring(x.kind) .. "\"")
	end
	if x.kind == "mileage" then
		return { rate = MILEAGE_RATE, vat = ctx.vat }
	end
	return { vat = ctx.vat }
end

function M.invoice(inv, ctx, lines)
	local vat = inv.vat
	local net = inv.subtotal
	if inv.cap and net > inv.cap then
		local cut = inv.cap - net
		lines:add("Monthly cap of " .. fee.money(inv.cap) .. " reached", 1,
		    "each", cut, cut, vat)
		net = inv.cap
	end
	local before = inv.consumer_before
	local discount = fee.tiered(before, before + net, DISCOUNT)
	if discount > 0 then
		lines:add("Volume discount: 5% above £20,000 this month", 1,
		    "each", -discount, -discount, vat)
	end
	if vat == "O" then
		return { vat = "O", vat_reason =
		    "Outside the scope of VAT: services between public authorities" }
	end
	return { vat = "S" }
end

return M
