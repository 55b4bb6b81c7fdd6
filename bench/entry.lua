-- bench/entry.lua: wrk script logging entries through the JSON API. Each
-- request picks the next of ENGAGEMENTS engagements (ids 1..N, one expert
-- each, tokens in BENCH_TOKENS, space separated) and the next of 300 past
-- days, six minutes at a time, so no day nears 24 hours.
local tokens = {}
for t in os.getenv("BENCH_TOKENS"):gmatch("%S+") do tokens[#tokens + 1] = t end
local days = {}
for d in os.getenv("BENCH_DAYS"):gmatch("%S+") do days[#days + 1] = d end
local counter = 0

function setup(thread)
	thread:set("offset", counter)
	counter = counter + 1
end

local n = 0
request = function()
	n = n + 1
	local k = (offset or 0) * 7919 + n
	local e = k % #tokens + 1
	local day = days[math.floor(k / #tokens) % #days + 1]
	local body = string.format('{"engagement":%d,"date":"%s","minutes":6,' ..
	    '"activity":"advice","note":"bench"}', e, day)
	return wrk.format("POST", "/api/v1/entries", {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. tokens[e],
	}, body)
end
