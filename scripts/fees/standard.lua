-- standard.lua: the consortium's standard fee rule set.
--
-- Hourly rates by grade, charged in 6-minute units; travel at half rate;
-- out of hours (flagged, weekends and bank holidays) at 150%; daily basis
-- by the started half day; fixed fees and milestones on completion; an
-- on-time completion bonus (the consortium pays bonuses, never damages);
-- an engagement's budget on the capped basis; the agreement's monthly cap;
-- 5% volume discount on what a consumer spends above £20,000 a month.
local fee = require "fee"

local RATES = {			-- pence an hour
	junior = 6000,
	standard = 8500,
	senior = 11000,
	principal = 14500,
}
local UNIT = 6			-- minutes in a charging unit
local DAY = 420			-- minutes in a working day (7 hours)
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

-- Whether a date is out of hours by the calendar (weekend or bank
-- holiday), computed once per date: a pure function, so a cache.
local calendar_ooh = setmetatable({}, { __index = function(t, date)
	local v = fee.weekend(date) or fee.bank_holiday(date) ~= nil
	t[date] = v
	return v
end })

-- Descriptions, built once per (kind, grade, activity).
local labels = {}
local function label(fmt, grade, activity)
	local byfmt = labels[fmt]
	if byfmt == nil then
		byfmt = {}
		labels[fmt] = byfmt
	end
	local key = activity and grade .. "\0" .. activity or grade
	local s = byfmt[key]
	if s == nil then
		s = string.format(fmt, grade, activity)
		byfmt[key] = s
	end
	return s
end

local M = {}

function M.price(e, ctx, lines)
	local grade = e.grade
	local u = unit_price[grade]
	if u == nil then
		error("unknown grade \"" .. tostring(grade) .. "\"")
	end
	local minutes = e.minutes
	if minutes == 0 then
		return
	end
	local vat = ctx.vat
	local basis = e.basis
	if basis == "fixed" then
		lines:add(label("Time under fixed fee (%s)", grade),
		    fee.units(minutes, UNIT), "6 min", 0, 0, vat)
		return
	end
	local activity = e.activity
	if activity == "travel" then
		local n = fee.units(minutes, UNIT)
		local p = travel_price[grade]
		lines:add(label("Travel at half rate (%s)", grade), n, "6 min", p,
		    n * p, vat)
		return
	end
	local ooh = e.out_of_hours or calendar_ooh[e.date]
	if basis == "daily" then
		local n = fee.units(minutes, DAY // 2)
		if ooh then
			local p = ooh_half_day[grade]
			lines:add(label("Out of hours (%s, half days): %s", grade,
			    activity), n, "half day", p, n * p, vat)
		else
			local p = half_day[grade]
			lines:add(label("%s, half days: %s", grade, activity), n,
			    "half day", p, n * p, vat)
		end
		return
	end
	local n = fee.units(minutes, UNIT)
	if ooh then
		local p = ooh_price[grade]
		lines:add(label("Out of hours at 150%% (%s): %s", grade, activity),
		    n, "6 min", p, n * p, vat)
	else
		lines:add(label("%s: %s", grade, activity), n, "6 min", u, n * u,
		    vat)
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
