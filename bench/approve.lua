-- bench/approve.lua: wrk script approving submitted entries through the
-- JSON API at a steady BENCH_RATE a second (one thread): entry ids from
-- BENCH_FIRST upwards, one each, with the approver's token in
-- BENCH_TOKEN. Each finished request books the next free slot of the
-- schedule, so the pace holds whatever the latency, as long as some
-- connection is idle.
local ffi = require("ffi")
ffi.cdef[[
struct ep_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clk, struct ep_timespec *tp);
]]
local ts = ffi.new("struct ep_timespec")
local function now_ms()
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local rate = tonumber(os.getenv("BENCH_RATE") or "500")
local next_id = tonumber(os.getenv("BENCH_FIRST"))
local token = os.getenv("BENCH_TOKEN")
local gap = 1000 / rate
local due

request = function()
	local id = next_id
	next_id = next_id + 1
	return wrk.format("POST", "/api/v1/entries/" .. id .. "/approve", {
		["Authorization"] = "Bearer " .. token,
	}, "")
end

delay = function()
	local now = now_ms()
	if due == nil or due < now - 1000 then
		due = now
	end
	due = due + gap
	return math.max(0, math.floor(due - now))
end
